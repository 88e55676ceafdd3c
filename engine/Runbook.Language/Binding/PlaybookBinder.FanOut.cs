using System.Collections.Frozen;
using Runbook.Language.Diagnostics;
using Runbook.Language.Expressions;
using Runbook.Language.Model;
using Runbook.Language.Yaml;

namespace Runbook.Language.Binding;

public sealed partial class PlaybookBinder
{
    /// <summary>The keys that mean something only next to <c>for_each:</c>.</summary>
    private static readonly string[] FanOutOnlyKeys = ["as", "max_parallel", "fail_fast"];

    /// <summary>Scriban's keywords: an item named after one could not be read in an expression at all.</summary>
    private static readonly FrozenSet<string> ScriptKeywords = new[]
    {
        "if", "else", "end", "for", "in", "while", "func", "ret", "break", "continue", "capture", "readonly", "import",
        "with", "wrap", "include", "case", "when", "tablerow", "true", "false", "null", "this", "do",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>
    /// Binds <c>for_each:</c> with <c>as:</c>, <c>max_parallel:</c> and <c>fail_fast:</c>; reports those keys (and
    /// <c>approval.per_item</c>) on a step without <c>for_each:</c>, where they would silently do nothing.
    /// </summary>
    private FanOut? BindFanOut(MapReader reader)
    {
        var itemsNode = reader["for_each"];
        if (itemsNode is null)
        {
            foreach (var key in FanOutOnlyKeys.Where(reader.Has))
            {
                _diagnostics.Add(Descriptors.FanOutKeyWithoutForEach, reader.KeySpan(key), $"'{key}' applies to a step with 'for_each', and this step has none",
                    "add 'for_each:' with the list the step runs over, or remove '" + key + "'");
            }

            if (reader["approval"] is YamlMapping approval && approval["per_item"] is not null)
            {
                var perItem = approval.Entries.First(e => e.Key.Value == "per_item").Key;
                _diagnostics.Add(Descriptors.FanOutKeyWithoutForEach, perItem.Span, "'per_item' applies to the approval of a step with 'for_each', and this step has none",
                    "add 'for_each:' to the step, or remove 'per_item'");
            }

            return null;
        }

        var items = BindValue(itemsNode);
        if (items is ScalarArgument { Text.IsSingleExpression: false } scalar)
        {
            var written = scalar.Text.Raw.Length > 40 ? scalar.Text.Raw[..40] + "…" : scalar.Text.Raw;
            _diagnostics.Add(Descriptors.ForEachNotAList, itemsNode.Span, $"for_each must be a list or a mapping, found the text '{written}'",
                "write a YAML list (for_each: [api, worker]), a mapping, or one expression that gives a list: for_each: ${{ inputs.services }}");
        }

        var keySpan = reader.KeySpan("for_each");
        return new FanOut(items, BindItemName(reader), reader.Int("max_parallel", 1, 10_000) ?? 1, reader.Bool("fail_fast") ?? true, keySpan);
    }

    /// <summary><c>as:</c> must be a name an expression can read, and must not hide any other name.</summary>
    private string BindItemName(MapReader reader)
    {
        var node = reader.Scalar("as");
        if (node is null)
        {
            return FanOut.DefaultItemName;
        }

        var name = node.Value;
        string? problem = null;
        if (!IdentifierPattern().IsMatch(name))
        {
            problem = $"'{name}' is not a name an expression can read";
        }
        else if (FunctionCatalog.Roots.Contains(name))
        {
            problem = $"'{name}' would hide ${{{{ {name}.… }}}} inside this step";
        }
        else if (name == FanOut.IndexName)
        {
            problem = $"'{name}' is always the item's position";
        }
        else if (FunctionCatalog.GitHub.ContainsKey(name) || FunctionCatalog.BuiltinNamespaces.Contains(name) || FunctionCatalog.BuiltinValues.Contains(name))
        {
            problem = $"'{name}' would hide the builtin '{name}'";
        }
        else if (ScriptKeywords.Contains(name))
        {
            problem = $"'{name}' is a keyword of the expression language";
        }

        if (problem is null)
        {
            return name;
        }

        _diagnostics.Add(Descriptors.InvalidItemName, node.Span, $"as: {problem}",
            "name the item with letters, digits and '_' (e.g. 'as: service'), not inputs, steps, env, run, item_index or a function");
        return FanOut.DefaultItemName;
    }
}
