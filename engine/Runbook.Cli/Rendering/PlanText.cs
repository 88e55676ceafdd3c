using System.Text;
using Runbook.Language.Planning;

namespace Runbook.Cli.Rendering;

/// <summary>The plan for a terminal: one block per step, in execution order.</summary>
internal static class PlanText
{
    public static string Render(Plan plan)
    {
        var text = new StringBuilder();
        text.Append($"Plan: {plan.Playbook} on {plan.Provider}").Append(plan.Severity is null ? string.Empty : $" ({plan.Severity})").Append('\n');
        text.Append($"{plan.Steps.Length} steps, {plan.MutatingSteps} mutating, {plan.ApprovalGates} approval gate{(plan.ApprovalGates == 1 ? string.Empty : "s")}\n\n");
        if (!plan.Inputs.IsEmpty)
        {
            text.Append("Inputs:\n");
            foreach (var input in plan.Inputs)
            {
                text.Append($"  {input.Name} = {input.Value}  ({input.Type}, {input.Origin})\n");
            }

            text.Append('\n');
        }

        string? phase = null;
        foreach (var step in plan.Steps)
        {
            if (step.Phase != phase)
            {
                phase = step.Phase;
                text.Append(phase).Append(step.Parallel ? " (parallel)" : string.Empty).Append(":\n");
            }

            text.Append($"  {step.Order,2}. {step.Id}  [{Kind(step)}]  {step.Action}\n");
            text.Append($"      {step.Summary}\n");
            if (step.ConditionText is not null)
            {
                text.Append($"      if {step.ConditionText}  → {Condition(step.Condition)}\n");
            }

            if (step.Approval is { } approval)
            {
                text.Append($"      approval: {Approvers(approval)}").Append(approval.Message is null ? string.Empty : $": \"{approval.Message}\"").Append('\n');
            }

            if (step.Rollback is { } rollback)
            {
                text.Append($"      rollback: {rollback.Action}: {rollback.Summary}\n");
            }
        }

        text.Append('\n');
        if (plan.RollbackPlan.IsEmpty)
        {
            text.Append("Rollback plan: no step has a rollback.\n");
        }
        else
        {
            text.Append("Rollback plan (if a step fails, completed steps are undone in reverse order):\n");
            foreach (var rollback in plan.RollbackPlan)
            {
                text.Append($"  - {rollback.StepId}: {rollback.Action}: {rollback.Summary}\n");
            }
        }

        return text.ToString();
    }

    internal static string Kind(PlannedStep step) =>
        step.Condition == PlannedCondition.Never ? "skipped"
        : step.Irreversible ? "IRREVERSIBLE"
        : step.Mutates ? "mutating"
        : "read-only";

    internal static string Condition(PlannedCondition condition) => condition switch
    {
        PlannedCondition.Never => "false for these inputs: skipped",
        PlannedCondition.Always => "true for these inputs",
        _ => "decided at run time",
    };

    internal static string Approvers(PlannedApproval approval)
    {
        var who = approval.Approvers.IsEmpty ? "anyone but the initiator" : string.Join(", ", approval.Approvers);
        var timeout = approval.Timeout is null ? string.Empty : $", expires after {approval.Timeout}";
        return $"{approval.MinApprovals} of {who}{timeout}";
    }
}
