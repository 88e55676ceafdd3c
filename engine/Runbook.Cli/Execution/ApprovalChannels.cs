using Runbook.Execution.Approvals;

namespace Runbook.Cli.Execution;

/// <summary>No terminal (CI, a pipe): never ask, never assume; the run pauses and exit 3 says how to go on.</summary>
internal sealed class NonInteractiveApprovalChannel : IApprovalChannel
{
    public Task<(ApprovalChannelResult Result, string? Comment)> AskAsync(ApprovalQuestion question, CancellationToken cancellationToken) =>
        Task.FromResult<(ApprovalChannelResult, string?)>((ApprovalChannelResult.Pause, null));
}

/// <summary>
/// A terminal: shows the step as it will run and its rollback, then asks the operator when they may approve,
/// or waits while approvers decide with 'runbook approve' (the journal is polled).
/// </summary>
internal sealed class TerminalApprovalChannel(TextReader input, TextWriter output, TerminalRunObserver? tree) : IApprovalChannel
{
    public Task<(ApprovalChannelResult Result, string? Comment)> AskAsync(ApprovalQuestion question, CancellationToken cancellationToken) =>
        tree is null ? Task.FromResult(Ask(question)) : tree.PausedAsync(() => Ask(question));

    private (ApprovalChannelResult Result, string? Comment) Ask(ApprovalQuestion question)
    {
        output.WriteLine();
        output.WriteLine($"🔒 Approval needed before '{question.StepId}' ({question.StepName})");
        if (question.Message is not null)
        {
            output.WriteLine($"   {question.Message}");
        }

        output.WriteLine($"   action: {question.Action}");
        foreach (var (name, value) in question.Arguments)
        {
            output.WriteLine($"     {name}: {value}");
        }

        output.WriteLine($"   rollback: {question.Rollback ?? "none"}");
        output.WriteLine($"   needs {question.MinApprovals} approval(s){(question.Approvers.IsEmpty ? string.Empty : $" from {string.Join(", ", question.Approvers)}")}"
            + (question.ExpiresAt is { } e ? $", expires {e.ToLocalTime():HH:mm:ss}" : string.Empty));
        if (!question.InitiatorMayApprove)
        {
            output.WriteLine("   You started this run, so someone else must approve:");
            foreach (var command in question.Commands.Take(2))
            {
                output.WriteLine($"     {command}");
            }

            output.WriteLine("   Waiting for their decision (Ctrl-C to stop waiting; the run can be resumed)...");
            return (ApprovalChannelResult.WaitForOthers, null);
        }

        output.Write("   Approve? Type 'yes' to approve, anything else denies: ");
        output.Flush();
        var answer = input.ReadLine()?.Trim();
        return answer == "yes"
            ? (ApprovalChannelResult.Approved, "approved at the terminal")
            : (ApprovalChannelResult.Denied, answer is null or "" ? "denied at the terminal" : $"denied at the terminal: {answer}");
    }
}
