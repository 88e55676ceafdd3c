using System.Collections.Immutable;

namespace Runbook.Execution.Approvals;

/// <summary>What a person is asked before a gated step: the step as it will run, and its rollback.</summary>
public sealed record ApprovalQuestion(
    string RunId,
    string StepId,
    string StepName,
    string Action,
    ImmutableArray<KeyValuePair<string, string>> Arguments,
    string? Rollback,
    string? Message,
    ImmutableArray<string> Approvers,
    int MinApprovals,
    bool InitiatorMayApprove,
    DateTimeOffset? ExpiresAt,
    ImmutableArray<string> Commands);

public enum ApprovalChannelResult
{
    /// <summary>The person at the terminal approved.</summary>
    Approved,

    /// <summary>The person at the terminal denied.</summary>
    Denied,

    /// <summary>Keep the run alive and wait for others to decide through the journal (runbook approve).</summary>
    WaitForOthers,

    /// <summary>No one can be asked here (CI, a pipe): pause the run and exit 3.</summary>
    Pause,
}

/// <summary>How the engine asks for an approval; the CLI supplies a terminal or a non-interactive channel.</summary>
public interface IApprovalChannel
{
    Task<(ApprovalChannelResult Result, string? Comment)> AskAsync(ApprovalQuestion question, CancellationToken cancellationToken);
}
