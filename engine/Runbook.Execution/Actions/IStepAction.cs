namespace Runbook.Execution.Actions;

/// <summary>
/// One built-in action (<c>http.check</c>, <c>sql.query</c>, the shell behind <c>run:</c> …). The executor
/// evaluates the step's arguments, handles retries, timeouts, approvals and the journal; the action only does
/// its one thing and returns the outcome as a value.
/// </summary>
/// <remarks>
/// Values crossing this boundary are JSON-like: string, bool, long, decimal, double, null,
/// <see cref="IReadOnlyList{T}"/> of values and <see cref="IReadOnlyDictionary{TKey,TValue}"/> of string to value.
/// </remarks>
public interface IStepAction
{
    /// <summary>The action name as playbooks write it after <c>uses:</c> (<c>run</c> for shell steps).</summary>
    string Name { get; }

    ValueTask<StepOutcome> ExecuteAsync(StepInvocation invocation, CancellationToken cancellationToken);
}

/// <summary>
/// Implemented by mutating actions that can say, without changing anything, what they would do:
/// for <c>--dry-run</c>, current → desired.
/// </summary>
public interface IDryRunPreview
{
    ValueTask<DryRunPreview> PreviewAsync(StepInvocation invocation, CancellationToken cancellationToken);
}

public sealed record DryRunPreview(string Description, string? Current = null, string? Desired = null);
