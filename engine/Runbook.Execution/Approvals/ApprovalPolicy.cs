using Runbook.Execution.Engine;
using Runbook.Language.Model;

namespace Runbook.Execution.Approvals;

public enum GateState
{
    Pending,
    Approved,
    Denied,
}

/// <summary>
/// The rules of a gate: only eligible people count, each once; the initiator counts only where the playbook
/// allows self-approval; an approval counts only for what it approved (the hash); a denial or an expiry
/// ends the gate. Nothing here ever approves by default.
/// </summary>
public static class ApprovalPolicy
{
    public static GateState Evaluate(ApprovalGate gate, IEnumerable<ApprovalDecision> decisions, string initiator, string hash, ApproverDirectory directory)
    {
        var list = decisions.ToList();
        if (list.Any(d => d.Decision is "denied" or "expired"))
        {
            return GateState.Denied;
        }

        var approvers = list
            .Where(d => d.Decision == "approved" && d.Hash == hash && CanApprove(gate, d.By, initiator, directory) is null)
            .Select(d => d.By)
            .Distinct(StringComparer.Ordinal)
            .Count();
        return approvers >= gate.MinApprovals ? GateState.Approved : GateState.Pending;
    }

    /// <summary>Why each approval on record does not count towards the gate, so a run that pauses again says so.</summary>
    public static IEnumerable<string> Uncounted(ApprovalGate gate, IEnumerable<ApprovalDecision> decisions, string initiator, string hash, ApproverDirectory directory) =>
        decisions.Where(d => d.Decision == "approved").Select(d =>
            d.Hash != hash ? $"{d.By}'s approval was for a different rendering of the step (its arguments changed); approve again"
            : CanApprove(gate, d.By, initiator, directory) is { } refusal ? $"{d.By}'s approval does not count: {refusal}"
            : null).OfType<string>().Distinct(StringComparer.Ordinal);

    /// <summary>Null when <paramref name="person"/> may approve this gate; otherwise why not.</summary>
    public static string? CanApprove(ApprovalGate gate, string person, string initiator, ApproverDirectory directory)
    {
        if (person == initiator && !gate.AllowSelfApproval)
        {
            return $"{person} started this run and the gate does not allow self-approval (allow_self_approval: false)";
        }

        return directory.IsEligible(person, gate.Approvers)
            ? null
            : $"{person} is not among the approvers ({string.Join(", ", gate.Approvers)})";
    }

    /// <summary>The gate a step stands behind: its own approval, or a default one for a standalone <c>uses: approval</c>.</summary>
    public static ApprovalGate? GateOf(Step step) =>
        step.Approval ?? (step.Action is UsesAction { Name: "approval" } ? new ApprovalGate([], 1, null, null, false, step.Span) : null);
}
