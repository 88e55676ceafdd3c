using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Runbook.Language.Diagnostics;
using Runbook.Language.Model;
using Runbook.Language.Text;
using Runbook.Language.Yaml;

namespace Runbook.Language.Binding;

public sealed partial class PlaybookBinder
{
    private static readonly string[] InputKeys = ["type", "description", "default", "required", "pattern", "min", "max", "values", "from", "items"];

    private static readonly Dictionary<string, InputType> InputTypes = new(StringComparer.Ordinal)
    {
        ["string"] = InputType.String,
        ["number"] = InputType.Number,
        ["boolean"] = InputType.Boolean,
        ["enum"] = InputType.Enum,
        ["duration"] = InputType.Duration,
        ["secret"] = InputType.Secret,
        ["list"] = InputType.List,
    };

    /// <summary>What a list input's items may be (<c>items:</c>): plain values an expression can compare.</summary>
    private static readonly Dictionary<string, InputType> ItemTypes = new(StringComparer.Ordinal)
    {
        ["string"] = InputType.String,
        ["number"] = InputType.Number,
        ["boolean"] = InputType.Boolean,
    };

    private ImmutableArray<InputDefinition> BindInputs(YamlMapping? inputs)
    {
        if (inputs is null)
        {
            return [];
        }

        var result = ImmutableArray.CreateBuilder<InputDefinition>();
        foreach (var (key, value) in inputs.Entries)
        {
            CheckIdentifier(key.Value, key.Span, "input name");
            if (value is not YamlMapping map)
            {
                _diagnostics.Add(Descriptors.WrongType, value.Span, $"input '{key.Value}' must be a mapping, found {value.KindName}",
                    $"write '{key.Value}: {{ type: string, default: … }}'");
                continue;
            }

            if (BindInput(key, map) is { } input)
            {
                result.Add(input);
            }
        }

        return result.ToImmutable();
    }

    private InputDefinition? BindInput(YamlScalar key, YamlMapping map)
    {
        var reader = new MapReader(map, $"input '{key.Value}'", InputKeys, _diagnostics);
        var type = reader.Has("type") ? reader.Enum("type", InputTypes) : InputType.String;
        if (type is null)
        {
            return null;
        }

        var values = reader.ScalarList("values").Select(s => s.Value).ToImmutableArray();
        if (type == InputType.Enum && values.IsEmpty)
        {
            _diagnostics.Add(Descriptors.InvalidInput, key.Span, $"enum input '{key.Value}' has no values", "add 'values: [a, b]'");
        }
        else if (type != InputType.Enum && !values.IsEmpty)
        {
            _diagnostics.Add(Descriptors.InvalidInput, reader.KeySpan("values"), $"'values' applies to enum inputs, and '{key.Value}' is {type.Value.ToString().ToLowerInvariant()}",
                "set 'type: enum' or remove 'values'");
        }

        var pattern = reader.String("pattern");
        if (pattern is not null && !IsValidRegex(pattern))
        {
            _diagnostics.Add(Descriptors.InvalidInput, reader["pattern"]!.Span, $"pattern '{pattern}' is not a valid regular expression", "fix the pattern (.NET regular expression syntax)");
        }

        var from = BindSecretSource(key, reader, type.Value);
        var itemType = BindItemType(key, reader, type.Value);
        var defaultValue = type == InputType.List
            ? (object?)BindListDefault(key.Value, reader, itemType)
            : reader.Scalar("default") is { } d ? BindDefault(key.Value, d, type.Value, values) : null;
        var min = reader.Number("min");
        var max = reader.Number("max");
        if ((min is not null || max is not null) && type != InputType.Number)
        {
            _diagnostics.Add(Descriptors.InvalidInput, reader.KeySpan(min is not null ? "min" : "max"), "'min' and 'max' apply to number inputs", "set 'type: number' or remove them");
        }

        if (defaultValue is decimal n && (n < min || n > max))
        {
            _diagnostics.Add(Descriptors.InvalidInput, reader["default"]!.Span, $"default {n} is outside {min}..{max}", "change the default or the bounds");
        }

        return new InputDefinition(
            key.Value,
            key.Span,
            type.Value,
            reader.String("description"),
            defaultValue,
            reader.Bool("required") ?? (defaultValue is null && from is null),
            pattern,
            min,
            max,
            values,
            from)
        {
            ItemType = itemType,
        };
    }

