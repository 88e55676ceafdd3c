using Runbook.Language.Diagnostics;
using Runbook.Language.Expressions;
using Runbook.Language.Model;
using Scriban.Syntax;

namespace Runbook.Language.Checking;

public sealed partial class PlaybookChecker
{
    /// <summary>The members of an item that is an entry of a mapping.</summary>
    private static readonly string[] EntryMembers = ["key", "value"];

    /// <summary>
    /// Checks a for_each step's list (it must be a list or a mapping: RB0117) and returns the names its other
    /// expressions may read: the item (typed from a list input's <c>items:</c> or a literal list) and item_index.
    /// The list itself is checked without them: it is evaluated once, before there is any item.
    /// </summary>
    private IReadOnlyDictionary<string, LocalName>? CheckFanOut(Step step)
    {
        if (step.ForEach is not { } fanOut)
        {
            return null;
        }

        var listScope = new StepScope(_index, step, inRollback: false);
        foreach (var template in fanOut.Items.Templates())
        {
            foreach (var expression in template.Expressions)
            {
                Record(step, ExpressionChecker.Check(expression, listScope, _diagnostics), TemplatePlace.Quiet, expression);
            }
        }

        var (type, members) = fanOut.Items switch
        {
            ListArgument list => (TypeOfLiteralItems(list), (IReadOnlyCollection<string>?)null),
            MapArgument => (null, EntryMembers),
            ScalarArgument { Text: { IsSingleExpression: true } text } => (TypeOfItemsOf((ExpressionPart)text.Parts[0], fanOut.Items.Span), null),
            _ => ((InputType?)null, (IReadOnlyCollection<string>?)null), // literal text: the binder reported RB0117
        };

        return new Dictionary<string, LocalName>(StringComparer.Ordinal)
        {
            [fanOut.ItemName] = new LocalName(fanOut.ItemName, type, members, "the for_each item"),
            [FanOut.IndexName] = new LocalName(FanOut.IndexName, InputType.Number, null, "the for_each position"),
        };
    }

    /// <summary>A literal list's items share a type when every one is a plain value of that type.</summary>
    private static InputType? TypeOfLiteralItems(ListArgument list)
    {
        InputType? type = null;
        foreach (var item in list.Items)
        {
            if (item is not ScalarArgument { Text.IsLiteral: true } scalar)
            {
                return null;
            }

            InputType? kind = scalar.Kind switch
            {
                ScalarKind.String => InputType.String,
                ScalarKind.Number => InputType.Number,
                ScalarKind.Boolean => InputType.Boolean,
                _ => null,
            };
            if (kind is null || (type is not null && type != kind))
            {
                return null;
            }

            type = kind;
        }

        return type;
    }

    /// <summary>
    /// What the items of <c>for_each: ${{ … }}</c> are, where the expression says: a list input's item type; a
    /// literal or an input that is not a list is RB0117. Anything else (a step's output, fromJSON) is known at run time.
    /// </summary>
    private InputType? TypeOfItemsOf(ExpressionPart expression, Text.SourceSpan at)
    {
        switch (expression.Syntax)
        {
            case ScriptLiteral literal:
                _diagnostics.Add(Descriptors.ForEachNotAList, at,
                    $"for_each must be a list or a mapping, found the {(literal.Value is string ? "text" : "value")} {expression.Text.Trim()}",
                    "write a YAML list (for_each: [api, worker]) or read a list input: for_each: ${{ inputs.services }}");
                return null;
            case ScriptMemberExpression { Target: ScriptVariableGlobal { Name: "inputs" }, Member: { } member }
                when _playbook.FindInput(member.Name) is { } input:
                if (input.Type != InputType.List)
                {
                    _diagnostics.Add(Descriptors.ForEachNotAList, at,
                        $"for_each must be a list or a mapping, and input '{input.Name}' is {(input.Type == InputType.Enum ? "an enum" : "a " + input.Type.ToString().ToLowerInvariant())}",
                        $"declare it as a list: '{input.Name}: {{ type: list, items: string }}' and pass --input {input.Name}=a,b");
                    return null;
                }

                return input.ItemType;
            default:
                return null;
        }
    }
}
