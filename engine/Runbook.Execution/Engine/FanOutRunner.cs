using System.Threading.Channels;
using Runbook.Execution.Approvals;
using Runbook.Execution.Journal;
using Runbook.Language.Model;

namespace Runbook.Execution.Engine;

/// <summary>
/// Runs a fan-out step (<c>for_each:</c>): evaluates its items once and journals them with their keys (or takes them
/// from the journal on resume), passes the whole-list approval, then runs each item as a step of its own,
/// <c>step[key]</c>, through the step runner: at most <c>max_parallel</c> at once, in input order, each with its own
/// <c>if:</c>, approval (<c>per_item: true</c>), retries and timeout. With <c>fail_fast</c> the first failed item
/// stops new items from starting. The step's own result (success, failure, skipped) is journaled after its items.
/// </summary>
/// <remarks>
/// Work per item is constant: a queue of the items still to run (built once), a counter of those running, and a
/// channel their results arrive on; no scan of the list per item, so 10,000 items cost 10,000 times one item.
/// </remarks>
internal sealed class FanOutRunner(ActiveRun run, StepRunner steps, ApprovalGates gates)
{
    /// <summary>How many failed items a step's error names before it says how many more failed.</summary>
    private const int FailuresNamed = 3;

    public async Task<StepResult> RunAsync(Step step, CancellationToken cancellationToken)
    {
        await Task.Yield();
        var fanOut = step.ForEach ?? throw new ArgumentException("not a fan-out step", nameof(step));
        FanOutList items;
        try
        {
            items = await ItemsAsync(step, fanOut, cancellationToken).ConfigureAwait(false);
        }
        catch (RunExpressionException ex)
        {
            return await steps.FailAsync(step, step.Id, 1, ex.Message, willRetry: false, 0, CancellationToken.None).ConfigureAwait(false);
        }

        if (items.Keys.Length == 0)
        {
            await steps.SkipAsync(step.Id, "for_each: no items", null).ConfigureAwait(false);
            return new StepResult(step, false, false, null);
        }

        run.Emit(new StepStartedEvent(run.RunId, run.Now, step.Id, step.DisplayName, step.Phase.ToName(), "for_each", 1));
        var gate = ApprovalPolicy.GateOf(step);
        if (gate is { PerItem: false })
        {
            var stop = await gates.PassAsync(step, new GateSubject(step.Id, run.Expressions(), ConditionApplies: false, items), cancellationToken)
                .ConfigureAwait(false);
            if (stop is not null)
            {
                return new StepResult(step, false, false, null, stop);
            }
        }

        return await RunItemsAsync(step, fanOut, items, perItemGate: gate is { PerItem: true }, cancellationToken).ConfigureAwait(false);
    }

    private async Task<StepResult> RunItemsAsync(Step step, FanOut fanOut, FanOutList items, bool perItemGate, CancellationToken cancellationToken)
    {
        var state = run.State;
        var todo = new Queue<int>();
        var failures = new List<string>();
        var failedCount = 0;
        var skipped = 0;
        for (var i = 0; i < items.Keys.Length; i++)
        {
            // On resume, items done stay done: their results count, they do not run again.
            var done = state.Step(items.IdOf(step.Id, i));
            switch (done.Status)
            {
                case StepStatus.Failed:
                    failedCount++;
                    Note(failures, done.StepId, done.Error);
                    break;
                case StepStatus.Skipped:
                    skipped++;
                    break;
                case StepStatus.Succeeded:
                    break;
                default:
                    todo.Enqueue(i);
                    break;
            }
        }

        var limit = Math.Max(1, Math.Min(fanOut.MaxParallel, Math.Max(1, run.Request.MaxParallel)));
        var finished = Channel.CreateUnbounded<ItemResult>(new UnboundedChannelOptions { SingleReader = true });
        var running = 0;
        var interrupted = false;
        RunOutcome? stop = null;
        while (true)
        {
            while (running < limit && todo.Count > 0 && stop is null && !interrupted && !cancellationToken.IsCancellationRequested
                && !(fanOut.FailFast && failedCount > 0))
            {
                var index = todo.Dequeue();
                var item = Item(step, fanOut, items, index);
                if (perItemGate)
                {
                    stop = await gates.PassAsync(step, new GateSubject(item.Id, run.Expressions().WithLocals(item.Locals), ConditionApplies: true, null),
                        cancellationToken).ConfigureAwait(false);
                    if (stop is not null)
                    {
                        break;
                    }
                }

                running++;
                _ = RunItemAsync(step, item, finished.Writer, cancellationToken);
            }

            if (running == 0)
            {
                break;
            }

            var result = await finished.Reader.ReadAsync(CancellationToken.None).ConfigureAwait(false);
            running--;
            if (result.Result.Stop is { } itemStop)
            {
                stop ??= itemStop; // an item's child run paused at a gate or was denied: the step stops with it
            }
            else if (result.Result.Interrupted)
            {
                interrupted = true;
            }
            else if (result.Result.Failed)
            {
                failedCount++;
                Note(failures, result.Id, result.Result.Error);
            }
            else if (run.State.Step(result.Id).Status == StepStatus.Skipped)
            {
                skipped++;
            }
        }

        if (interrupted || (cancellationToken.IsCancellationRequested && stop is null))
        {
            // The items interrupted are journaled as such; the step itself stays unfinished, for resume to take up.
            return new StepResult(step, true, true, "interrupted");
        }

        if (stop is not null)
        {
            return new StepResult(step, false, false, null, stop);
        }

        return await FinishAsync(step, items, failedCount, skipped, failures, notStarted: todo.Count).ConfigureAwait(false);
    }

