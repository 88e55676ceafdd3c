using System.Collections.Immutable;
using Runbook.Execution.Actions;
using Runbook.Language.Model;

namespace Runbook.Execution.Engine;

/// <summary>
/// The items of one fan-out (<c>for_each:</c>) as the run works on them: the values in input order and each one's key,
/// the part of its sub-step id between the brackets (<c>restart[api]</c>). Evaluated once when the fan-out starts and
/// journaled then, so a resume or a rollback works on the same items; the list is never evaluated again, except a
/// secret list, which the journal holds only as a count (its values come back from their source).
/// </summary>
/// <param name="Secret">The list was computed from a secret: keys are indexes, and the journal never holds the values.</param>
public sealed record FanOutList(ImmutableArray<object?> Items, ImmutableArray<string> Keys, bool Secret)
{
    public static FanOutList Empty { get; } = new([], [], false);

    public int Count => Items.Length;

    /// <summary>The sub-step id of the item at <paramref name="index"/>: <c>step[key]</c>.</summary>
    public string IdOf(string stepId, int index) => SubStepId(stepId, Keys[index]);

    public static string SubStepId(string stepId, string key) => $"{stepId}[{key}]";

    /// <summary>The fan-out step a sub-step id belongs to (<c>restart</c> of <c>restart[api]</c>), or the id itself.</summary>
    public static string StepOf(string id)
    {
        var bracket = id.IndexOf('[', StringComparison.Ordinal);
        return bracket > 0 && id.EndsWith(']') ? id[..bracket] : id;
    }

    /// <summary>
    /// The names an item's expressions read: the item under its name (<c>item</c>, or the <c>as:</c> name) and its
    /// position as <c>item_index</c>.
    /// </summary>
    public IReadOnlyDictionary<string, object?> Locals(FanOut fanOut, int index) =>
        new Dictionary<string, object?>(2, StringComparer.Ordinal)
        {
            [fanOut.ItemName] = Items[index],
            ["item_index"] = (long)index,
        };

    /// <summary>
    /// The value of <c>for_each:</c> as items: a list as it is; a mapping as one <c>{ key, value }</c> per entry, in its
    /// order. Anything else is an error the step fails with.
    /// </summary>
    internal static FanOutList Evaluate(FanOut fanOut, RunExpressions expressions, Secrets.SecretMasker masker)
    {
        var use = new SecretUse();
        var value = expressions.Recording(use).Argument(fanOut.Items);
        ImmutableArray<object?> items;
        var fromMapping = false;
        switch (value)
        {
            case null:
                items = [];
                break;
            case IReadOnlyDictionary<string, object?> map:
                items = [.. map.Select(e => (object?)Language.Model.FanOutItems.Entry(e.Key, e.Value))];
                fromMapping = true;
                break;
            case IEnumerable<object?> list when value is not string:
                items = [.. list];
                break;
            default:
                throw new RunExpressionException(
                    $"for_each: {fanOut.Items.Raw} is '{(use.Any ? Secrets.SecretMasker.Mask : Values.ToText(value))}', not a list or a mapping");
        }

        // A list computed from a secret, or holding one, never shows an item in an id, an event or the journal.
        var secret = use.Any || items.Any(i => masker.Reveals(Values.ToText(i)));
        return new FanOutList(items, KeysOf(items, fromMapping, secret), secret);
    }

    /// <summary>
    /// Readable keys by the language's rule (the same the plan shows: <see cref="Language.Model.FanOutItems.Keys"/>),
    /// except for a secret list: its keys are always the 0-based index, so an id never carries a secret.
    /// </summary>
    internal static ImmutableArray<string> KeysOf(ImmutableArray<object?> items, bool fromMapping, bool secret) =>
        secret
            ? [.. Enumerable.Range(0, items.Length).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))]
            : Language.Model.FanOutItems.Keys(items, fromMapping);
}
