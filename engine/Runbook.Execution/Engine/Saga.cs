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
    /// <summary>How many ids a summary names before it says how many more there are.</summary>
    private const int IdsNamed = 20;

    /// <summary>
    /// Undoes every completed step that has a compensation, newest completion first; says how that went. A fan-out's
    /// items are undone one by one, each with its item in scope, interleaved with other steps by completion.
    /// </summary>
    public async Task<RunOutcome> CompensateAsync(string reason, CancellationToken cancellationToken)
    {
        var state = run.State;
        var todo = run.Graph.ExecutionOrder
            .Where(s => s.Rollback is not null || IsSubPlaybook(s))
            .SelectMany(s => Completed(s, state))
            .OrderByDescending(c => state.Step(c.Id).CompletedAt)
            .ToList();
        if (todo.Count == 0)
        {
            return new RunOutcome(RunStatus.Failed, "no completed step had a rollback to run");
        }

        await run.AppendAsync(JournalEventKind.RollbackStarted, null, new JsonData()
            .Add("reason", reason)
            .Add("steps", todo.Select(c => (object?)c.Id).ToList()), cancellationToken).ConfigureAwait(false);
        run.Emit(new RollbackEvent(run.RunId, run.Now, null, "started", $"{reason}; undoing {Named(todo.Select(c => c.Id).ToList())}"));

        var failures = new List<string>();
        foreach (var completed in todo)
        {
            var error = await CompensateStepAsync(completed, cancellationToken).ConfigureAwait(false);
            if (error is not null)
            {
                failures.Add($"{completed.Id}: {error}");
            }
        }

        await run.AppendAsync(JournalEventKind.RollbackFinished, null, new JsonData().Add("complete", failures.Count == 0), CancellationToken.None)
            .ConfigureAwait(false);
        run.Emit(new RollbackEvent(run.RunId, run.Now, null, failures.Count == 0 ? "finished" : "incomplete",
            failures.Count == 0 ? "every compensation ran" : string.Join("; ", failures)));
        return failures.Count == 0
            ? new RunOutcome(RunStatus.RolledBack, $"rolled back: {Named(todo.Select(c => c.Id).ToList())}")
            : new RunOutcome(RunStatus.RollbackIncomplete,
                $"ROLLBACK INCOMPLETE, a human must look: {string.Join("; ", failures)}. Retry with: runbook rollback {run.RunId}");
    }

    /// <summary>A step, or the items of a fan-out step, that completed and are not yet compensated.</summary>
    private IEnumerable<CompletedStep> Completed(Step step, RunState state)
    {
        if (step.ForEach is not { } fanOut)
        {
            if (state.Step(step.Id) is { Status: StepStatus.Succeeded, Compensated: false } || IsDeniedChild(step, state.Step(step.Id)))
            {
                yield return new CompletedStep(step, step.Id, null);
            }

            yield break;
        }

        if (!state.FanOuts.TryGetValue(step.Id, out var items))
        {
            yield break;
        }

        FanOutList? values = null;
        for (var i = 0; i < items.Keys.Length; i++)
        {
            var id = items.IdOf(step.Id, i);
            if (state.Step(id) is { Status: StepStatus.Succeeded, Compensated: false } || IsDeniedChild(step, state.Step(id)))
            {
                values ??= ItemValues(fanOut, items);
                yield return new CompletedStep(step, id, values is null || i >= values.Count ? null : values.Locals(fanOut, i));
            }
        }
    }

    /// <summary>The items' values: as journaled, or (a secret list, journaled only as a count) from their source again.</summary>
    private FanOutList? ItemValues(FanOut fanOut, FanOutList journaled)
    {
        if (!journaled.Secret)
        {
            return journaled;
        }

        try
        {
            var again = FanOutList.Evaluate(fanOut, run.Expressions(), run.Services.Masker);
            return again.Count == journaled.Keys.Length ? again : null;
        }
        catch (RunExpressionException)
        {
            return null;
        }
    }

    private static string Named(IReadOnlyList<string> ids) =>
        ids.Count <= IdsNamed ? string.Join(", ", ids) : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{string.Join(", ", ids.Take(IdsNamed))} and {ids.Count - IdsNamed:N0} more");

    /// <summary>
    /// A playbook.run step whose child was denied at a gate: the child left its completed steps as a denial does, so
    /// they are undone with the parent's (a denied child did not roll itself back, unlike a failed one).
    /// </summary>
    private static bool IsDeniedChild(Step step, StepState state) =>
        IsSubPlaybook(step) && state is { Status: StepStatus.Failed, Compensated: false }
        && state.Outputs.GetValueOrDefault("status") as string == RunStatus.Denied.ToName();

    private static bool IsSubPlaybook(Step step) => step.Action is UsesAction { Name: "playbook.run" };

    private async Task<string?> CompensateStepAsync(CompletedStep completed, CancellationToken cancellationToken)
    {
        var (step, id, locals) = completed;
        var started = run.Services.Time.GetTimestamp();
        var name = step.Rollback is { } r ? ActiveRun.ActionName(r.Action) : "playbook.run (its own rollbacks)";
        await run.AppendAsync(JournalEventKind.CompensationStarted, id, new JsonData().Add("action", name), CancellationToken.None)
            .ConfigureAwait(false);
        run.Emit(new RollbackEvent(run.RunId, run.Now, id, "compensating", name));
        StepOutcome outcome;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(step.Rollback?.Timeout?.Value ?? run.Services.DefaultStepTimeout);
            try
            {
                if (step.Rollback is not { } rollback)
                {
                    outcome = await subPlaybooks.RollbackAsync(step, id, timeout.Token).ConfigureAwait(false);
                }
                else
                {
                    if (step.ForEach is not null && locals is null)
                    {
                        throw new RunExpressionException($"the items of '{step.Id}' are not in the journal and could not be evaluated again; undo {id} by hand");
                    }

                    var expressions = locals is null ? run.Expressions() : run.Expressions().WithLocals(locals);
                    var invocation = steps.BuildInvocation(id, rollback.Action, mutates: true, 1, expressions);
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
            await run.AppendAsync(JournalEventKind.CompensationFailed, id, new JsonData().Add("error", failed.Error).Add("duration_ms", elapsed),
                CancellationToken.None).ConfigureAwait(false);
            run.Emit(new RollbackEvent(run.RunId, run.Now, id, "compensation_failed", run.Mask(failed.Error)));
            return run.Mask(failed.Error);
        }

        await run.AppendAsync(JournalEventKind.CompensationSucceeded, id, new JsonData()
            .Add("outputs", outcome.Outputs)
            .Add("duration_ms", elapsed), CancellationToken.None).ConfigureAwait(false);
        run.Emit(new RollbackEvent(run.RunId, run.Now, id, "compensated", $"{elapsed} ms"));
        return null;
    }

    /// <summary>A completed step (or item: its sub-step id and the names its compensation reads) to undo.</summary>
    private sealed record CompletedStep(Step Step, string Id, IReadOnlyDictionary<string, object?>? Locals);
}
