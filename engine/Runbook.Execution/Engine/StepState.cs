using System.Collections.Immutable;
using Runbook.Language.Expressions;

namespace Runbook.Execution.Engine;

public enum StepStatus
{
    Pending,

    /// <summary>Started and not finished: running now, or the engine died during it.</summary>
    Started,
    Succeeded,
    Failed,
    Skipped,
}

/// <summary>What the journal says of one step.</summary>
/// <param name="CompletedAt">Journal sequence of the success; compensations run in reverse of it.</param>
public sealed record StepState(
    string StepId,
    StepStatus Status,
    int Attempts,
    ImmutableDictionary<string, object?> Outputs,
    string? Error,
    long CompletedAt,
    bool Compensated,
    bool CompensationFailed,
    string? SkipReason)
{
    public static StepState Pending(string id) => new(id, StepStatus.Pending, 0, ImmutableDictionary<string, object?>.Empty, null, 0, false, false, null);

    public bool IsDone => Status is StepStatus.Succeeded or StepStatus.Failed or StepStatus.Skipped;

    /// <summary>The status as expressions see it: success, failure, skipped, or pending.</summary>
    public string ExpressionStatus => Status switch
    {
        StepStatus.Succeeded => StepStatusNames.Success,
        StepStatus.Failed => StepStatusNames.Failure,
        StepStatus.Skipped => StepStatusNames.Skipped,
        _ => StepStatusNames.Pending,
    };
}

/// <summary>One approval decision as journaled.</summary>
public sealed record ApprovalDecision(string StepId, string Decision, string By, string? Comment, string Hash, bool PreApproved, DateTimeOffset At);
