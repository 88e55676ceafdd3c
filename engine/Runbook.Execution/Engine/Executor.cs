using System.Collections.Immutable;
using Runbook.Execution.Journal;
using Runbook.Language;
using Runbook.Language.Graph;
using Runbook.Language.Model;
using Runbook.Language.Text;

namespace Runbook.Execution.Engine;

/// <summary>
/// Runs a checked playbook: phases as barriers, independent steps in parallel (bounded), approvals,
/// retries, timeouts, and the saga of compensations when a step fails. Every state change goes to the
/// journal before it is acted on, so a run can be resumed from the journal after any crash.
/// </summary>
public sealed class Executor
{
    private readonly ActiveRun _run;
    private readonly StepRunner _steps;
    private readonly ApprovalGates _gates;
    private readonly Saga _saga;
    private readonly Leases _leases;
    private readonly FanOutRunner _fanOut;

    private Executor(ExecutorServices services, RunRequest request, RunState state)
    {
        _run = new ActiveRun(services, request, state);
        var subPlaybooks = new SubPlaybooks(_run);
        _steps = new StepRunner(_run, subPlaybooks);
        _gates = new ApprovalGates(_run, InterruptAsync);
        _saga = new Saga(_run, _steps, subPlaybooks);
        _leases = new Leases(_run);
        _fanOut = new FanOutRunner(_run, _steps, _gates);
    }

    public string RunId => _run.RunId;

    /// <summary>A new run id: sortable by time, unique across machines.</summary>
    public static string NewRunId(TimeProvider time) =>
        $"{time.GetUtcNow():yyyyMMdd-HHmmss}-{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3))}";

