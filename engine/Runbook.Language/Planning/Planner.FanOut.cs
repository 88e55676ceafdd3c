using System.Collections.Immutable;
using System.Globalization;
using Runbook.Language.Actions;
using Runbook.Language.Expressions;
using Runbook.Language.Graph;
using Runbook.Language.Model;

namespace Runbook.Language.Planning;

public static partial class Planner
{
    /// <summary>
    /// A for_each step's lines: one per item (<c>restart[api]</c>, rendered with that item) when the items are known
    /// before the run (a literal list or mapping, or an expression over known inputs); otherwise one line for the
    /// step marked <c>⟨for each of …⟩</c> with the expression as written. Without per_item, one approval covers the
    /// list and stands on the first item's line.
    /// </summary>
    private static IEnumerable<PlannedStep> PlanFanOut(int order, Step step, FanOut fanOut, StepGraph graph, ActionCatalog catalog, ProviderDescriptor provider, PlanValues values)
    {
        var written = FanOutItems.WrittenAs(fanOut.Items);
        if (KnownItems(fanOut.Items, values) is not { } known)
        {
            var whole = PlanStep(order, step, graph, catalog, provider, values);
            yield return whole with
            {
                Summary = $"⟨for each of {written}⟩ {whole.Summary}",
                ForEach = new PlannedFanOut(step.Id, written, fanOut.ItemName, fanOut.MaxParallel, fanOut.FailFast, step.Approval?.PerItem ?? false),
            };
            yield break;
        }

        var (items, fromMapping) = known;
        var keys = FanOutItems.Keys(items, fromMapping);
        for (var i = 0; i < items.Count; i++)
        {
            var locals = new Dictionary<string, object?>(2, StringComparer.Ordinal)
            {
                [fanOut.ItemName] = items[i],
                [FanOut.IndexName] = (long)i,
            };
            var line = PlanStep(order + i, step, graph, catalog, provider, values.ForItem(locals));
            var id = FanOutItems.SubStepId(step.Id, keys[i]);
            yield return line with
            {
                Id = id,
                Name = $"{line.Name} [{keys[i]}]",
                Approval = step.Approval is { PerItem: false } && i > 0 ? null : line.Approval,
                Rollback = line.Rollback is null ? null : line.Rollback with { StepId = id },
                ForEach = new PlannedFanOut(step.Id, written, fanOut.ItemName, fanOut.MaxParallel, fanOut.FailFast, step.Approval?.PerItem ?? false)
                {
                    Index = i,
                    Key = keys[i],
                    Count = items.Count,
                },
            };
        }
    }

    /// <summary>The items when the plan can know them, and whether they are a mapping's entries; null when not.</summary>
    private static (IReadOnlyList<object?> Items, bool FromMapping)? KnownItems(ArgumentValue items, PlanValues values)
    {
        switch (items)
        {
            case ListArgument list:
                var result = new List<object?>(list.Items.Length);
                foreach (var item in list.Items)
                {
                    if (!TryValue(item, values, out var value))
                    {
                        return null;
                    }

                    result.Add(value);
                }

                return (result, false);
            case MapArgument map:
                var entries = new List<object?>(map.Entries.Length);
                foreach (var entry in map.Entries)
                {
                    if (!TryValue(entry.Value, values, out var value))
                    {
                        return null;
                    }

                    entries.Add(FanOutItems.Entry(entry.Name, value));
                }

                return (entries, true);
            case ScalarArgument { Text: { IsSingleExpression: true } text } when values.TryValue((ExpressionPart)text.Parts[0], out var computed):
                return computed switch
                {
                    IReadOnlyDictionary<string, object?> mapping => ([.. mapping.Select(e => FanOutItems.Entry(e.Key, e.Value))], true),
                    string => null,
                    System.Collections.IEnumerable sequence => ([.. sequence.Cast<object?>()], false),
                    _ => null, // not a list: the run fails the step, naming the value
                };
            default:
                return null;
        }
    }

    /// <summary>A value written in the playbook: literal scalars by their YAML type, expressions when the plan knows them.</summary>
    private static bool TryValue(ArgumentValue value, PlanValues values, out object? result)
    {
        result = null;
        switch (value)
        {
            case ScalarArgument { Text.IsLiteral: true } scalar:
                var text = scalar.Text.Raw;
                result = scalar.Kind switch
                {
                    ScalarKind.Null => null,
                    ScalarKind.Boolean => text is "true" or "True" or "TRUE",
                    ScalarKind.Number => decimal.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
                    _ => text,
                };
                return true;
            case ScalarArgument { Text: { IsSingleExpression: true } template }:
                return values.TryValue((ExpressionPart)template.Parts[0], out result);
            case ScalarArgument:
                return false; // text with an expression inside: known only if every part is; kept simple, shown at run time
            case ListArgument list:
                var items = new List<object?>(list.Items.Length);
                foreach (var item in list.Items)
                {
                    if (!TryValue(item, values, out var one))
                    {
                        return false;
                    }

                    items.Add(one);
                }

                result = items;
                return true;
            case MapArgument map:
                var entries = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var entry in map.Entries)
                {
                    if (!TryValue(entry.Value, values, out var one))
                    {
                        return false;
                    }

                    entries[entry.Name] = one;
                }

                result = entries;
                return true;
            default:
                return false;
        }
    }
}
