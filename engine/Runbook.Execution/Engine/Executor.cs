using System.Collections.Concurrent;
using System.Collections.Immutable;
using Runbook.Execution.Journal;
using Runbook.Language;
using Runbook.Language.Graph;
using Runbook.Language.Model;

namespace Runbook.Execution.Engine;

/// <summary>
/// Runs a checked playbook: phases as barriers, independent steps in parallel (bounded), approvals,
/// retries, timeouts, and the saga of compensations when a step fails. Every state change goes to the
/// journal before it is acted on, so a run can be resumed from the journal after any crash.
/// </summary>
public sealed partial class Executor
{
    private readonly ExecutorServices _services;
    private readonly RunRequest _request;
    private readonly StepGraph _graph;
    private readonly Playbook _playbook;
    private readonly string _runId;

    /// <summary>Outputs as produced in this process; the journal holds them masked.</summary>
    private readonly ConcurrentDictionary<string, ImmutableDictionary<string, object?>> _liveOutputs = new(StringComparer.Ordinal);
    private readonly Lock _stateGate = new();
    private RunState _state;
    private long _version;
    private CachedExpressions? _expressions;

    private Executor(ExecutorServices services, RunRequest request, RunState state)
    {
        _services = services;
        _request = request;
        _playbook = request.Playbook.Playbook ?? throw new ArgumentException("the playbook must be valid", nameof(request));
        _graph = request.Playbook.Graph ?? throw new ArgumentException("the playbook must be valid", nameof(request));
        _runId = state.RunId;
        _state = state;
        foreach (var secret in _playbook.Inputs.Where(i => i.IsSecret))
        {
            if (request.Inputs.TryGetValue(secret.Name, out var value))
            {
                services.Masker.Add(Actions.Values.ToText(value));
            }
        }
    }

