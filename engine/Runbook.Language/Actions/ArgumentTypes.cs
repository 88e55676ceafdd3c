using System.Globalization;
using Runbook.Language.Model;

namespace Runbook.Language.Actions;

/// <summary>
/// What each <see cref="ParameterType"/> accepts, for values known only at run time (a literal is checked by the
/// checker on its YAML form). The executor applies it before an action sees its arguments, so a computed value
/// of the wrong type fails the step with a clear message instead of throwing inside the action.
/// </summary>
public static class ArgumentTypes
{
    /// <summary>How a message names what the type accepts: "must be {Expected}".</summary>
    public static string Expected(ParameterType type) => type switch
    {
        ParameterType.Number => "a number",
        ParameterType.Boolean => "true or false",
        ParameterType.Duration => "a duration such as 30s or 5m",
        ParameterType.List => "a list",
        ParameterType.Map => "a mapping",
        ParameterType.String => "a single value",
        ParameterType.StatusCodes => "an HTTP status code (100-599) or a list of them",
        _ => "any value",
    };

    /// <summary>True when an evaluated value (the JSON-like run values) is one the type accepts.</summary>
    public static bool Accepts(ParameterType type, object? value) => value is null || type switch
    {
        ParameterType.Number => IsNumber(value),
        ParameterType.Boolean => value is bool || (value is string b && bool.TryParse(b, out _)),
        ParameterType.Duration => value is Duration || (value is string d && Duration.TryParse(d, out _)),
        ParameterType.List => value is IReadOnlyList<object?>,
        ParameterType.Map => value is IReadOnlyDictionary<string, object?>,
        ParameterType.StatusCodes => value is IReadOnlyList<object?> list ? list.Count > 0 && list.All(v => StatusCode(v) is not null) : StatusCode(value) is not null,
        _ => true,
    };

    /// <summary>An HTTP status code (100–599) from a number or its text; null for anything else.</summary>
    public static int? StatusCode(object? value)
    {
        long? number = value switch
        {
            long l => l,
            int i => i,
            decimal m when m == decimal.Truncate(m) && Math.Abs(m) < 1_000_000_000_000m => (long)m,
            double f when f == Math.Truncate(f) && Math.Abs(f) < 1e15 => (long)f,
            string s when long.TryParse(s.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) => parsed,
            _ => null,
        };
        return number is >= 100 and <= 599 ? (int)number : null;
    }

    /// <summary>A literal YAML scalar as a status code (the checker's view of <c>expect_status: 200</c>).</summary>
    public static bool IsStatusCodeLiteral(string text) => StatusCode(text) is not null;

    private static bool IsNumber(object value) => value switch
    {
        long or int or decimal or double => true,
        string s => decimal.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out _),
        _ => false,
    };
}
