using System.Collections.Immutable;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Runbook.Language.Model;

/// <summary>
/// The contract's rules for a fan-out's items, shared by the plan and the run so both name sub-steps alike: the
/// entries of a mapping as <c>{ key, value }</c> items, and each item's key in its sub-step id <c>step[key]</c>.
/// </summary>
public static partial class FanOutItems
{
    /// <summary>The item of one mapping entry: <c>item.key</c> and <c>item.value</c>.</summary>
    public static IReadOnlyDictionary<string, object?> Entry(string key, object? value) =>
        new Dictionary<string, object?>(2, StringComparer.Ordinal) { ["key"] = key, ["value"] = value };

    /// <summary>
    /// The key of each item: its text (the entry's key for a mapping) when every item is a plain value (string,
    /// number, boolean) and the texts are distinct and match <c>[A-Za-z0-9_.:/@-]{1,64}</c>; otherwise the 0-based
    /// index, so an id never holds a bracket, a newline or shell text that `approve` and `--rerun` could not name.
    /// One pass and one set: linear in the number of items.
    /// </summary>
    public static ImmutableArray<string> Keys(IReadOnlyList<object?> items, bool fromMapping)
    {
        var keys = ImmutableArray.CreateBuilder<string>(items.Count);
        var seen = new HashSet<string>(items.Count, StringComparer.Ordinal);
        foreach (var item in items)
        {
            var candidate = fromMapping
                ? item is IReadOnlyDictionary<string, object?> entry && entry.TryGetValue("key", out var key) ? TextOf(key) : null
                : TextOf(item);
            if (candidate is not { } text || !KeyPattern().IsMatch(text) || !seen.Add(text))
            {
                return [.. Enumerable.Range(0, items.Count).Select(i => i.ToString(CultureInfo.InvariantCulture))];
            }

            keys.Add(text);
        }

        return keys.MoveToImmutable();
    }

    /// <summary>The for_each value as written, for the plan and the graph: the expression without ${{ }}, or the literal list or mapping.</summary>
    public static string WrittenAs(ArgumentValue items) => items switch
    {
        ScalarArgument { Text: { IsSingleExpression: true } text } => ((Expressions.ExpressionPart)text.Parts[0]).Text.Trim(),
        _ => items.Raw,
    };

    /// <summary>The sub-step id of one item: <c>restart[api]</c>.</summary>
    public static string SubStepId(string stepId, string key) => $"{stepId}[{key}]";

    /// <summary>A plain value's text as expressions print it; null for anything else (a list, a map, null).</summary>
    public static string? TextOf(object? value) => value switch
    {
        string s => s,
        bool b => b ? "true" : "false",
        long or int or decimal or double => ((IFormattable)value).ToString(null, CultureInfo.InvariantCulture),
        _ => null,
    };

    [GeneratedRegex("^[A-Za-z0-9_.:/@-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex KeyPattern();
}
