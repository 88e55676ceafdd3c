using Runbook.Execution.Actions;
using Runbook.Execution.Journal;
using Runbook.Language.Model;

namespace Runbook.Execution.Engine;

public sealed partial class Executor
{
    /// <summary>
    /// The saga: runs the compensation of every completed step that has one, in reverse order of completion.
    /// A failing compensation is journaled and reported loudly, and the others still run.
    /// </summary>
    private async Task<RunOutcome> CompensateAsync(string reason, CancellationToken cancellationToken)
    {
        var state = State;
        var todo = _graph.ExecutionOrder
            .Where(s => (s.Rollback is not null || IsSubPlaybook(s)) && state.Step(s.Id) is { Status: StepStatus.Succeeded, Compensated: false })
            .OrderByDescending(s => state.Step(s.Id).CompletedAt)
            .ToList();
        if (todo.Count == 0)
        {
            return new RunOutcome(RunStatus.Failed, "no completed step had a rollback to run");
        }

        await AppendAsync(JournalEventKind.RollbackStarted, null, new JsonData()
            .Add("reason", reason)
            .Add("steps", todo.Select(s => (object?)s.Id).ToList()), cancellationToken).ConfigureAwait(false);
        Emit(new RollbackEvent(_runId, Now, null, "started", $"{reason}; undoing {string.Join(", ", todo.Select(s => s.Id))}"));

        var failures = new List<string>();
        foreach (var step in todo)
        {
            var error = await CompensateStepAsync(step, cancellationToken).ConfigureAwait(false);
            if (error is not null)
            {
                failures.Add($"{step.Id}: {error}");
            }
        }

        await AppendAsync(JournalEventKind.RollbackFinished, null, new JsonData().Add("complete", failures.Count == 0), CancellationToken.None)
            .ConfigureAwait(false);
        Emit(new RollbackEvent(_runId, Now, null, failures.Count == 0 ? "finished" : "incomplete",
            failures.Count == 0 ? "every compensation ran" : string.Join("; ", failures)));
        return failures.Count == 0
            ? new RunOutcome(RunStatus.RolledBack, $"rolled back: {string.Join(", ", todo.Select(s => s.Id))}")
            : new RunOutcome(RunStatus.RollbackIncomplete,
                $"ROLLBACK INCOMPLETE, a human must look: {string.Join("; ", failures)}. Retry with: runbook rollback {_runId}");
    }

    private static bool IsSubPlaybook(Step step) => step.Action is UsesAction { Name: "playbook.run" };

    private async Task<string?> CompensateStepAsync(Step step, CancellationToken cancellationToken)
    {
        var started = _services.Time.GetTimestamp();
        var name = step.Rollback is { } r ? ActionName(r.Action) : "playbook.run (its own rollbacks)";
        await AppendAsync(JournalEventKind.CompensationStarted, step.Id, new JsonData().Add("action", name), CancellationToken.None)
            .ConfigureAwait(false);
        Emit(new RollbackEvent(_runId, Now, step.Id, "compensating", name));
        StepOutcome outcome;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(step.Rollback?.Timeout?.Value ?? _services.DefaultStepTimeout);
            try
            {
                if (step.Rollback is not { } rollback)
                {
                    outcome = await RollbackSubPlaybookAsync(step, timeout.Token).ConfigureAwait(false);
                }
                else
                {
                    var invocation = BuildInvocation(step.Id, rollback.Action, mutates: true, 1, Expressions());
                    outcome = _services.Actions.TryGetValue(invocation.ActionName, out var action)
                        ? await action.ExecuteAsync(invocation, timeout.Token).ConfigureAwait(false)
                        : StepOutcome.Failure($"'{invocation.ActionName}' is not available for provider '{_request.Provider}' in this build");
                }
            }
            catch (Exception ex) when (ex is RunExpressionException or Actions.Files.ContainedFileException)
            {
                outcome = StepOutcome.Failure(ex.Message);
            }
            catch (OperationCanceledException)
            {
                outcome = StepOutcome.Failure($"timed out after {step.Rollback?.Timeout?.Text ?? _services.DefaultStepTimeout.ToString()}");
            }
            catch (Exception ex)
            {
                // A compensation that throws has failed like any other: journaled, reported, and the others still run.
                outcome = StepOutcome.Failure(UnexpectedFailure(name, ex));
            }
        }

        var elapsed = (long)_services.Time.GetElapsedTime(started).TotalMilliseconds;
        if (outcome is Failed failed)
        {
            await AppendAsync(JournalEventKind.CompensationFailed, step.Id, new JsonData().Add("error", failed.Error).Add("duration_ms", elapsed),
                CancellationToken.None).ConfigureAwait(false);
            Emit(new RollbackEvent(_runId, Now, step.Id, "compensation_failed", Mask(failed.Error)));
            return Mask(failed.Error);
        }

        await AppendAsync(JournalEventKind.CompensationSucceeded, step.Id, new JsonData()
            .Add("outputs", outcome.Outputs)
            .Add("duration_ms", elapsed), CancellationToken.None).ConfigureAwait(false);
        Emit(new RollbackEvent(_runId, Now, step.Id, "compensated", $"{elapsed} ms"));
        return null;
    }
}
