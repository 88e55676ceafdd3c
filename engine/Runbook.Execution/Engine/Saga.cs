using Runbook.Execution.Actions;
using Runbook.Execution.Journal;
using Runbook.Language.Model;

namespace Runbook.Execution.Engine;

/// <summary>
/// The saga: runs the compensation of every completed step that has one, in reverse order of completion.
/// A failing compensation is journaled and reported loudly, and the others still run.
/// </summary>
internal sealed class Saga(ActiveRun run, StepRunner steps, SubPlaybooks subPlaybooks)
{
    /// <summary>Undoes every completed step that has a compensation, newest completion first; says how that went.</summary>
    public async Task<RunOutcome> CompensateAsync(string reason, CancellationToken cancellationToken)
    {
        var state = run.State;
        var todo = run.Graph.ExecutionOrder
            .Where(s => (s.Rollback is not null || IsSubPlaybook(s)) && state.Step(s.Id) is { Status: StepStatus.Succeeded, Compensated: false })
            .OrderByDescending(s => state.Step(s.Id).CompletedAt)
            .ToList();
        if (todo.Count == 0)
        {
            return new RunOutcome(RunStatus.Failed, "no completed step had a rollback to run");
        }

        await run.AppendAsync(JournalEventKind.RollbackStarted, null, new JsonData()
            .Add("reason", reason)
            .Add("steps", todo.Select(s => (object?)s.Id).ToList()), cancellationToken).ConfigureAwait(false);
        run.Emit(new RollbackEvent(run.RunId, run.Now, null, "started", $"{reason}; undoing {string.Join(", ", todo.Select(s => s.Id))}"));

        var failures = new List<string>();
        foreach (var step in todo)
        {
            var error = await CompensateStepAsync(step, cancellationToken).ConfigureAwait(false);
            if (error is not null)
            {
                failures.Add($"{step.Id}: {error}");
            }
        }

        await run.AppendAsync(JournalEventKind.RollbackFinished, null, new JsonData().Add("complete", failures.Count == 0), CancellationToken.None)
            .ConfigureAwait(false);
        run.Emit(new RollbackEvent(run.RunId, run.Now, null, failures.Count == 0 ? "finished" : "incomplete",
            failures.Count == 0 ? "every compensation ran" : string.Join("; ", failures)));
        return failures.Count == 0
            ? new RunOutcome(RunStatus.RolledBack, $"rolled back: {string.Join(", ", todo.Select(s => s.Id))}")
            : new RunOutcome(RunStatus.RollbackIncomplete,
                $"ROLLBACK INCOMPLETE, a human must look: {string.Join("; ", failures)}. Retry with: runbook rollback {run.RunId}");
    }

    private static bool IsSubPlaybook(Step step) => step.Action is UsesAction { Name: "playbook.run" };

    private async Task<string?> CompensateStepAsync(Step step, CancellationToken cancellationToken)
    {
        var started = run.Services.Time.GetTimestamp();
        var name = step.Rollback is { } r ? ActiveRun.ActionName(r.Action) : "playbook.run (its own rollbacks)";
        await run.AppendAsync(JournalEventKind.CompensationStarted, step.Id, new JsonData().Add("action", name), CancellationToken.None)
            .ConfigureAwait(false);
        run.Emit(new RollbackEvent(run.RunId, run.Now, step.Id, "compensating", name));
        StepOutcome outcome;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(step.Rollback?.Timeout?.Value ?? run.Services.DefaultStepTimeout);
            try
            {
                if (step.Rollback is not { } rollback)
                {
                    outcome = await subPlaybooks.RollbackAsync(step, timeout.Token).ConfigureAwait(false);
                }
                else
                {
                    var invocation = steps.BuildInvocation(step.Id, rollback.Action, mutates: true, 1, run.Expressions());
                    outcome = run.Services.Actions.TryGetValue(invocation.ActionName, out var action)
                        ? await action.ExecuteAsync(invocation, timeout.Token).ConfigureAwait(false)
                        : StepOutcome.Failure($"'{invocation.ActionName}' is not available for provider '{run.Request.Provider}' in this build");
                }
            }
            catch (Exception ex) when (ex is RunExpressionException or Actions.Files.ContainedFileException)
            {
                outcome = StepOutcome.Failure(ex.Message);
            }
            catch (OperationCanceledException)
            {
                outcome = StepOutcome.Failure($"timed out after {step.Rollback?.Timeout?.Text ?? run.Services.DefaultStepTimeout.ToString()}");
            }
            catch (Exception ex)
            {
                // A compensation that throws has failed like any other: journaled, reported, and the others still run.
                outcome = StepOutcome.Failure(StepRunner.UnexpectedFailure(name, ex));
            }
        }

        var elapsed = (long)run.Services.Time.GetElapsedTime(started).TotalMilliseconds;
        if (outcome is Failed failed)
        {
            await run.AppendAsync(JournalEventKind.CompensationFailed, step.Id, new JsonData().Add("error", failed.Error).Add("duration_ms", elapsed),
                CancellationToken.None).ConfigureAwait(false);
            run.Emit(new RollbackEvent(run.RunId, run.Now, step.Id, "compensation_failed", run.Mask(failed.Error)));
            return run.Mask(failed.Error);
        }

        await run.AppendAsync(JournalEventKind.CompensationSucceeded, step.Id, new JsonData()
            .Add("outputs", outcome.Outputs)
            .Add("duration_ms", elapsed), CancellationToken.None).ConfigureAwait(false);
        run.Emit(new RollbackEvent(run.RunId, run.Now, step.Id, "compensated", $"{elapsed} ms"));
        return null;
    }
}
