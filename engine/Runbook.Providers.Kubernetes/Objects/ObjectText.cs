using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Runbook.Execution.Actions;
using Runbook.Execution.Providers;
using Runbook.Language.Diagnostics;
using Runbook.Language.Text;
using Runbook.Language.Yaml;

namespace Runbook.Providers.Kubernetes.Objects;

/// <summary>
/// A patch or a manifest as the API server takes it (JSON), from what a step gives: a mapping or list written in
/// the step (already values), or text holding JSON or YAML. Values stay values: a string holding quotes, newlines
/// or <c>${{</c> is one JSON string, never spliced into the text the server reads.
/// </summary>
internal static partial class ObjectText
{
    public static JsonNode? From(object? value, string what)
    {
        if (value is string text)
        {
            return Parse(text, what);
        }

        // Values → JSON through the engine's own writer (source-generated, no reflection), then parsed as nodes.
        return JsonNode.Parse(Values.ToJson(value));
    }

    private static JsonNode? Parse(string text, string what)
    {
        var trimmed = text.TrimStart();
        if (trimmed.StartsWith('{') || trimmed.StartsWith('['))
        {
            try
            {
                return JsonNode.Parse(text);
            }
            catch (JsonException ex)
            {
                throw new ProviderException(ProviderErrorKind.Failed, $"{what} is not valid JSON: {ex.Message}");
            }
        }

        var diagnostics = new DiagnosticBag();
        var root = YamlLoader.Load(new SourceText(what, text), diagnostics);
        if (diagnostics.HasErrors || root is null)
        {
            var first = diagnostics.Items.FirstOrDefault();
            throw new ProviderException(ProviderErrorKind.Failed,
                $"{what} is not valid YAML or JSON{(first is null ? string.Empty : $" (line {first.Span.Start.Line}: {first.Message})")}");
        }

        return FromYaml(root);
    }

    /// <summary>YAML 1.2 core schema: plain null, booleans and numbers are typed; anything quoted is a string.</summary>
    private static JsonNode? FromYaml(YamlNode node) => node switch
    {
        YamlMapping map => new JsonObject(map.Entries.Select(e => KeyValuePair.Create(e.Key.Value, FromYaml(e.Value)))),
        YamlSequence list => new JsonArray([.. list.Items.Select(FromYaml)]),
        YamlScalar { Style: not ScalarStyle.Plain } s => JsonValue.Create(s.Value),
        YamlScalar { IsNull: true } => null,
        YamlScalar s when s.Value is "true" or "True" or "TRUE" => JsonValue.Create(true),
        YamlScalar s when s.Value is "false" or "False" or "FALSE" => JsonValue.Create(false),
        YamlScalar s when Integer().IsMatch(s.Value) && long.TryParse(s.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) => JsonValue.Create(l),
        YamlScalar s when Float().IsMatch(s.Value) && double.TryParse(s.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => JsonValue.Create(d),
        YamlScalar s => JsonValue.Create(s.Value),
        _ => null,
    };

    [GeneratedRegex(@"^[-+]?[0-9]+$")]
    private static partial Regex Integer();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex Float();
}