    /// <summary>Journals the step's own result over its items: failure when one failed, skipped when none ran, else success.</summary>
    private async Task<StepResult> FinishAsync(Step step, FanOutList items, int failedCount, int skipped, List<string> failures, int notStarted)
    {
        var total = items.Keys.Length;
        if (failedCount > 0)
        {
            var error = $"{failedCount} of {total} items failed: {string.Join("; ", failures)}"
                + (failedCount > failures.Count ? $"; and {failedCount - failures.Count} more" : string.Empty)
                + (notStarted > 0 ? $" ({notStarted} not started: fail_fast)" : string.Empty);
            return await steps.FailAsync(step, step.Id, 1, error, willRetry: false, 0, CancellationToken.None).ConfigureAwait(false);
        }

        if (skipped == total)
        {
            await steps.SkipAsync(step.Id, "for_each: every item was skipped", null).ConfigureAwait(false);
            return new StepResult(step, false, false, null);
        }

        await run.AppendAsync(JournalEventKind.StepSucceeded, step.Id, new JsonData()
            .Add("attempt", 1)
            .Add("outputs", new Dictionary<string, object?>())
            .Add("items", (long)total)
            .Add("skipped", (long)skipped), CancellationToken.None).ConfigureAwait(false);
        run.Emit(new StepFinishedEvent(run.RunId, run.Now, step.Id, "succeeded", 0, null, null, false, null));
        return new StepResult(step, false, false, null);
    }

    /// <summary>
    /// The items: from the journal when the fan-out already started (a resume never evaluates the list again), else
    /// evaluated now and journaled once. A secret list is journaled as its count and keys only, so its values come back
    /// from their source, and must come back as many.
    /// </summary>
    private async Task<FanOutList> ItemsAsync(Step step, FanOut fanOut, CancellationToken cancellationToken)
    {
        if (run.State.FanOuts.TryGetValue(step.Id, out var journaled))
        {
            if (!journaled.Secret)
            {
                return journaled;
            }

            var again = FanOutList.Evaluate(fanOut, run.Expressions(), run.Services.Masker);
            return again.Count == journaled.Keys.Length
                ? again with { Keys = journaled.Keys }
                : throw new RunExpressionException(
                    $"for_each: the secret list of '{step.Id}' had {journaled.Keys.Length} items when the run started and has {again.Count} now; "
                    + "its items cannot be matched to what already ran");
        }

        var items = FanOutList.Evaluate(fanOut, run.Expressions(), run.Services.Masker);
        await run.AppendAsync(JournalEventKind.FanOutStarted, step.Id, new JsonData()
            .Add("count", (long)items.Count)
            .Add("keys", items.Keys.Cast<object?>().ToList())
            .Add("items", items.Secret ? null : items.Items.ToList())
            .Add("secret", items.Secret), cancellationToken).ConfigureAwait(false);
        return items;
    }

    private static StepItem Item(Step step, FanOut fanOut, FanOutList items, int index)
    {
        var key = items.Keys[index];
        var id = FanOutList.SubStepId(step.Id, key);
        return new StepItem(id, step.Name is null ? id : $"{step.Name} [{key}]", items.Locals(fanOut, index));
    }

    private async Task RunItemAsync(Step step, StepItem item, ChannelWriter<ItemResult> finished, CancellationToken cancellationToken)
    {
        StepResult result;
        try
        {
            result = await steps.RunAsync(step, item, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A fault outside the action (the journal stopped answering): the item has failed, and the step with it.
            result = new StepResult(step, true, false, StepRunner.UnexpectedFailure(item.Id, ex));
        }
        catch (OperationCanceledException)
        {
            result = new StepResult(step, true, true, "interrupted");
        }

        finished.TryWrite(new ItemResult(item.Id, result));
    }

    private static void Note(List<string> failures, string id, string? error)
    {
        if (failures.Count < FailuresNamed)
        {
            failures.Add($"{id}: {error?.TrimEnd('.')}");
        }
    }

    private sealed record ItemResult(string Id, StepResult Result);
}
