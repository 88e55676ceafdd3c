using Runbook.Language.Expressions.Evaluation;

namespace Runbook.Execution.Actions.Assert;

/// <summary>assert: fails the step unless its condition (already evaluated) is true.</summary>
internal sealed class AssertAction : IStepAction
{
    public string Name => "assert";

    public ValueTask<StepOutcome> ExecuteAsync(StepInvocation invocation, CancellationToken cancellationToken) =>
        ValueTask.FromResult(ExpressionValues.Truthy(invocation.Get("condition"))
            ? StepOutcome.Success()
            : StepOutcome.Failure($"assertion failed: {invocation.GetString("message") ?? "the condition is false"}", retryable: true));
}
