using System.Globalization;

namespace Runbook.Providers.Kubernetes.Objects;

/// <summary>
/// Kubernetes resource quantities ("250m", "1.5", "128974848", "129M", "123Mi", "12e6", "5123456n") as numbers: CPU
/// in millicores, memory in bytes, as the apimachinery resource.Quantity grammar reads them.
/// </summary>
internal static class Quantities
{
    private static readonly (string Suffix, decimal Factor)[] Suffixes =
    [
        ("Ki", 1024m), ("Mi", 1024m * 1024), ("Gi", 1024m * 1024 * 1024), ("Ti", 1024m * 1024 * 1024 * 1024),
        ("Pi", 1024m * 1024 * 1024 * 1024 * 1024), ("Ei", 1024m * 1024 * 1024 * 1024 * 1024 * 1024),
        ("n", 0.000000001m), ("u", 0.000001m), ("m", 0.001m), ("k", 1000m), ("M", 1000_000m), ("G", 1000_000_000m),
        ("T", 1000_000_000_000m), ("P", 1000_000_000_000_000m), ("E", 1000_000_000_000_000_000m),
    ];

    /// <summary>The quantity's value in base units (cores, bytes), or null when it is not a quantity.</summary>
    public static decimal? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var s = text.Trim();
        var exponent = s.IndexOfAny(['e', 'E']);
        if (exponent > 0 && int.TryParse(s[(exponent + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var power)
            && decimal.TryParse(s[..exponent], NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var mantissa)
            && Math.Abs(power) <= 18)
        {
            return mantissa * Pow10(power);
        }

        foreach (var (suffix, factor) in Suffixes)
        {
            if (s.EndsWith(suffix, StringComparison.Ordinal) && decimal.TryParse(s[..^suffix.Length], NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign,
                CultureInfo.InvariantCulture, out var scaled))
            {
                return scaled * factor;
            }
        }

        return decimal.TryParse(s, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var plain) ? plain : null;
    }

    /// <summary>CPU in millicores (a number: metrics-server reports nanocores, so fractions of a millicore happen).</summary>
    public static double Millicores(string? text) => (double)((Parse(text) ?? 0m) * 1000m);

    /// <summary>Memory in bytes, rounded up as the API server rounds a fractional byte count.</summary>
    public static long Bytes(string? text) => (long)decimal.Ceiling(Parse(text) ?? 0m);

    private static decimal Pow10(int power)
    {
        var result = 1m;
        for (var i = 0; i < Math.Abs(power); i++)
        {
            result *= 10m;
        }

        return power < 0 ? 1m / result : result;
    }
}
