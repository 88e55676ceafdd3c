using System.Text;
using Runbook.Language.Planning;

namespace Runbook.Cli.Rendering;

/// <summary>The plan as a pull-request comment: summary, Mermaid graph, steps, gates and the rollback plan.</summary>
internal static class PlanMarkdown
{
    public static string Render(Plan plan)
    {
        var md = new StringBuilder();
        md.Append($"## Plan: `{plan.Playbook}` on `{plan.Provider}`\n\n");
        if (plan.Description is { } description)
        {
            md.Append("> ").Append(description.ReplaceLineEndings(" ")).Append("\n\n");
        }

        md.Append(plan.Severity is null ? string.Empty : $"**Severity** {plan.Severity} · ")
            .Append($"**{plan.Steps.Length} steps** · **{plan.MutatingSteps} mutating** · **{plan.ApprovalGates} approval gate{(plan.ApprovalGates == 1 ? string.Empty : "s")}** · ")
            .Append($"`{plan.Path}`\n\n");

        if (!plan.Inputs.IsEmpty)
        {
            md.Append("### Inputs\n\n| input | type | value | from |\n|---|---|---|---|\n");
            foreach (var input in plan.Inputs)
            {
                md.Append($"| `{input.Name}` | {input.Type} | {Cell(input.Value)} | {input.Origin} |\n");
            }

            md.Append('\n');
        }

        md.Append("### Graph\n\n```mermaid\n").Append(plan.Mermaid).Append("```\n\n");
        md.Append("### Steps\n\n| # | phase | step | action | what it does | kind |\n|---|---|---|---|---|---|\n");
        foreach (var step in plan.Steps)
        {
            var what = Cell(step.Summary);
            if (step.ConditionText is not null)
            {
                what += $"<br>if `{Cell(step.ConditionText)}` → {PlanText.Condition(step.Condition)}";
            }

            var kind = PlanText.Kind(step) + (step.Approval is null ? string.Empty : " · 🔒 approval");
            md.Append($"| {step.Order} | {step.Phase}{(step.Parallel ? " ∥" : string.Empty)} | `{step.Id}` {Cell(step.Name == step.Id ? string.Empty : step.Name)} | `{step.Action}` | {what} | {kind} |\n");
        }

        md.Append('\n');
        var gates = plan.Steps.Where(s => s.Approval is not null).ToList();
        if (gates.Count > 0)
        {
            md.Append("### Approval gates\n\n");
            foreach (var step in gates)
            {
                var approval = step.Approval!;
                md.Append($"- **`{step.Id}`** needs {PlanText.Approvers(approval)}");
                md.Append(approval.Message is null ? string.Empty : $": “{Cell(approval.Message)}”").Append('\n');
            }

            md.Append('\n');
        }

        md.Append("### Rollback plan\n\n");
        if (plan.RollbackPlan.IsEmpty)
        {
            md.Append("No step has a rollback.\n");
        }
        else
        {
            md.Append("If a step fails, the completed steps below are undone in this order:\n\n");
            var n = 1;
            foreach (var rollback in plan.RollbackPlan)
            {
                md.Append($"{n++}. `{rollback.StepId}` → `{rollback.Action}`: {Cell(rollback.Summary)}\n");
            }
        }

        md.Append($"\n<sub>playbook {plan.Hashes.Playbook} · inputs {plan.Hashes.Inputs}</sub>\n");
        return md.ToString();
    }

    private static string Cell(string text) =>
        text.ReplaceLineEndings("<br>").Replace("|", "\\|", StringComparison.Ordinal);
}
