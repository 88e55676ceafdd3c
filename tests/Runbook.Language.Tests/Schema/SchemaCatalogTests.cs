using System.Text.Json.Nodes;
using Runbook.Language.Actions;

namespace Runbook.Language.Tests.Schema;

/// <summary>The schema's view of actions and its hover text stay true to the catalog.</summary>
public sealed class SchemaCatalogTests
{
    private static readonly JsonObject Schema = PlaybookSchema.Json;

    private static JsonObject Definition(string name) => Schema["definitions"]![name]!.AsObject();

    [Fact]
    public void The_schema_is_draft_07()
    {
        Assert.Equal("http://json-schema.org/draft-07/schema#", (string?)Schema["$schema"]);
    }

    [Fact]
    public void The_uses_enum_lists_exactly_the_built_in_actions()
    {
        // Arrange
        var catalog = BuiltinActions.All.Select(a => a.Name).Order(StringComparer.Ordinal);

        // Act
        var schema = Definition("actionName")["enum"]!.AsArray().Select(n => (string)n!).Order(StringComparer.Ordinal);

        // Assert
        Assert.Equal(catalog, schema);
    }

    [Fact]
    public void Each_action_s_arguments_in_the_schema_match_its_parameters_in_the_catalog()
    {
        // Arrange
        var expected = BuiltinActions.All.ToDictionary(
            a => a.Name,
            a => (All: string.Join(",", a.Parameters.Select(p => p.Name)), Required: string.Join(",", a.Parameters.Where(p => p.Required).Select(p => p.Name))),
            StringComparer.Ordinal);

        // Act
        var actual = Definition("actionArguments")["allOf"]!.AsArray().Select(n => n!.AsObject()).ToDictionary(
            rule => (string)rule["if"]!["properties"]!["uses"]!["const"]!,
            rule =>
            {
                var with = rule["then"]!["properties"]!["with"]!;
                return (All: string.Join(",", with["properties"]!.AsObject().Select(p => p.Key)),
                    Required: string.Join(",", with["required"]?.AsArray().Select(n => (string)n!) ?? []));
            },
            StringComparer.Ordinal);

        // Assert
        Assert.Equal(expected.OrderBy(e => e.Key, StringComparer.Ordinal), actual.OrderBy(e => e.Key, StringComparer.Ordinal));
    }

    [Fact]
    public void Every_property_has_a_description_and_an_example_for_editors_to_show()
    {
        // Act
        // Conditions of if/then rules name properties to test them, not to document them.
        var missing = Properties(Schema, "#")
            .Where(p => !p.Path.Contains("/if/", StringComparison.Ordinal))
            .Where(p => Resolve(p.Schema) is var s && (s["description"] is null || s["examples"] is not JsonArray { Count: > 0 }))
            .Select(p => p.Path)
            .ToList();

        // Assert
        Assert.Empty(missing);
    }

    private static JsonObject Resolve(JsonObject schema) =>
        schema["$ref"] is { } reference
            ? Definition(((string)reference!)["#/definitions/".Length..])
            : schema;

    private static IEnumerable<(string Path, JsonObject Schema)> Properties(JsonNode? node, string path)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, child) in obj)
                {
                    if (key == "properties" && child is JsonObject properties)
                    {
                        foreach (var (name, property) in properties)
                        {
                            yield return ($"{path}/properties/{name}", property!.AsObject());
                        }
                    }

                    foreach (var nested in Properties(child, $"{path}/{key}"))
                    {
                        yield return nested;
                    }
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    foreach (var nested in Properties(array[i], $"{path}/{i}"))
                    {
                        yield return nested;
                    }
                }

                break;
        }
    }
}
