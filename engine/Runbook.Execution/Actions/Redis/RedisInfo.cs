using System.Globalization;

namespace Runbook.Execution.Actions.Redis;

/// <summary>
/// The text of Redis INFO, parsed: <c># Memory</c> starts a section, <c>used_memory:1024</c> is a field, integers
/// become integers and decimals numbers; keyspace lines (<c>db0:keys=2,expires=0,avg_ttl=0</c>) become objects.
/// </summary>
internal static class RedisInfo
{
    public static Dictionary<string, Dictionary<string, object?>> Parse(string text)
    {
        var sections = new Dictionary<string, Dictionary<string, object?>>(StringComparer.Ordinal);
        var current = sections["info"] = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r').Trim();
            if (line.Length == 0)
            {
                continue;
            }

            if (line.StartsWith('#'))
            {
                var name = line.TrimStart('#').Trim().ToLowerInvariant();
                current = sections[name] = new Dictionary<string, object?>(StringComparer.Ordinal);
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }

            var value = line[(colon + 1)..];
            current[line[..colon]] = IsPairs(value)
                ? value.Split(',').Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => Scalar(p[1]), StringComparer.Ordinal)
                : Scalar(value);
        }

        if (sections["info"].Count == 0)
        {
            sections.Remove("info");
        }

        return sections;
    }

    /// <summary>A field's value: an integer, a decimal number, or the text as it is.</summary>
    public static object? Scalar(string value) =>
        long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer) ? integer
        : value.Contains('.', StringComparison.Ordinal) && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number) ? number
        : value;

    private static bool IsPairs(string value) => value.Split(',').All(p => p.IndexOf('=', StringComparison.Ordinal) > 0);
}
