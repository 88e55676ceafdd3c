using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Runbook.Providers.Kubernetes.Tests.ApiServer;

/// <summary>Label selectors (=, ==, !=, in, notin, exists, !exists) and field selectors (=, ==, != on dotted paths).</summary>
internal static partial class Selector
{
    [GeneratedRegex(@"^\s*(?<not>!)?\s*(?<key>[A-Za-z0-9./_-]+)\s*(?:(?<op>==|=|!=|\s+in\s+|\s+notin\s+)\s*(?<value>\([^)]*\)|[A-Za-z0-9._-]*))?\s*$")]
    private static partial Regex Term();

    public static bool MatchesLabels(string selector, JsonObject? labels)
    {
        foreach (var term in SplitTerms(selector))
        {
            var m = Term().Match(term);
            if (!m.Success)
            {
                throw new InvalidOperationException($"unable to parse requirement: {term}");
            }

            var key = m.Groups["key"].Value;
            var has = labels?.ContainsKey(key) == true;
            var actual = has ? labels![key]?.GetValue<string>() : null;
            var op = m.Groups["op"].Value.Trim();
            var values = m.Groups["value"].Value.Trim('(', ')').Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            var ok = op switch
            {
                "" => m.Groups["not"].Success ? !has : has,
                "=" or "==" => actual == m.Groups["value"].Value,
                "!=" => actual != m.Groups["value"].Value,
                "in" => has && values.Contains(actual),
                "notin" => !has || !values.Contains(actual),
                _ => false,
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    public static bool MatchesFields(string selector, JsonObject o)
    {
        foreach (var term in SplitTerms(selector))
        {
            var negate = term.Contains("!=", StringComparison.Ordinal);
            var parts = term.Split(negate ? "!=" : term.Contains("==", StringComparison.Ordinal) ? "==" : "=", 2);
            JsonNode? node = o;
            foreach (var segment in parts[0].Trim().Split('.'))
            {
                node = node?[segment];
            }

            var actual = node is JsonValue v ? v.ToString() : string.Empty;
            if ((actual == parts[1].Trim()) == negate)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Splits on commas outside parentheses ("app in (a,b),tier=web").</summary>
    private static IEnumerable<string> SplitTerms(string selector)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < selector.Length; i++)
        {
            depth += selector[i] == '(' ? 1 : selector[i] == ')' ? -1 : 0;
            if (selector[i] == ',' && depth == 0)
            {
                yield return selector[start..i];
                start = i + 1;
            }
        }

        if (selector[start..].Trim().Length > 0)
        {
            yield return selector[start..];
        }
    }
}
