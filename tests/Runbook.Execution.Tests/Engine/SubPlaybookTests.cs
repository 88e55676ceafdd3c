using Runbook.Execution.Actions;
using Runbook.Execution.Journal;
using Runbook.Execution.Tests.Support;

namespace Runbook.Execution.Tests.Engine;

public sealed class SubPlaybookTests
{
    [Fact]
    public async Task A_sub_playbook_returns_its_outputs_and_its_rollbacks_join_the_parents()
    {
        var calls = new List<string>();
        var request = new FakeAction("http.request", i =>
        {
            lock (calls)
            {
                calls.Add(i.GetString("url")!);
            }

            return i.GetString("url") == "boom" ? StepOutcome.Failure("down", retryable: false) : StepOutcome.Success(new Dictionary<string, object?> { ["status"] = 201L });
        });
        await using var harness = new ExecutorHarness(request);
        var child = harness.Load("""
            apiVersion: runbook/v1
            kind: Playbook
            name: child
            inputs:
              target: { type: string }
            phases:
              mitigate:
                - id: scale
                  uses: http.request
                  with: { url: "scale-${{ inputs.target }}" }
                  rollback: { uses: http.request, with: { url: "unscale-${{ inputs.target }}" } }
            """);

        var result = await harness.RunAsync($$$"""
            apiVersion: runbook/v1
            kind: Playbook
            name: parent
            phases:
              mitigate:
                - id: sub
                  uses: playbook.run
                  with: { path: "{{{Path.GetFileName(child.Path)}}}", inputs: { target: api } }
                - id: report
                  uses: http.request
                  with: { url: "status-${{ steps.sub.outputs.outputs.scale.status }}" }
                  rollback: { uses: http.request, with: { url: undo-report } }
                - id: fail
                  uses: http.request
                  with: { url: boom }
            """);

        Assert.Equal(RunStatus.RolledBack, result.Status);
        Assert.Equal(["scale-api", "status-201", "boom", "undo-report", "unscale-api"], calls);
    }
}
