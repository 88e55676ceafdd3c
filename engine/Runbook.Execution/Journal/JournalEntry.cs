namespace Runbook.Execution.Journal;

/// <summary>The kinds of event a run records. Stored by name; never renumber.</summary>
public enum JournalEventKind
{
    /// <summary>data: playbook, path, playbook_hash, provider, initiator, dry_run, inputs (masked), targets.</summary>
    RunStarted,

    /// <summary>data: attempt, action, arguments (masked), mutates, idempotent.</summary>
    StepStarted,

    /// <summary>data: attempt, outputs (masked), duration_ms, preview (dry run).</summary>
    StepSucceeded,

    /// <summary>data: attempt, error, outputs, duration_ms, will_retry.</summary>
    StepFailed,

    /// <summary>data: reason (condition false, dry run of a mutating step, an earlier failure).</summary>
    StepSkipped,

    /// <summary>data: approvers, min_approvals, expires_at, message, hash (of the step as rendered).</summary>
    ApprovalRequested,

    /// <summary>data: decision (approved|denied|expired), by, comment, hash, pre_approved.</summary>
    ApprovalDecided,

    /// <summary>data: reason, steps (ids to compensate, in order).</summary>
    RollbackStarted,

    /// <summary>StepId is the compensated step. data: action, arguments.</summary>
    CompensationStarted,

    /// <summary>StepId is the compensated step. data: outputs, duration_ms.</summary>
    CompensationSucceeded,

    /// <summary>StepId is the compensated step. data: error.</summary>
    CompensationFailed,

    /// <summary>data: complete (bool).</summary>
    RollbackFinished,

    /// <summary>data: awaiting (step id), commands (to continue).</summary>
    RunPaused,

    /// <summary>data: signal.</summary>
    RunInterrupted,

    /// <summary>data: resumed_by.</summary>
    RunResumed,

    /// <summary>data: status (see <see cref="RunStatus"/>), summary.</summary>
    RunFinished,

    /// <summary>
    /// StepId is the fan-out step. data: count, keys (each item's sub-step key, in input order), items (the values, masked;
    /// null when the list is secret), secret. Its items then run as steps of their own, <c>step[key]</c>.
    /// </summary>
    FanOutStarted,

    /// <summary>
    /// StepId is a <c>playbook.run</c> step (or item). data: child_run (the child's run id, chosen before it starts), attempt.
    /// Journaled before the child's first event, so a resume after a crash at any point finds the child and continues it.
    /// </summary>
    ChildRunStarted,
}

/// <summary>One recorded event.</summary>
public sealed record JournalEntry(string RunId, long Sequence, DateTimeOffset At, JournalEventKind Kind, string? StepId, string Data);

/// <summary>How a run stands, as the runs list shows it. Stored by its lower-case name.</summary>
public enum RunStatus
{
    Running,
    AwaitingApproval,
    Succeeded,

    /// <summary>Failed, and every compensation ran (exit 1).</summary>
    RolledBack,

    /// <summary>Failed without compensations to run, or with on_failure: stop.</summary>
    Failed,

    /// <summary>A compensation failed: a human must look (exit 4).</summary>
    RollbackIncomplete,
    Denied,
    Interrupted,
}

/// <summary>A run in the list: what history prints.</summary>
public sealed record RunSummary(
    string RunId,
    string Playbook,
    string Provider,
    string Initiator,
    bool DryRun,
    RunStatus Status,
    DateTimeOffset StartedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? FinishedAt);

/// <summary>Filters for <see cref="IJournal.ListRunsAsync"/>; null means any.</summary>
public sealed record RunQuery(string? Playbook = null, RunStatus? Status = null, string? Provider = null, DateTimeOffset? Since = null, int Limit = 50);

public sealed record Lease(string Target, string RunId, DateTimeOffset ExpiresAt);

/// <summary>Acquired, or held by <see cref="Holder"/>.</summary>
public sealed record LeaseResult(bool Acquired, Lease? Holder);
