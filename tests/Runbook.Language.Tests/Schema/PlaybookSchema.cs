using System.Text.Json.Nodes;
using NJsonSchema;

namespace Runbook.Language.Tests.Schema;

internal static class PlaybookSchema
{
    public static string Path { get; } = System.IO.Path.Combine(TestPaths.RepoRoot, "schemas", "playbook.schema.json");

    private static readonly Lazy<JsonSchema> Schema = new(() =>
        JsonSchema.FromJsonAsync(ForNJsonSchema(JsonNode.Parse(File.ReadAllText(Path))!).ToJsonString()).GetAwaiter().GetResult());

    /// <summary>The schema as JSON, for tests that read its structure.</summary>
    public static JsonObject Json => JsonNode.Parse(File.ReadAllText(Path))!.AsObject();

    /// <summary>The schema's complaints about a YAML file, as "path: kind" lines.</summary>
    public static IReadOnlyList<string> Validate(string yamlPath) =>
        [.. Schema.Value.Validate(YamlToJson.Convert(yamlPath)).Select(e => $"{e.Path}: {e.Kind}")];

    /// <summary>
    /// NJsonSchema's validator ignores two draft-07 keywords the schema uses for editors. Rewrite them into
    /// equivalents it knows: <c>const: x</c> is <c>enum: [x]</c>, and <c>if: A, then: B</c> (without else) is
    /// <c>anyOf: [not A, B]</c>.
    /// </summary>
    private static JsonNode ForNJsonSchema(JsonNode node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (_, child) in obj.ToList())
                {
                    if (child is not null)
                    {
                        ForNJsonSchema(child);
                    }
                }

                if (obj["const"] is { } constant)
                {
                    obj.Remove("const");
                    obj["enum"] = new JsonArray(constant.DeepClone());
                }

                if (obj["if"] is { } condition && obj["then"] is { } then && obj["else"] is null)
                {
                    obj.Remove("if");
                    obj.Remove("then");
                    obj["anyOf"] = new JsonArray(new JsonObject { ["not"] = condition.DeepClone() }, then.DeepClone());
                }

                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    if (child is not null)
                    {
                        ForNJsonSchema(child);
                    }
                }

                break;
        }

        return node;
    }
}
