using System.Globalization;
using System.Text;
using System.Text.Json;
using Runbook.Execution.Actions;
using Runbook.Language.Model;

namespace Runbook.Execution.Engine;

/// <summary>
/// Holds a succeeded step's outputs to the types its <c>outputs:</c> declares: a script writes text, and
/// <c>count: { type: integer }</c> makes <c>steps.x.outputs.count</c> a number. A value that does not convert
/// fails the step, naming the output and the value (never the value when it may be a secret). An output the step
/// did not produce stays absent (null to expressions), whatever its type.
/// </summary>
/// <remarks>
/// The rules (docs/language.md, "Outputs and their types"): integer is digits with an optional sign, within 64
/// bits; number is a decimal number (an exponent is fine; NaN, Infinity and hex are not); boolean is true or false
/// in any case — not yes/no, on/off or 1/0, which YAML 1.1 and Ansible read as booleans and JSON, YAML 1.2 and
/// GitHub's fromJSON do not; list, object and json are JSON text, parsed whole (trailing text is an error).
/// Surrounding whitespace is ignored for every type but string.
/// </remarks>
public static class DeclaredOutputs
{
    private const int ShownLength = 60;

    private static readonly JsonDocumentOptions JsonOptions = new() { MaxDepth = 64 };

    private static readonly string[] BooleanLookalikes = ["yes", "no", "y", "n", "on", "off", "1", "0"];

    private static readonly System.Buffers.SearchValues<char> AsciiDigits = System.Buffers.SearchValues.Create("0123456789");

    /// <summary>
    /// The outcome with its declared outputs converted, or a failure naming the first that does not convert.
    /// </summary>
    /// <param name="isSecret">Whether a value's text is secret: then the failure does not show it.</param>
    public static StepOutcome Convert(Step step, StepOutcome outcome, Func<string, bool> isSecret)
    {
        if (outcome is not Succeeded || !step.Outputs.Any(o => o.Type is not null))
        {
            return outcome;
        }

        var converted = new Dictionary<string, object?>(outcome.Outputs, StringComparer.Ordinal);
        foreach (var declared in step.Outputs)
        {
            if (declared.Type is not { } type || !converted.TryGetValue(declared.Name, out var value) || value is null)
            {
                continue;
            }

            var result = To(type, value);
            if (result.Problem is { } problem)
            {
                var text = Values.ToText(value);
                var secret = isSecret(text);

                // A JSON parser's reason quotes a character or a key of the value: a secret gets the bare verdict.
                var (shown, why) = secret ? ("a value that may hold a secret (not shown)", $"it is not {Article(type)}") : (Show(text), problem);
                var producer = step.Action is RunAction ? "the script wrote" : $"{((UsesAction)step.Action).Name} returned";
                return StepOutcome.Failure($"output '{declared.Name}' is declared {type.ToName()}, but {producer} {shown}: {why}", outcome.Outputs);
            }

            converted[declared.Name] = result.Value;
        }

        return StepOutcome.Success(converted);
    }

    /// <summary>Whether a run value already is of the type (null is of every type: a skipped step's, a missing output).</summary>
    public static bool Holds(OutputType type, object? value) => (type, value) switch
    {
        (_, null) or (OutputType.Json, _) => true,
        (OutputType.String, string) or (OutputType.Boolean, bool) => true,
        (OutputType.Integer, long or int) or (OutputType.Number, long or int or decimal or double) => true,
        (OutputType.List, IReadOnlyList<object?>) or (OutputType.Object, IReadOnlyDictionary<string, object?>) => true,
        _ => false,
    };

    /// <summary>One value as the declared type: a value of that type already is kept, anything else is read from its text.</summary>
    public static Conversion To(OutputType type, object? value) => (type, value) switch
    {
        (_, null) => new Conversion(null, null),
        (OutputType.String, string) => new Conversion(value, null),
        (OutputType.String, _) => new Conversion(Values.ToText(value), null),
        (OutputType.Integer, long) or (OutputType.Boolean, bool) or (OutputType.Number, long or decimal or double) => new Conversion(value, null),
        (OutputType.List, IReadOnlyList<object?>) or (OutputType.Object, IReadOnlyDictionary<string, object?>) => new Conversion(value, null),
        (OutputType.Json, not string) => new Conversion(value, null),
        _ => FromText(type, Values.ToText(value)),
    };

    /// <summary>Text as the declared type.</summary>
    public static Conversion FromText(OutputType type, string text)
    {
        if (type == OutputType.String)
        {
            return new Conversion(text, null);
        }

        var trimmed = text.Trim();
        if (trimmed.Length == 0)
        {
            return Problem($"it is empty, and an empty value is not {Article(type)}");
        }

        return type switch
        {
            OutputType.Integer => Integer(trimmed),
            OutputType.Number => Number(trimmed),
            OutputType.Boolean => Boolean(trimmed),
            _ => Json(type, trimmed),
        };
    }

    private static Conversion Integer(string text)
    {
        var digits = text[0] is '+' or '-' ? text.AsSpan(1) : text.AsSpan();
        if (digits.Length == 0 || digits.ContainsAnyExcept(AsciiDigits))
        {
            return Problem(LooksLikeNumber(text) ? "it is not a whole number (declare type: number for decimals)" : "it is not a whole number");
        }

        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? new Conversion(value, null)
            : Problem($"it is outside the integer range {long.MinValue} to {long.MaxValue} (declare type: number for larger values)");
    }

