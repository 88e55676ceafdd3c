namespace Runbook.Execution.Engine;

/// <summary>
/// What a run reports as it goes, for the terminal, plain logs and <c>--format json</c>
/// (schemas/events.schema.json). Every string in an event has already been masked.
/// </summary>
public abstract record RunEvent(string RunId, DateTimeOffset At)
{
    /// <summary>The event's name in JSON output.</summary>
    public abstract string Type { get; }
}

public sealed record RunStartedEvent(string RunId, DateTimeOffset At, string Playbook, string Provider, string Initiator, bool DryRun, bool Resumed)
    : RunEvent(RunId, At)
{
    public override string Type => "run_started";
}

public sealed record StepStartedEvent(string RunId, DateTimeOffset At, string StepId, string Name, string Phase, string Action, int Attempt)
    : RunEvent(RunId, At)
{
    public override string Type => "step_started";
}

public sealed record StepLogEvent(string RunId, DateTimeOffset At, string StepId, string Stream, string Line) : RunEvent(RunId, At)
{
    public override string Type => "step_log";
}

public sealed record StepFinishedEvent(
    string RunId,
    DateTimeOffset At,
    string StepId,
    string Status,
    long DurationMs,
    string? Error,
    string? OutputsJson,
    bool WillRetry,
    string? Preview) : RunEvent(RunId, At)
{
    public override string Type => "step_finished";
}

public sealed record ApprovalEvent(string RunId, DateTimeOffset At, string StepId, string State, string Detail) : RunEvent(RunId, At)
{
    public override string Type => "approval";
}

public sealed record RollbackEvent(string RunId, DateTimeOffset At, string? StepId, string State, string Detail) : RunEvent(RunId, At)
{
    public override string Type => "rollback";
}

public sealed record RunFinishedEvent(string RunId, DateTimeOffset At, string Status, int ExitCode, string Summary) : RunEvent(RunId, At)
{
    public override string Type => "run_finished";
}

/// <summary>Receives a run's events as they happen. Called from several threads when steps run in parallel.</summary>
public interface IRunObserver
{
    void On(RunEvent runEvent);
}