    public string RunId => _runId;

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
        var outcome = await executor.CompensateAsync("requested by " + request.Initiator, cancellationToken).ConfigureAwait(false);
        return await executor.FinishAsync(outcome, cancellationToken).ConfigureAwait(false);
    }

    private RunState State
    {
        get
        {
            lock (_stateGate)
            {
                return _state;
            }
        }
    }

    private async Task<RunResult> RunAsync(bool resumed, CancellationToken cancellationToken)
    {
        // A sub-playbook runs under its parent's locks.
        var targets = _request.ParentRunId is null ? Targets() : [];
        if (!_request.DryRun && await AcquireLeasesAsync(targets, cancellationToken).ConfigureAwait(false) is { } conflict)
        {
            if (resumed)
            {
                // The run stays as it was, resumable once the other run lets go.
                Emit(new RunFinishedEvent(_runId, Now, RunStatus.Failed.ToName(), 1, conflict));
                return new RunResult(_runId, RunStatus.Failed, conflict);
            }

            await AppendAsync(JournalEventKind.RunStarted, null, RunStartedData(targets), CancellationToken.None).ConfigureAwait(false);
            return await FinishAsync(new RunOutcome(RunStatus.Failed, conflict), CancellationToken.None).ConfigureAwait(false);
        }

        using var renewal = StartLeaseRenewal(targets);
        try
        {
            if (resumed)
            {
                await AppendAsync(JournalEventKind.RunResumed, null, new JsonData().Add("resumed_by", _request.Initiator).Add("engine", EngineProcess.Current?.ToData()), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await AppendAsync(JournalEventKind.RunStarted, null, RunStartedData(targets), cancellationToken).ConfigureAwait(false);
            }

            Emit(new RunStartedEvent(_runId, Now, _playbook.Name, _request.Provider, _request.Initiator, _request.DryRun, resumed));
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
            if (!_request.DryRun)
            {
                await ReleaseLeasesAsync(targets).ConfigureAwait(false);
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
            await AppendAsync(JournalEventKind.RunFinished, null, new JsonData()
                .Add("status", RunStatus.Failed.ToName())
                .Add("summary", $"internal error outside any step: {ex.Message} ({ex.GetType().Name}); completed steps were left as they are. "
                    + $"Undo them with: runbook rollback {_runId}"), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception journalError) when (journalError is not OperationCanceledException)
        {
            Emit(new StepLogEvent(_runId, Now, string.Empty, "stderr", $"the journal could not record the failure either: {journalError.Message}"));
        }
    }

    private JsonData RunStartedData(ImmutableArray<string> targets) => new JsonData()
        .Add("playbook", _playbook.Name)
        .Add("path", Path.GetFullPath(_request.Playbook.Path, _services.WorkingDirectory))
        .Add("playbook_hash", PlaybookHash)
        .Add("provider", _request.Provider)
        .Add("initiator", _request.Initiator)
        .Add("engine", EngineProcess.Current?.ToData()) // so a later command can tell this run's process died (RunSettlement)
        .Add("dry_run", _request.DryRun)
        .Add("parent_run", _request.ParentRunId)
        .Add("inputs", _playbook.Inputs.Where(i => _request.Inputs.ContainsKey(i.Name))
            .ToDictionary(i => i.Name, i => i.IsSecret ? "***" : _request.Inputs[i.Name] is Duration d ? d.Text : _request.Inputs[i.Name], StringComparer.Ordinal)
            as IReadOnlyDictionary<string, object?>)
        .Add("targets", targets.Cast<object?>().ToList())
        .Add("settings", (_request.Settings ?? ImmutableDictionary<string, string>.Empty).ToDictionary(s => s.Key, s => (object?)s.Value) as IReadOnlyDictionary<string, object?>)
        .Add("services", (_request.ServiceNames ?? ImmutableDictionary<string, string>.Empty).ToDictionary(s => s.Key, s => (object?)s.Value) as IReadOnlyDictionary<string, object?>)
        // The approval policy the run starts under: approve, resume and rollback judge its gates by these groups,
        // not by whatever configuration the later command happens to find.
        .Add("approver_groups", _services.Directory.Groups.ToDictionary(g => g.Key, g => (object?)g.Value.Cast<object?>().ToList(), StringComparer.Ordinal)
            as IReadOnlyDictionary<string, object?>);

    private string PlaybookHash => "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
        System.Text.Encoding.UTF8.GetBytes(_request.Playbook.Source?.Text ?? string.Empty)));

    private async Task<RunOutcome> RunPhasesAsync(CancellationToken cancellationToken)
    {
        foreach (var phase in _graph.Phases)
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
        var pending = phase.Steps.Where(s => !State.Step(s.Id).IsDone).ToList();
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
                    if (running.Count >= Math.Max(1, _request.MaxParallel))
                    {
                        break;
                    }

                    var gate = await PassGateAsync(step, cancellationToken).ConfigureAwait(false);
                    if (gate is not null)
                    {
                        stop = gate;
                        break;
                    }

                    pending.Remove(step);
                    running[step.Id] = RunStepAsync(step, cancellationToken);
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
            if (result.Interrupted)
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
        _graph.ExecutionOrder.FirstOrDefault(s => s.OnFailure != FailureMode.Continue && State.Step(s.Id).Status == StepStatus.Failed);

    private async Task<RunOutcome> FinishFailureAsync(Step failed, CancellationToken cancellationToken)
    {
        var error = State.Step(failed.Id).Error;
        if (failed.OnFailure == FailureMode.Stop)
        {
            return new RunOutcome(RunStatus.Failed, $"step '{failed.Id}' failed: {error}; on_failure: stop leaves everything as it is");
        }

        var rollback = await CompensateAsync($"step '{failed.Id}' failed: {error}", cancellationToken).ConfigureAwait(false);
        return rollback with { Summary = $"step '{failed.Id}' failed: {error?.TrimEnd('.')}. {rollback.Summary}" };
    }

    private bool IsReady(Step step) => _graph.PredecessorsOf(step.Id).All(p => State.Step(p).IsDone);

    private async Task<RunOutcome> InterruptAsync()
    {
        await AppendAsync(JournalEventKind.RunInterrupted, null, new JsonData().Add("signal", "interrupt"), CancellationToken.None).ConfigureAwait(false);
        if (_request.RollbackOnInterrupt)
        {
            var rollback = await CompensateAsync("interrupted", CancellationToken.None).ConfigureAwait(false);
            return new RunOutcome(rollback.Status == RunStatus.RollbackIncomplete ? RunStatus.RollbackIncomplete : RunStatus.Interrupted,
                "interrupted; " + rollback.Summary);
        }

        return new RunOutcome(RunStatus.Interrupted,
            $"interrupted; completed steps were left as they are. Undo them with: runbook rollback {_runId}");
    }

    private async Task<RunResult> FinishAsync(RunOutcome outcome, CancellationToken cancellationToken)
    {
        if (outcome.Status != RunStatus.AwaitingApproval)
        {
            await AppendAsync(JournalEventKind.RunFinished, null,
                new JsonData().Add("status", outcome.Status.ToName()).Add("summary", outcome.Summary), cancellationToken).ConfigureAwait(false);
        }

        var result = new RunResult(_runId, outcome.Status, _services.Masker.Apply(outcome.Summary));
        Emit(new RunFinishedEvent(_runId, Now, outcome.Status.ToName(), result.ExitCode, result.Summary));
        return result;
    }

    private string Summary()
    {
        var state = State;
        var changed = _graph.ExecutionOrder.Where(s => s.Mutates && state.Step(s.Id).Status == StepStatus.Succeeded).Select(s => s.Id).ToList();
        var skipped = _graph.ExecutionOrder.Where(s => state.Step(s.Id).Status == StepStatus.Skipped).Select(s => s.Id).ToList();
        var failed = _graph.ExecutionOrder.Where(s => state.Step(s.Id).Status == StepStatus.Failed).Select(s => s.Id).ToList();
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

    private DateTimeOffset Now => _services.Time.GetUtcNow();

    private void Emit(RunEvent runEvent) => _services.Observer.On(runEvent);

    /// <summary>How a run (or a phase of it) ended.</summary>
    private sealed record RunOutcome(RunStatus Status, string Summary);

    /// <summary>What one step came to, as the scheduling loop needs it.</summary>
    private sealed record StepResult(Step Step, bool Failed, bool Interrupted, string? Error);
}
