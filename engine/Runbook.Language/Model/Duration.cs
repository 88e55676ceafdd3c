using System.Globalization;
using System.Text.RegularExpressions;

namespace Runbook.Language.Model;

/// <summary>A duration as written (<c>30s</c>, <c>15m</c>, <c>1h30m</c>, <c>500ms</c>), kept with its text for plans.</summary>
public readonly partial record struct Duration(TimeSpan Value, string Text)
{
    public override string ToString() => Text;

    public static bool TryParse(string text, out Duration duration)
    {
        duration = default;
        var match = Pattern().Match(text.Trim());
        if (!match.Success || text.Trim().Length == 0)
        {
            return false;
        }

        var total = TimeSpan.Zero;
        foreach (Capture capture in match.Groups["part"].Captures)
        {
            var part = capture.Value;
            var unitStart = part.IndexOfAny(['m', 's', 'h', 'd']);
            var number = decimal.Parse(part[..unitStart], CultureInfo.InvariantCulture);
            var unit = part[unitStart..];
            var ms = unit switch
            {
                "ms" => number,
                "s" => number * 1000,
                "m" => number * 60_000,
                "h" => number * 3_600_000,
                _ => number * 86_400_000,
            };
            if (ms > (decimal)TimeSpan.MaxValue.TotalMilliseconds / 2)
            {
                return false;
            }

            total += TimeSpan.FromMilliseconds((double)ms);
        }

        duration = new Duration(total, text.Trim());
        return true;
    }

    [GeneratedRegex(@"^(?<part>\d+(\.\d+)?(ms|s|m|h|d))+$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
