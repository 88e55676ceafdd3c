using System.Collections.Immutable;
using System.Globalization;
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
}