    /// <summary>Starts a new run.</summary>
    public static async Task<RunResult> StartAsync(ExecutorServices services, RunRequest request, CancellationToken cancellationToken = default)
    {
        var runId = request.RunId ?? NewRunId(services.Time);
        var executor = new Executor(services, request, RunState.Empty(runId));
        return await executor.RunAsync(resumed: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Continues a run from its journal: completed steps are not re-run.</summary>
    public static async Task<RunResult> ResumeAsync(ExecutorServices services, RunRequest request, RunState state, CancellationToken cancellationToken = default)
    {
        var executor = new Executor(services, request with { RunId = state.RunId }, state);
        return await executor.RunAsync(resumed: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs the compensations of a finished run on request (<c>runbook rollback</c>).</summary>
    public static async Task<RunResult> RollbackAsync(ExecutorServices services, RunRequest request, RunState state, CancellationToken cancellationToken = default)
    {
        var executor = new Executor(services, request with { RunId = state.RunId }, state);
        var outcome = await executor._saga.CompensateAsync("requested by " + request.Initiator, cancellationToken).ConfigureAwait(false);
        return await executor.FinishAsync(outcome, cancellationToken).ConfigureAwait(false);
    }

    private async Task<RunResult> RunAsync(bool resumed, CancellationToken cancellationToken)
    {
        // A sub-playbook runs under its parent's locks.
        var targets = _run.Request.ParentRunId is null ? _leases.Targets() : [];
        if (!_run.Request.DryRun && await _leases.AcquireAsync(targets, cancellationToken).ConfigureAwait(false) is { } conflict)
        {
            if (resumed)
            {
                // The run stays as it was, resumable once the other run lets go.
                _run.Emit(new RunFinishedEvent(_run.RunId, _run.Now, RunStatus.Failed.ToName(), 1, conflict));
                return new RunResult(_run.RunId, RunStatus.Failed, conflict);
            }

            await _run.AppendAsync(JournalEventKind.RunStarted, null, RunStartedData(targets), CancellationToken.None).ConfigureAwait(false);
            return await FinishAsync(new RunOutcome(RunStatus.Failed, conflict), CancellationToken.None).ConfigureAwait(false);
        }

        using var renewal = _leases.StartRenewal(targets);
        try
        {
            if (resumed)
            {
                await _run.AppendAsync(JournalEventKind.RunResumed, null, new JsonData().Add("resumed_by", _run.Request.Initiator).Add("engine", EngineProcess.Current?.ToData()), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await _run.AppendAsync(JournalEventKind.RunStarted, null, RunStartedData(targets), cancellationToken).ConfigureAwait(false);
            }

            _run.Emit(new RunStartedEvent(_run.RunId, _run.Now, _run.Playbook.Name, _run.Request.Provider, _run.Request.Initiator, _run.Request.DryRun, resumed));
            RunOutcome outcome;
            try
            {
                outcome = FailedBeforeResume() is { } failed
                    ? await FinishFailureAsync(failed, cancellationToken).ConfigureAwait(false)
                    : await RunPhasesAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                await RecordInternalErrorAsync(ex).ConfigureAwait(false);
                throw;
            }

            return await FinishAsync(outcome, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            if (!_run.Request.DryRun)
            {
                await _leases.ReleaseAsync(targets).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// A fault outside any step (a bug in the engine, a journal that stopped answering) still ends the run as failed in
    /// the journal, so it does not read as running forever and <c>runbook rollback RUN</c> can undo what it did. Best
    /// effort: when the journal itself is what failed, there is nothing more to write to.
    /// </summary>
    private async Task RecordInternalErrorAsync(Exception ex)
    {
        try
        {
            await _run.AppendAsync(JournalEventKind.RunFinished, null, new JsonData()
                .Add("status", RunStatus.Failed.ToName())
                .Add("summary", $"internal error outside any step: {ex.Message} ({ex.GetType().Name}); completed steps were left as they are. "
                    + $"Undo them with: runbook rollback {_run.RunId}"), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception journalError) when (journalError is not OperationCanceledException)
        {
            _run.Emit(new StepLogEvent(_run.RunId, _run.Now, string.Empty, "stderr", $"the journal could not record the failure either: {journalError.Message}"));
        }
    }

    private JsonData RunStartedData(ImmutableArray<string> targets) => new JsonData()
        .Add("playbook", _run.Playbook.Name)
        .Add("path", Path.GetFullPath(_run.Request.Playbook.Path, _run.Services.WorkingDirectory))
        .Add("playbook_hash", PlaybookHash)
        .Add("provider", _run.Request.Provider)
        .Add("initiator", _run.Request.Initiator)
        .Add("engine", EngineProcess.Current?.ToData()) // so a later command can tell this run's process died (RunSettlement)
        .Add("dry_run", _run.Request.DryRun)
        .Add("parent_run", _run.Request.ParentRunId)
        .Add("inputs", _run.Playbook.Inputs.Where(i => _run.Request.Inputs.ContainsKey(i.Name))
            .ToDictionary(i => i.Name, i => i.IsSecret ? "***" : _run.Request.Inputs[i.Name] is Duration d ? d.Text : _run.Request.Inputs[i.Name], StringComparer.Ordinal)
            as IReadOnlyDictionary<string, object?>)
        .Add("targets", targets.Cast<object?>().ToList())
        .Add("settings", (_run.Request.Settings ?? ImmutableDictionary<string, string>.Empty).ToDictionary(s => s.Key, s => (object?)s.Value) as IReadOnlyDictionary<string, object?>)
        .Add("services", (_run.Request.ServiceNames ?? ImmutableDictionary<string, string>.Empty).ToDictionary(s => s.Key, s => (object?)s.Value) as IReadOnlyDictionary<string, object?>)
        // The approval policy the run starts under: approve, resume and rollback judge its gates by these groups,
        // not by whatever configuration the later command happens to find.
        .Add("approver_groups", _run.Services.Directory.Groups.ToDictionary(g => g.Key, g => (object?)g.Value.Cast<object?>().ToList(), StringComparer.Ordinal)
            as IReadOnlyDictionary<string, object?>);

    private string PlaybookHash => ContentHash.Of(_run.Request.Playbook.Source?.Text ?? string.Empty);

    private async Task<RunOutcome> RunPhasesAsync(CancellationToken cancellationToken)
    {
        foreach (var phase in _run.Graph.Phases)
        {
            var outcome = await RunPhaseAsync(phase, cancellationToken).ConfigureAwait(false);
            if (outcome is not null)
            {
                return outcome;
            }
        }

        return new RunOutcome(RunStatus.Succeeded, Summary());
    }

    /// <summary>Runs one phase; null when the run goes on, otherwise how it ends.</summary>
    private async Task<RunOutcome?> RunPhaseAsync(Phase phase, CancellationToken cancellationToken)
    {
        var pending = phase.Steps.Where(s => !_run.State.Step(s.Id).IsDone).ToList();
        var running = new Dictionary<string, Task<StepResult>>(StringComparer.Ordinal);
        RunOutcome? stop = null;
        while (pending.Count > 0 || running.Count > 0)
        {
            if (stop is null && !cancellationToken.IsCancellationRequested)
            {
                // In a sequential phase only the first pending step can be ready.
                var candidates = phase.Parallel ? pending.Where(IsReady).ToList() : pending.Take(1).Where(IsReady).ToList();
                foreach (var step in candidates)
                {
                    if (running.Count >= Math.Max(1, _run.Request.MaxParallel))
                    {
                        break;
                    }

                    // A fan-out passes its gates itself: the whole list's once its items are known, or each item's.
                    var gate = step.ForEach is null ? await _gates.PassAsync(step, cancellationToken).ConfigureAwait(false) : null;
                    if (gate is not null)
                    {
                        stop = gate;
                        break;
                    }

                    pending.Remove(step);
                    running[step.Id] = step.ForEach is null ? _steps.RunAsync(step, null, cancellationToken) : _fanOut.RunAsync(step, cancellationToken);
                    if (!phase.Parallel)
                    {
                        break;
                    }
                }
            }

            if (running.Count == 0)
            {
                break;
            }

            var finished = await Task.WhenAny(running.Values).ConfigureAwait(false);
            var result = await finished.ConfigureAwait(false);
            running.Remove(result.Step.Id);
            if (result.Stop is not null)
            {
                stop ??= result.Stop; // an approval inside a fan-out paused the run, or was denied
            }
            else if (result.Interrupted)
            {
                stop ??= await InterruptAsync().ConfigureAwait(false);
            }
            else if (result.Failed && result.Step.OnFailure != FailureMode.Continue)
            {
                if (stop is null)
                {
                    // Let parallel siblings finish, then undo what completed (or stop, as the step says).
                    await Task.WhenAll(running.Values).ConfigureAwait(false);
                    running.Clear();
                    stop = await FinishFailureAsync(result.Step, CancellationToken.None).ConfigureAwait(false);
                }
            }
        }

        if (stop is null && cancellationToken.IsCancellationRequested)
        {
            stop = await InterruptAsync().ConfigureAwait(false);
        }

        return stop;
    }

    /// <summary>A step whose failure stopped the run before it died: a resume finishes that failure, it does not go on.</summary>
    private Step? FailedBeforeResume() =>
        _run.Graph.ExecutionOrder.FirstOrDefault(s => s.OnFailure != FailureMode.Continue && _run.State.Step(s.Id).Status == StepStatus.Failed);

    private async Task<RunOutcome> FinishFailureAsync(Step failed, CancellationToken cancellationToken)
    {
        var error = _run.State.Step(failed.Id).Error;
        if (failed.OnFailure == FailureMode.Stop)
        {
            return new RunOutcome(RunStatus.Failed, $"step '{failed.Id}' failed: {error}; on_failure: stop leaves everything as it is");
        }

        var rollback = await _saga.CompensateAsync($"step '{failed.Id}' failed: {error}", cancellationToken).ConfigureAwait(false);
        return rollback with { Summary = $"step '{failed.Id}' failed: {error?.TrimEnd('.')}. {rollback.Summary}" };
    }

    private bool IsReady(Step step) => _run.Graph.PredecessorsOf(step.Id).All(p => _run.State.Step(p).IsDone);

    private async Task<RunOutcome> InterruptAsync()
    {
        await _run.AppendAsync(JournalEventKind.RunInterrupted, null, new JsonData().Add("signal", "interrupt"), CancellationToken.None).ConfigureAwait(false);
        if (_run.Request.RollbackOnInterrupt)
        {
            var rollback = await _saga.CompensateAsync("interrupted", CancellationToken.None).ConfigureAwait(false);
            return new RunOutcome(rollback.Status == RunStatus.RollbackIncomplete ? RunStatus.RollbackIncomplete : RunStatus.Interrupted,
                "interrupted; " + rollback.Summary);
        }

        return new RunOutcome(RunStatus.Interrupted,
            $"interrupted; completed steps were left as they are. Undo them with: runbook rollback {_run.RunId}");
    }

    private async Task<RunResult> FinishAsync(RunOutcome outcome, CancellationToken cancellationToken)
    {
        if (outcome.Status != RunStatus.AwaitingApproval)
        {
            await _run.AppendAsync(JournalEventKind.RunFinished, null,
                new JsonData().Add("status", outcome.Status.ToName()).Add("summary", outcome.Summary), cancellationToken).ConfigureAwait(false);
        }

        var result = new RunResult(_run.RunId, outcome.Status, _run.Services.Masker.Apply(outcome.Summary));
        _run.Emit(new RunFinishedEvent(_run.RunId, _run.Now, outcome.Status.ToName(), result.ExitCode, result.Summary));
        return result;
    }

    private string Summary()
    {
        var state = _run.State;
        var changed = _run.Graph.ExecutionOrder.Where(s => s.Mutates && state.Step(s.Id).Status == StepStatus.Succeeded).Select(s => s.Id).ToList();
        var skipped = _run.Graph.ExecutionOrder.Where(s => state.Step(s.Id).Status == StepStatus.Skipped).Select(s => s.Id).ToList();
        var failed = _run.Graph.ExecutionOrder.Where(s => state.Step(s.Id).Status == StepStatus.Failed).Select(s => s.Id).ToList();
        var parts = new List<string> { changed.Count == 0 ? "nothing changed" : $"changed: {string.Join(", ", changed)}" };
        if (skipped.Count > 0)
        {
            parts.Add($"skipped: {string.Join(", ", skipped)}");
        }

        if (failed.Count > 0)
        {
            parts.Add($"failed and continued: {string.Join(", ", failed)}");
        }

        return string.Join("; ", parts);
    }
}
