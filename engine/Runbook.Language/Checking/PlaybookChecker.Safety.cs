using Runbook.Language.Actions;
using Runbook.Language.Diagnostics;
using Runbook.Language.Model;

namespace Runbook.Language.Checking;

public sealed partial class PlaybookChecker
{
    /// <summary>The safety contract: read-only phases, compensations for mutations, gates on what cannot be undone.</summary>
    private void CheckSafety(Phase phase, Step step, ActionDescriptor? descriptor)
    {
        CheckCommandRule(step, step.Action, descriptor, inRollback: false);
        if (step.Mutates && phase.IsReadOnly)
        {
            var why = step.Action is RunAction ? "run: steps mutate unless marked 'mutates: false'" : $"'{descriptor?.Name}' mutates";
            _diagnostics.Add(Descriptors.MutationInReadOnlyPhase, step.IdSpan,
                $"step '{step.Id}' mutates, but '{phase.Name}' is read-only by contract ({why})",
                step.Action is RunAction ? "add 'mutates: false' if the command only reads, or move the step to mitigate" : "move the step to mitigate or resolve");
        }

        if (step.Mutates && step.Rollback is null && !step.Irreversible && !phase.IsReadOnly && descriptor?.Name != "playbook.run")
        {
            _diagnostics.Add(Descriptors.MutationWithoutRollback, step.IdSpan,
                $"step '{step.Id}' mutates but has no rollback",
                "add 'rollback:' with the step that undoes it, or 'irreversible: true' (with an approval) if nothing can");
        }

        if (step.Irreversible && step.Approval is null)
        {
            _diagnostics.Add(Descriptors.IrreversibleWithoutApproval, step.IdSpan,
                $"step '{step.Id}' is irreversible and has no approval",
                "add 'approval: { approvers: [...] }' so a human decides before it runs");
        }

        // An unknown action (already reported) may well mutate; do not call its approval useless.
        var mutationKnown = step.Action is RunAction || descriptor is not null;
        // A 'uses: approval' step is nothing but a gate: its own approvers, min_approvals and timeout are the point.
        var approvalStep = descriptor?.Name == "approval";
        if (step.Approval is { } approval && !step.Mutates && mutationKnown && !approvalStep)
        {
            _diagnostics.Add(Descriptors.ApprovalOnReadOnlyStep, approval.Span,
                $"step '{step.Id}' does not mutate, so its approval gate only slows the run",
                "remove the approval, or set 'mutates: true' if the step does change something");
        }

        // Approvers are asked one question: an approval step that words it twice shows them two and leaves them guessing.
        if (approvalStep && step.Approval is { Message: not null } gate && step.Action is UsesAction uses && uses.Find("message") is { } message)
        {
            _diagnostics.Add(Descriptors.ApprovalStepAskedTwice, message.Span,
                $"approval step '{step.Id}' has a message in 'with:' and another in 'approval:'; approvers are asked one question, so it is written once",
                "keep one: the message in 'approval:' (beside its approvers), or the one in 'with:'");
        }
    }

    /// <summary>
    /// A rollback runs after something failed, unattended: it may not be what cannot be undone (an irreversible
    /// action such as postgres.restore, or FLUSHALL through redis.command), and it obeys its action's command rule.
    /// </summary>
    private void CheckRollbackSafety(Step step, Compensation rollback, ActionDescriptor? descriptor)
    {
        CheckCommandRule(step, rollback.Action, descriptor, inRollback: true);
        if (descriptor is { Irreversible: true })
        {
            _diagnostics.Add(Descriptors.IrreversibleRollback, rollback.Action.Span,
                $"the rollback of step '{step.Id}' is '{descriptor.Name}', which cannot be undone, and a rollback runs with no one asked",
                $"make '{descriptor.Name}' its own step with an approval, and give step '{step.Id}' a rollback that undoes exactly what it did");
        }
    }
}
