using Runbook.Language.Actions;
using Runbook.Language.Diagnostics;
using Runbook.Language.Expressions;
using Runbook.Language.Model;
using Scriban.Syntax;

namespace Runbook.Language.Checking;

/// <summary>
/// A skipped step's outputs read as null. Comparing them is fine (that is how a playbook tells); passing one as a
/// required argument of an action sends the action nothing, so the checker warns where it can tell the producer
/// may be skipped: it has <c>if:</c>, or it mutates and the consumer does not (a dry run skips the one and runs
/// the other).
/// </summary>
public sealed partial class PlaybookChecker
{
    private void CheckSkippableOutputs(Step step, ActionDescriptor? descriptor)
    {
        if (descriptor is null || step.Action is not UsesAction uses)
        {
            return;
        }

        foreach (var argument in uses.With)
        {
            if (descriptor.FindParameter(argument.Name) is not { Required: true } parameter)
            {
                continue;
            }

            foreach (var expression in argument.Value.Templates().SelectMany(t => t.Expressions))
            {
                foreach (var (producerId, output, node) in DirectOutputReferences(expression.Syntax))
                {
                    if (_index.Find(producerId)?.Step is not { } producer || producer == step || WhyMaySkip(producer, step) is not { } why)
                    {
                        continue;
                    }

                    _diagnostics.Add(Descriptors.SkippableOutputAsRequiredArgument,
                        expression.SpanOf(node.Span.Start.Offset, Math.Max(1, node.Span.End.Offset - node.Span.Start.Offset + 1)),
                        $"'{parameter.Name}' of '{uses.Name}' is required, and steps.{producerId}.outputs.{output} is null when '{producerId}' is skipped ({why})",
                        $"give the step the same condition (if: steps.{producerId}.status == 'success'), or a fallback: steps.{producerId}.outputs.{output} ?? '…'");
                }
            }
        }
    }

    /// <summary>Why <paramref name="producer"/> may be skipped while <paramref name="consumer"/> runs; null when it cannot be.</summary>
    private static string? WhyMaySkip(Step producer, Step consumer)
    {
        if (consumer.If is { } guard && (guard.Raw.Contains($"steps.{producer.Id}.", StringComparison.Ordinal)
            || (producer.If is { } same && same.Raw == guard.Raw)))
        {
            return null; // the consumer asks about the producer itself, or runs under the same condition
        }

        if (producer.If is not null)
        {
            return "it has an if:";
        }

        return producer.Mutates && !consumer.Mutates ? "it mutates, so a dry run skips it and still runs this read-only step" : null;
    }

    /// <summary>
    /// Every <c>steps.&lt;id&gt;.outputs.&lt;name&gt;</c> whose value reaches the argument as it is: not the left of
    /// <c>||</c> or <c>??</c>, nor inside a conditional, where a null is given a fallback.
    /// </summary>
    private static IEnumerable<(string Step, string Output, ScriptNode Node)> DirectOutputReferences(ScriptNode? node)
    {
        switch (node)
        {
            case null:
                yield break;
            case ScriptBinaryExpression { Operator: ScriptBinaryOperator.Or or ScriptBinaryOperator.EmptyCoalescing }:
            case ScriptConditionalExpression:
                yield break;
            case ScriptMemberExpression member when OutputChain(member) is { } reference:
                yield return (reference.Step, reference.Output, member);
                yield break;
        }

        foreach (var child in node.Children)
        {
            foreach (var found in DirectOutputReferences(child))
            {
                yield return found;
            }
        }
    }

    private static (string Step, string Output)? OutputChain(ScriptMemberExpression member) =>
        member is { Member.Name: var output, Target: ScriptMemberExpression { Member.Name: "outputs", Target: ScriptMemberExpression { Member.Name: var step, Target: ScriptVariableGlobal { Name: "steps" } } } }
            ? (step, output)
            : null;
}
