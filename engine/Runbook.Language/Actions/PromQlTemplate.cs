using System.Globalization;
using System.Text;

namespace Runbook.Language.Actions;

/// <summary>
/// How values reach PromQL, which has no bind parameters: the query names a value <c>$name</c> and the value comes in
/// <c>labels:</c>; each placeholder becomes one double-quoted PromQL string with every quote, backslash and control
/// character escaped, so a value is always a whole string literal and can never close it
/// (<c>service=$service</c> → <c>service="checkout"</c>). Placeholders inside the query's own string literals and
/// comments are text, not placeholders.
/// </summary>
public static class PromQlTemplate
{
    /// <summary>The placeholder names the query uses, in order of first use; an empty list when it uses none.</summary>
    public static IReadOnlyList<string> Placeholders(string query)
    {
        var names = new List<string>();
        Walk(query, name =>
        {
            if (!names.Contains(name))
            {
                names.Add(name);
            }

            return string.Empty;
        });
        return names;
    }

    /// <summary>
    /// What is wrong between the query's placeholders and the values given: a placeholder without a value, a value
    /// no placeholder uses (a typo would otherwise query something else than meant). Null when they match.
    /// </summary>
    public static string? Mismatch(string query, IEnumerable<string> valueNames)
    {
        var used = Placeholders(query);
        var given = valueNames.ToList();
        if (used.FirstOrDefault(u => !given.Contains(u)) is { } missing)
        {
            return $"the query uses ${missing}, and labels gives it no value";
        }

        if (given.FirstOrDefault(g => !used.Contains(g)) is { } unused)
        {
            return $"labels gives '{unused}', and the query has no ${unused}";
        }

        return null;
    }

    /// <summary>The query with every placeholder replaced by its value as a quoted, escaped PromQL string.</summary>
    /// <exception cref="ArgumentException">A placeholder has no value.</exception>
    public static string Render(string query, IReadOnlyDictionary<string, string> values) =>
        Walk(query, name => values.TryGetValue(name, out var value)
            ? Quote(value)
            : throw new ArgumentException($"the query uses ${name}, and labels gives it no value"));

    /// <summary>A PromQL double-quoted string holding exactly <paramref name="value"/>.</summary>
    public static string Quote(string value)
    {
        var text = new StringBuilder("\"", value.Length + 2);
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                default:
                    if (char.IsControl(c))
                    {
                        text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        text.Append(c);
                    }

                    break;
            }
        }

        return text.Append('"').ToString();
    }

    /// <summary>Copies the query, handing each placeholder outside strings and comments to <paramref name="replace"/>.</summary>
    private static string Walk(string query, Func<string, string> replace)
    {
        var result = new StringBuilder(query.Length);
        var i = 0;
        while (i < query.Length)
        {
            var c = query[i];
            if (c is '"' or '\'' or '`')
            {
                // A PromQL string: backslash escapes inside "…" and '…', none inside `…`.
                var end = i + 1;
                while (end < query.Length && query[end] != c)
                {
                    end += c != '`' && query[end] == '\\' ? 2 : 1;
                }

                end = Math.Min(end + 1, query.Length);
                result.Append(query, i, end - i);
                i = end;
            }
            else if (c == '#')
            {
                var end = query.IndexOf('\n', i);
                end = end < 0 ? query.Length : end;
                result.Append(query, i, end - i);
                i = end;
            }
            else if (c == '$' && i + 1 < query.Length && (char.IsAsciiLetter(query[i + 1]) || query[i + 1] == '_'))
            {
                var end = i + 1;
                while (end < query.Length && (char.IsAsciiLetterOrDigit(query[end]) || query[end] == '_'))
                {
                    end++;
                }

                result.Append(replace(query[(i + 1)..end]));
                i = end;
            }
            else
            {
                result.Append(c);
                i++;
            }
        }

        return result.ToString();
    }
}
