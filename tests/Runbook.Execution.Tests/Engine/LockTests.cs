using Runbook.Execution.Actions;
using Runbook.Execution.Journal;
using Runbook.Execution.Tests.Support;

namespace Runbook.Execution.Tests.Engine;

public sealed class LockTests
{
    private const string Scale = """
        apiVersion: runbook/v1
        kind: Playbook
        name: scale
        inputs:
          service: { type: string, default: api }
        phases:
          mitigate:
            - id: up
              uses: service.scale
              with: { service: "${{ inputs.service }}", replicas: 5 }
              rollback: { uses: service.scale, with: { service: "${{ inputs.service }}", replicas: 2 } }
        """;

    [Fact]
    public async Task A_run_does_not_start_while_another_run_holds_its_target_and_releases_its_own_at_the_end()
    {
        var scale = new FakeAction("service.scale");
        await using var harness = new ExecutorHarness(scale);
        var journal = await harness.JournalAsync();
        await journal.TryAcquireLeaseAsync("compose/api", "someone-else", TimeSpan.FromMinutes(2));

        var blocked = await harness.RunAsync(Scale);
        await journal.ReleaseLeaseAsync("compose/api", "someone-else");
        var free = await harness.RunAsync(Scale);

        Assert.Equal(RunStatus.Failed, blocked.Status);
        Assert.Contains("target compose/api is locked by run someone-else", blocked.Summary, StringComparison.Ordinal);
        Assert.Single(scale.Calls);
        Assert.Equal(RunStatus.Succeeded, free.Status);
        Assert.Empty(await journal.ListLeasesAsync());
    }
}
