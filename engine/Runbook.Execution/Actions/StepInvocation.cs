namespace Runbook.Execution.Actions;

/// <summary>Everything an action gets for one attempt of one step.</summary>
/// <param name="Arguments">The step's <c>with:</c> values, evaluated (see <see cref="IStepAction"/> for the value types).</param>
/// <param name="Log">Where the action streams what it prints; the engine masks secrets before anything leaves.</param>
/// <param name="Context">Run-wide facts: run id, working directory, the secrets to keep out of outputs.</param>
public sealed record StepInvocation(
    string StepId,
    string ActionName,
    IReadOnlyDictionary<string, object?> Arguments,
    int Attempt,
    IStepLog Log,
    RunContext Context)
{
    public string? GetString(string name) => Arguments.TryGetValue(name, out var v) && v is not null ? Values.ToText(v) : null;

    public object? Get(string name) => Arguments.GetValueOrDefault(name);
}

/// <summary>Facts about the run every action may need.</summary>
public sealed record RunContext(
    string RunId,
    string PlaybookPath,
    string WorkingDirectory,
    bool DryRun,
    TimeProvider Time,
    HttpClient Http);

/// <summary>A step's live output: lines as they come, for the terminal, JSON events and the journal.</summary>
public interface IStepLog
{
    void Line(LogStream stream, string text);
}

public enum LogStream
{
    Stdout,
    Stderr,
    Info,
}
