using System.Collections.Immutable;
using Runbook.Execution.Approvals;
using Runbook.Execution.Engine;
using Runbook.Execution.Journal;
using Runbook.Execution.Tests.Support;

namespace Runbook.Execution.Tests.Engine;

/// <summary>A <c>uses: approval</c> step with its own <c>approval:</c>: the run waits for those approvers, that many.</summary>
public sealed class ApprovalStepGateTests
{
    [Fact]
    public async Task An_approval_step_with_its_own_approvers_opens_only_for_enough_of_them()
    {
        var request = new FakeAction("http.request");
        await using var harness = new ExecutorHarness(request)
        {
            Directory = new ApproverDirectory(ImmutableDictionary<string, ImmutableArray<string>>.Empty.Add("sre_leads", ["bob", "carol"])),
        };
        var playbook = harness.Load("""
            apiVersion: runbook/v1
            kind: Playbook
            name: p
            phases:
              mitigate:
                - id: go_ahead
                  uses: approval
                  approval: { approvers: [sre_leads], min_approvals: 2 }
                - id: change
                  uses: http.request
                  with: { url: change }
                  rollback: { uses: http.request, with: { url: undo } }
            """);
        var paused = await Executor.StartAsync(await harness.ServicesAsync(), ExecutorHarness.Request(playbook));
        var journal = await harness.JournalAsync();
        var hash = (await harness.StateAsync(paused.RunId)).ApprovalsRequested["go_ahead"].Hash;

        foreach (var who in new[] { "mallory", "bob" })
        {
            await journal.AppendAsync(paused.RunId, JournalEventKind.ApprovalDecided, "go_ahead", $$"""{"decision":"approved","by":"{{who}}","hash":"{{hash}}"}""");
        }

        var notYet = await Executor.ResumeAsync(await harness.ServicesAsync(), ExecutorHarness.Request(playbook), await harness.StateAsync(paused.RunId));
        await journal.AppendAsync(paused.RunId, JournalEventKind.ApprovalDecided, "go_ahead", $$"""{"decision":"approved","by":"carol","hash":"{{hash}}"}""");
        var done = await Executor.ResumeAsync(await harness.ServicesAsync(), ExecutorHarness.Request(playbook), await harness.StateAsync(paused.RunId));

        Assert.Equal(RunStatus.AwaitingApproval, paused.Status);
        Assert.Equal(RunStatus.AwaitingApproval, notYet.Status);
        Assert.Equal(RunStatus.Succeeded, done.Status);
        Assert.Single(request.Calls);
        Assert.Equal(["bob", "carol"], (IEnumerable<object?>)(await harness.StateAsync(paused.RunId)).Step("go_ahead").Outputs["approvers"]!);
    }
}
