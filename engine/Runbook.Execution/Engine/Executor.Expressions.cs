using System.Collections.Immutable;
using Runbook.Execution.Secrets;

namespace Runbook.Execution.Engine;

public sealed partial class Executor
{
    /// <summary>What expressions can read at this moment of the run.</summary>
    internal sealed record ExpressionInputs(
        ImmutableDictionary<string, object?> Inputs,
        IReadOnlyDictionary<string, object?> Steps,
        IReadOnlyDictionary<string, object?> Run,
        ImmutableHashSet<string> SecretInputs,
        SecretMasker Masker,
        Language.Expressions.Evaluation.JobStatus Status);

    /// <summary>failure() is true once a step failed without on_failure: continue (rollbacks read it); cancelled() after Ctrl-C.</summary>
    private Language.Expressions.Evaluation.JobStatus JobStatusNow(RunState state) =>
        state.Status == Journal.RunStatus.Interrupted ? Language.Expressions.Evaluation.JobStatus.Cancelled
        : _graph.ExecutionOrder.Any(s => s.OnFailure != Language.Model.FailureMode.Continue && state.Step(s.Id).Status == StepStatus.Failed)
            ? Language.Expressions.Evaluation.JobStatus.Failure
            : Language.Expressions.Evaluation.JobStatus.Success;

    private RunExpressions Expressions()
    {
        var state = State;
        IReadOnlyDictionary<string, object?> steps = _playbook.Steps.ToDictionary(
            s => s.Id,
            s =>
            {
                var step = state.Step(s.Id);
                var outputs = _liveOutputs.TryGetValue(s.Id, out var live) ? live : step.Outputs;
                IReadOnlyDictionary<string, object?> entry = new Dictionary<string, object?>
                {
                    ["status"] = step.ExpressionStatus,
                    ["outputs"] = outputs as IReadOnlyDictionary<string, object?>,
                };
                return (object?)entry;
            },
            StringComparer.Ordinal);
        var run = new Dictionary<string, object?>
        {
            ["id"] = _runId,
            ["provider"] = _request.Provider,
            ["dry_run"] = _request.DryRun,
            ["initiator"] = Initiator,
            ["playbook"] = _playbook.Name,
        };
        return new RunExpressions(new ExpressionInputs(_request.Inputs, steps, run,
            [.. _playbook.Inputs.Where(i => i.IsSecret).Select(i => i.Name)], _services.Masker, JobStatusNow(state)));
    }
}
