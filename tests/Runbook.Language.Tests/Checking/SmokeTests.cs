using Runbook.Language.Actions;

namespace Runbook.Language.Tests.Checking;

public sealed class SmokeTests
{
    [Fact]
    public void The_high_error_rate_playbook_loads_without_diagnostics()
    {
        var path = Path.Combine(TestPaths.RepoRoot, "playbooks", "high-error-rate.yaml");
        var loaded = PlaybookLoader.LoadFile(path, ActionCatalog.Create([]));
        Assert.Empty(loaded.Diagnostics.Select(d => d.ToString()));
        Assert.True(loaded.IsValid);
        Assert.Equal(["status", "health", "logs", "history", "announce", "rollback", "wait_rollout", "verify"],
            loaded.Graph!.ExecutionOrder.Select(s => s.Id));
    }
}
