using System.Text;
using Runbook.Language.Actions;
using Runbook.Language.Diagnostics;
using Runbook.Language.Model;

namespace Runbook.Language.Tests.Checking;

/// <summary>A <c>uses: approval</c> step with an <c>approval:</c> of its own: the gate's approvers are the point of it.</summary>
public sealed class ApprovalStepTests
{
    private static LoadedPlaybook Load(string step, string phase = "mitigate") => PlaybookLoader.Load("p.yaml", Encoding.UTF8.GetBytes($$"""
        apiVersion: runbook/v1
        kind: Playbook
        name: p
        phases:
          {{phase}}:
            - id: go_ahead
              uses: approval
        {{step}}
        """), ActionCatalog.Create([]));

    private static IEnumerable<string> Codes(LoadedPlaybook loaded) => loaded.Diagnostics.Select(d => d.Code);

    [Fact]
    public void An_approval_step_with_its_own_approvers_and_min_approvals_is_accepted_without_a_warning()
    {
        var loaded = Load("      approval: { approvers: [sre_leads], min_approvals: 2, timeout: 30m, message: Promote the replica? }");

        Assert.Empty(loaded.Diagnostics);
        var gate = loaded.Playbook!.FindStep("go_ahead")!.Approval!;
        Assert.Equal(["sre_leads"], gate.Approvers.ToArray());
        Assert.Equal(2, gate.MinApprovals);
    }

    [Fact]
    public void An_approval_step_with_approvers_in_a_read_only_phase_is_accepted_too()
    {
        Assert.Empty(Codes(Load("      approval: { approvers: [sre_leads] }", phase: "assess")));
    }

    [Fact]
    public void An_approval_step_with_a_message_in_with_and_a_message_in_approval_is_refused_at_the_with_message()
    {
        var loaded = Load("      with: { message: Fail over? }\n      approval: { approvers: [sre_leads], message: Promote now? }");

        var error = Assert.Single(loaded.Diagnostics);
        Assert.Equal("RB0328", error.Code);
        Assert.True(error.IsError);
        Assert.Equal(8, error.Span.Start.Line);
    }

    [Fact]
    public void An_approval_step_with_a_message_in_with_and_approvers_in_approval_is_accepted()
    {
        Assert.Empty(Codes(Load("      with: { message: Fail over? }\n      approval: { approvers: [sre_leads], min_approvals: 2 }")));
    }

    [Fact]
    public void Approval_on_any_other_step_that_does_not_mutate_is_still_warned_about()
    {
        var loaded = PlaybookLoader.Load("p.yaml", Encoding.UTF8.GetBytes("""
            apiVersion: runbook/v1
            kind: Playbook
            name: p
            phases:
              mitigate:
                - id: wait
                  uses: wait.sleep
                  with: { duration: 1s }
                  approval: { approvers: [sre_leads] }
            """), ActionCatalog.Create([]));

        Assert.Equal(["RB0304"], Codes(loaded));
    }
}