    private static Conversion Number(string text)
    {
        if (!LooksLikeNumber(text))
        {
            return Problem("it is not a number (write digits, a '.' and an optional exponent: 0.25, -3, 1.5e3; NaN and Infinity are not numbers)");
        }

        if (decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var exact))
        {
            return new Conversion(exact, null);
        }

        // Beyond decimal's 28 digits of range: a double keeps the magnitude when it is finite.
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var wide) && double.IsFinite(wide)
            ? new Conversion(wide, null)
            : Problem($"it is outside the range of a number (±{double.MaxValue.ToString("G3", CultureInfo.InvariantCulture)})");
    }

    private static Conversion Boolean(string text)
    {
        if (text.Equals("true", StringComparison.OrdinalIgnoreCase))
        {
            return new Conversion(true, null);
        }

        if (text.Equals("false", StringComparison.OrdinalIgnoreCase))
        {
            return new Conversion(false, null);
        }

        return Problem(BooleanLookalikes.Contains(text, StringComparer.OrdinalIgnoreCase)
            ? "write true or false: yes/no, on/off and 1/0 are not booleans here (declare type: integer to keep 1/0)"
            : "it is not true or false");
    }

    private static Conversion Json(OutputType type, string text)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, JsonOptions);
        }
        catch (JsonException ex)
        {
            return Problem($"it is not valid JSON ({Reason(ex)})");
        }

        using (document)
        {
            var kind = document.RootElement.ValueKind;
            if ((type == OutputType.List && kind != JsonValueKind.Array) || (type == OutputType.Object && kind != JsonValueKind.Object))
            {
                return Problem($"it is {KindName(kind)} in JSON, not {Article(type)}");
            }

            try
            {
                return new Conversion(FromElement(document.RootElement), null);
            }
            catch (FormatException ex)
            {
                return Problem(ex.Message);
            }
        }
    }

    /// <summary>JSON as run values, like fromJSON, but strict where a value would be lost: a repeated key, an infinite number.</summary>
    private static object? FromElement(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var property in element.EnumerateObject())
                {
                    if (!map.TryAdd(property.Name, FromElement(property.Value)))
                    {
                        throw new FormatException($"its JSON has the key '{Truncate(property.Name)}' twice");
                    }
                }

                return map as IReadOnlyDictionary<string, object?>;
            case JsonValueKind.Array:
                return element.EnumerateArray().Select(FromElement).ToList();
            case JsonValueKind.String:
                return element.GetString();
            case JsonValueKind.Number:
                if (element.TryGetInt64(out var whole))
                {
                    return whole;
                }

                if (element.TryGetDecimal(out var exact))
                {
                    return exact;
                }

                if (element.TryGetDouble(out var wide) && double.IsFinite(wide))
                {
                    return wide;
                }

                throw new FormatException($"its JSON holds the number {Truncate(element.GetRawText())}, outside the range of a number");
            case JsonValueKind.True:
                return true;
            case JsonValueKind.False:
                return false;
            default:
                return null;
        }
    }

    /// <summary>JSON's number grammar, with a leading '+' and a bare leading or trailing '.' allowed as people write them.</summary>
    private static bool LooksLikeNumber(string text)
    {
        var i = 0;
        if (i < text.Length && text[i] is '+' or '-')
        {
            i++;
        }

        var digits = 0;
        while (i < text.Length && char.IsAsciiDigit(text[i]))
        {
            i++;
            digits++;
        }

        if (i < text.Length && text[i] == '.')
        {
            i++;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
                digits++;
            }
        }

        if (digits == 0)
        {
            return false;
        }

        if (i < text.Length && text[i] is 'e' or 'E')
        {
            i++;
            if (i < text.Length && text[i] is '+' or '-')
            {
                i++;
            }

            var exponent = 0;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
                exponent++;
            }

            if (exponent == 0)
            {
                return false;
            }
        }

        return i == text.Length;
    }

    /// <summary>The value as the failure shows it: quoted, control characters escaped, cut after a few words.</summary>
    private static string Show(string text)
    {
        if (text.Length == 0)
        {
            return "an empty value";
        }

        var shown = new StringBuilder("'");
        foreach (var c in text.Length > ShownLength ? text[..ShownLength] : text)
        {
            shown.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when char.IsControl(c) || char.IsSurrogate(c) => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }

        shown.Append(text.Length > ShownLength ? $"…' ({text.Length} characters)" : "'");
        return shown.ToString();
    }

    private static string Truncate(string text) => text.Length > ShownLength ? text[..ShownLength] + "…" : text;

    /// <summary>System.Text.Json's reason without the value: it names the position, never the text.</summary>
    private static string Reason(JsonException ex) =>
        ex.LineNumber is { } line && ex.BytePositionInLine is { } column
            ? $"{FirstSentence(ex.Message)} at line {line + 1}, byte {column + 1}"
            : FirstSentence(ex.Message);

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return (end > 0 ? message[..end] : message).TrimEnd('.');
    }

    private static string KindName(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "a list",
        JsonValueKind.Object => "an object",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    private static string Article(OutputType type) => type is OutputType.Integer or OutputType.Object ? $"an {type.ToName()}" : $"a {type.ToName()}";

    private static Conversion Problem(string problem) => new(null, problem);

    /// <summary>The converted value, or why the text is not of the type.</summary>
    public readonly record struct Conversion(object? Value, string? Problem);
}
