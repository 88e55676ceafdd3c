using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Runbook.Language.Diagnostics;
using Runbook.Language.Model;
using Runbook.Language.Text;

namespace Runbook.Language.Inputs;

/// <summary>
/// Input values as given on the command line (<c>--input k=v</c>) or in an inputs file, checked against the
/// playbook's declarations. Every problem is reported at once, before anything runs.
/// </summary>
public static class InputValues
{
    /// <summary>
    /// Typed values for every input that has one (given or default). Secrets are left out unless
    /// <paramref name="resolveSecrets"/> says to read them from their source.
    /// </summary>
    public static ImmutableDictionary<string, object?> Bind(
        Playbook playbook,
        IReadOnlyDictionary<string, string> given,
        DiagnosticBag diagnostics,
        Func<SecretSource, string?>? resolveSecrets = null)
    {
        var origin = SourceSpan.None("--input");
        foreach (var name in given.Keys.Where(k => playbook.FindInput(k) is null))
        {
            diagnostics.Add(Descriptors.UnknownInput, origin,
                $"playbook '{playbook.Name}' has no input '{name}'{Suggestions.DidYouMean(name, playbook.Inputs.Select(i => i.Name))}",
                $"its inputs are: {string.Join(", ", playbook.Inputs.Select(i => i.Name))}");
        }

        var values = ImmutableDictionary.CreateBuilder<string, object?>(StringComparer.Ordinal);
        foreach (var input in playbook.Inputs)
        {
            if (given.TryGetValue(input.Name, out var text))
            {
                if (Convert(input, text, diagnostics) is { } value)
                {
                    values[input.Name] = value;
                }
            }
            else if (input.IsSecret && input.From is { } from && resolveSecrets is not null)
            {
                var secret = resolveSecrets(from);
                if (secret is null)
                {
                    diagnostics.Add(Descriptors.InvalidInput, input.Span, $"secret input '{input.Name}' has no value: {from} is not set",
                        from.Kind == SecretSourceKind.Environment ? $"export {from.Reference}=… before running" : $"create the file {from.Reference}");
                }
                else
                {
                    values[input.Name] = secret;
                }
            }
            else if (input.Default is not null)
            {
                values[input.Name] = input.Default;
            }
            else if (input.Required && !(input.IsSecret && resolveSecrets is null))
            {
                diagnostics.Add(Descriptors.InvalidInput, input.Span, $"input '{input.Name}' is required and has no value",
                    $"pass --input {input.Name}=…");
            }
        }

        return values.ToImmutable();
    }

    private static object? Convert(InputDefinition input, string text, DiagnosticBag diagnostics)
    {
        if (input.Type == InputType.List)
        {
            return ConvertList(input, text, diagnostics);
        }

        var origin = SourceSpan.None("--input");
        object? value = input.Type switch
        {
            InputType.Number => decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) ? n : null,
            InputType.Boolean => text switch { "true" => true, "false" => false, _ => null },
            InputType.Duration => Duration.TryParse(text, out var d) ? d : null,
            InputType.Enum => input.Values.Contains(text) ? text : null,
            _ => text,
        };
        if (value is null)
        {
            var expected = input.Type switch
            {
                InputType.Enum => $"one of {string.Join(", ", input.Values)}",
                InputType.Boolean => "true or false",
                InputType.Duration => "a duration such as 30s or 5m",
                _ => "a number",
            };
            diagnostics.Add(Descriptors.InvalidInput, origin, $"input '{input.Name}' must be {expected}, got '{(input.IsSecret ? "***" : text)}'",
                $"pass --input {input.Name}=<{expected}>");
            return null;
        }

        if (value is decimal number && (number < input.Min || number > input.Max))
        {
            diagnostics.Add(Descriptors.InvalidInput, origin, $"input '{input.Name}' must be between {input.Min} and {input.Max}, got {number}",
                "pass a value inside the bounds");
            return null;
        }

        if (input.Pattern is { } pattern && value is string s && !Regex.IsMatch(s, pattern, RegexOptions.None, TimeSpan.FromSeconds(1)))
        {
            diagnostics.Add(Descriptors.InvalidInput, origin,
                $"input '{input.Name}' must match {pattern}, got '{(input.IsSecret ? "***" : s)}'", "pass a value that matches the pattern");
            return null;
        }

        return value;
    }

    /// <summary>
    /// A list input from the command line: a JSON array (<c>["api","worker"]</c>) when the text starts with '[',
    /// otherwise comma-separated items (<c>api,worker</c>), each trimmed. Empty text is the empty list. Every item
    /// must have the input's item type; each is reported on its own.
    /// </summary>
    private static ImmutableArray<object>? ConvertList(InputDefinition input, string text, DiagnosticBag diagnostics)
    {
        var origin = SourceSpan.None("--input");
        var itemType = input.ItemType.ToString().ToLowerInvariant();
        var raw = new List<(string Text, bool Quoted)>();
        if (text.TrimStart().StartsWith('['))
        {
            try
            {
                using var document = JsonDocument.Parse(text);
                if (document.RootElement.ValueKind != JsonValueKind.Array)
                {
                    throw new JsonException("not an array");
                }

                foreach (var element in document.RootElement.EnumerateArray())
                {
                    if (element.ValueKind is JsonValueKind.Array or JsonValueKind.Object or JsonValueKind.Null or JsonValueKind.Undefined)
                    {
                        diagnostics.Add(Descriptors.InvalidInput, origin, $"input '{input.Name}' is a list of {itemType}s; item {raw.Count} is {element.ValueKind.ToString().ToLowerInvariant()}",
                            $"pass plain {itemType}s: --input {input.Name}='[\"a\",\"b\"]' or --input {input.Name}=a,b");
                        return null;
                    }

                    raw.Add(element.ValueKind == JsonValueKind.String ? (element.GetString()!, true) : (element.GetRawText(), false));
                }
            }
            catch (JsonException)
            {
                diagnostics.Add(Descriptors.InvalidInput, origin, $"input '{input.Name}' starts with '[' but is not a JSON array",
                    $"pass a JSON array (--input {input.Name}='[\"a\",\"b\"]') or comma-separated items (--input {input.Name}=a,b)");
                return null;
            }
        }
        else if (text.Trim().Length > 0)
        {
            raw.AddRange(text.Split(',').Select(item => (item.Trim(), false)));
        }

        var items = ImmutableArray.CreateBuilder<object>(raw.Count);
        var valid = true;
        for (var i = 0; i < raw.Count; i++)
        {
            var (itemText, quoted) = raw[i];
            object? item = input.ItemType switch
            {
                InputType.Number => !quoted && decimal.TryParse(itemText, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) ? n : null,
                InputType.Boolean => quoted ? null : itemText switch { "true" => true, "false" => false, _ => null },
                _ => itemText,
            };
            if (item is null)
            {
                diagnostics.Add(Descriptors.InvalidInput, origin, $"input '{input.Name}' is a list of {itemType}s; item {i} is '{itemText}'",
                    $"pass {itemType}s only, separated by commas");
                valid = false;
            }
            else if (item is string s && input.Pattern is { } pattern && !Regex.IsMatch(s, pattern, RegexOptions.None, TimeSpan.FromSeconds(1)))
            {
                diagnostics.Add(Descriptors.InvalidInput, origin, $"input '{input.Name}': item {i} must match {pattern}, got '{s}'", "pass items that match the pattern");
                valid = false;
            }
            else
            {
                items.Add(item);
            }
        }

        return valid ? items.MoveToImmutable() : null;
    }
}
