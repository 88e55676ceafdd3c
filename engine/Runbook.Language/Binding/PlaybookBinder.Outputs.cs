using System.Collections.Immutable;
using Runbook.Language.Diagnostics;
using Runbook.Language.Model;
using Runbook.Language.Text;
using Runbook.Language.Yaml;

namespace Runbook.Language.Binding;

/// <summary>
/// A step's <c>outputs:</c>, in the three forms the language takes: a list of names, a mapping of names to
/// descriptions, and a mapping of names to <c>{ type, description }</c>. Only the last declares a type.
/// </summary>
public sealed partial class PlaybookBinder
{
    private static readonly string[] OutputKeys = ["type", "description"];

    /// <summary>Names people reach for from other languages, mapped to ours, for a fix that names the right one.</summary>
    private static readonly Dictionary<string, string> OutputTypeAliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["int"] = "integer",
        ["long"] = "integer",
        ["float"] = "number",
        ["double"] = "number",
        ["decimal"] = "number",
        ["bool"] = "boolean",
        ["str"] = "string",
        ["text"] = "string",
        ["array"] = "list",
        ["map"] = "object",
        ["mapping"] = "object",
        ["dict"] = "object",
    };

    private ImmutableArray<OutputDeclaration> BindOutputs(MapReader reader)
    {
        var node = reader["outputs"];
        var result = ImmutableArray.CreateBuilder<OutputDeclaration>();
        switch (node)
        {
            case null or YamlScalar { IsNull: true }:
                break;
            case YamlMapping map:
                foreach (var (key, value) in map.Entries)
                {
                    CheckIdentifier(key.Value, key.Span, "output name");
                    result.Add(BindOutput(key, value));
                }

                break;
            case YamlSequence:
                foreach (var item in reader.ScalarList("outputs"))
                {
                    CheckIdentifier(item.Value, item.Span, "output name");
                    result.Add(new OutputDeclaration(item.Value, null, item.Span));
                }

                break;
            default:
                reader.WrongType("outputs", node, "a list of names, or a mapping of names to a description or { type, description }");
                break;
        }

        return result.ToImmutable();
    }

    private OutputDeclaration BindOutput(YamlScalar key, YamlNode value)
    {
        switch (value)
        {
            case YamlScalar scalar:
                return new OutputDeclaration(key.Value, scalar.IsNull ? null : scalar.Value, key.Span);
            case YamlMapping map:
                var output = new MapReader(map, $"output '{key.Value}'", OutputKeys, _diagnostics);
                return new OutputDeclaration(key.Value, output.String("description"), key.Span) { Type = BindOutputType(output, key.Value) };
            default:
                _diagnostics.Add(Descriptors.WrongType, value.Span, $"output '{key.Value}' must be a description or {{ type, description }}, found {value.KindName}",
                    $"write {key.Value}: {{ type: string, description: … }}");
                return new OutputDeclaration(key.Value, null, key.Span);
        }
    }

    private OutputType? BindOutputType(MapReader output, string name)
    {
        var node = output.Scalar("type");
        if (node is null || node.IsNull)
        {
            return null;
        }

        if (OutputTypes.Parse(node.Value) is { } type)
        {
            return type;
        }

        var suggestion = OutputTypeAliases.TryGetValue(node.Value, out var alias)
            ? $" (did you mean '{alias}'?)"
            : Suggestions.DidYouMean(node.Value, OutputTypes.Names);
        _diagnostics.Add(Descriptors.UnknownOutputType, node.Span, $"output '{name}' cannot have the type '{node.Value}'{suggestion}",
            $"the output types are: {string.Join(", ", OutputTypes.Names)}");
        return null;
    }
}
