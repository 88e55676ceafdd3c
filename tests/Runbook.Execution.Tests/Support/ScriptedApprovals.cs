using Runbook.Execution.Approvals;

namespace Runbook.Execution.Tests.Support;

/// <summary>An approval channel that answers as told (Pause = no terminal).</summary>
internal sealed class ScriptedApprovals(ApprovalChannelResult answer) : IApprovalChannel
{
    public List<ApprovalQuestion> Questions { get; } = [];

    public Task<(ApprovalChannelResult Result, string? Comment)> AskAsync(ApprovalQuestion question, CancellationToken cancellationToken)
    {
        Questions.Add(question);
        return Task.FromResult<(ApprovalChannelResult, string?)>((answer, "scripted"));
    }
}