    /// <summary><c>items:</c> says what a list input holds; it means nothing on any other input.</summary>
    private InputType BindItemType(YamlScalar key, MapReader reader, InputType type)
    {
        if (!reader.Has("items"))
        {
            return InputType.String;
        }

        if (type != InputType.List)
        {
            _diagnostics.Add(Descriptors.InvalidInput, reader.KeySpan("items"), $"'items' applies to list inputs, and '{key.Value}' is {type.ToString().ToLowerInvariant()}",
                "set 'type: list' or remove 'items'");
            return InputType.String;
        }

        return reader.Enum("items", ItemTypes) ?? InputType.String;
    }

    /// <summary>A list input's default is a YAML list whose every item has the input's item type.</summary>
    private ImmutableArray<object>? BindListDefault(string name, MapReader reader, InputType itemType)
    {
        switch (reader["default"])
        {
            case null or YamlScalar { IsNull: true }:
                return null;
            case YamlSequence list:
                var items = ImmutableArray.CreateBuilder<object>(list.Items.Length);
                var valid = true;
                foreach (var node in list.Items)
                {
                    object? item = node is YamlScalar { IsNull: false } s ? itemType switch
                    {
                        InputType.Number => ScalarValues.TryNumber(s, out var n) ? n : null,
                        InputType.Boolean => ScalarValues.TryBool(s, out var b) ? b : null,
                        _ => s.Value,
                    } : null;
                    if (item is null)
                    {
                        var found = node is YamlScalar scalar ? $"'{scalar.Value}'" : node.KindName;
                        _diagnostics.Add(Descriptors.InvalidInput, node.Span, $"an item of the default of list input '{name}' must be a {itemType.ToString().ToLowerInvariant()}, found {found}",
                            $"write every item as a {itemType.ToString().ToLowerInvariant()}, or change 'items:'");
                        valid = false;
                        continue;
                    }

                    items.Add(item);
                }

                return valid ? items.MoveToImmutable() : null;
            case var other:
                _diagnostics.Add(Descriptors.InvalidInput, other.Span, $"the default of list input '{name}' must be a YAML list, found {(other is YamlScalar s2 ? $"'{s2.Value}'" : other.KindName)}",
                    "write 'default: [api, worker]' (or one item per line under 'default:')");
                return null;
        }
    }

    private SecretSource? BindSecretSource(YamlScalar key, MapReader reader, InputType type)
    {
        var text = reader.String("from");
        if (text is null)
        {
            return null;
        }

        var span = reader["from"]!.Span;
        if (type != InputType.Secret)
        {
            _diagnostics.Add(Descriptors.InvalidInput, span, $"'from' applies to secret inputs, and '{key.Value}' is not one", "set 'type: secret'");
        }

        var source = text switch
        {
            _ when text.StartsWith("env:", StringComparison.Ordinal) && text.Length > 4 => new SecretSource(SecretSourceKind.Environment, text[4..]),
            _ when text.StartsWith("file:", StringComparison.Ordinal) && text.Length > 5 => new SecretSource(SecretSourceKind.File, text[5..]),
            _ => null,
        };
        if (source is null)
        {
            _diagnostics.Add(Descriptors.InvalidInput, span, $"'from: {text}' names no source", "write 'from: env:VARIABLE' or 'from: file:/path/to/secret'");
        }

        return source;
    }

    private object? BindDefault(string name, YamlScalar value, InputType type, ImmutableArray<string> values)
    {
        if (value.IsNull)
        {
            return null;
        }

        object? result = type switch
        {
            InputType.Number => ScalarValues.TryNumber(value, out var n) ? n : null,
            InputType.Boolean => ScalarValues.TryBool(value, out var b) ? b : null,
            InputType.Duration => Duration.TryParse(value.Value, out var d) ? d : null,
            InputType.Enum => values.Contains(value.Value) ? value.Value : null,
            InputType.Secret => null,
            _ => value.Value,
        };
        if (type == InputType.Secret)
        {
            _diagnostics.Add(Descriptors.InvalidInput, value.Span, $"secret input '{name}' has a default, which would put the secret in the playbook",
                "remove the default and use 'from: env:NAME' or 'from: file:PATH'");
        }
        else if (result is null)
        {
            var expected = type == InputType.Enum ? $"one of {string.Join(", ", values)}" : $"a {type.ToString().ToLowerInvariant()}";
            _diagnostics.Add(Descriptors.InvalidInput, value.Span, $"default '{value.Value}' of input '{name}' is not {expected}", "change the default to match the input's type");
        }

        return result;
    }

    private static bool IsValidRegex(string pattern)
    {
        try
        {
            _ = new Regex(pattern, RegexOptions.None, TimeSpan.FromSeconds(1));
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
