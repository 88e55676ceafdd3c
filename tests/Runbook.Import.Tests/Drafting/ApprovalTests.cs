using Runbook.Import.Tests.Support;

namespace Runbook.Import.Tests.Drafting;

public sealed class ApprovalTests
{
    [Theory]
    [InlineData("psql -c \"DELETE FROM sessions WHERE created_at < now() - interval '30 days'\"", "DELETE")]
    [InlineData("curl -X DELETE https://api.example.com/v1/cache", "DELETE")]
    [InlineData("redis-cli FLUSHDB", "FLUSHDB")]
    [InlineData("docker-compose exec redis redis-cli FLUSHALL", "FLUSHALL")]
    [InlineData("psql -c \"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE state = 'idle'\"", "pg_terminate_backend")]
    [InlineData("kubectl scale deployment api --replicas=0", "zero")]
    [InlineData("aws ecs update-service --cluster prod --service api --desired-count 0", "zero")]
    [InlineData("pg_restore -d mydb /backups/latest.dump", "restore")]
    [InlineData("psql mydb < /backups/latest.sql", "restore")]
    public void A_destructive_command_waits_for_an_approval(string command, string reason)
    {
        // Act
        var draft = Drafts.Single($"## Fix\n\n```bash\n# Do the dangerous thing\n{command}\n```\n");

        // Assert
        var step = Assert.Single(Drafts.Steps(draft));
        Assert.True(step.HasApproval);
        var approval = Assert.Single(draft.Summary.Approvals);
        Assert.Equal(step.Id, approval.StepId);
        Assert.Contains(reason, approval.Reason, StringComparison.OrdinalIgnoreCase);
        Assert.False(Drafts.Load(draft).HasErrors, string.Join("\n", Drafts.Load(draft).Diagnostics));
    }

    [Theory]
    [InlineData("kubectl scale deployment api --replicas=3")]
    [InlineData("psql -c \"SELECT count(*) FROM pg_stat_activity\"")]
    [InlineData("redis-cli INFO memory")]
    public void A_command_that_destroys_nothing_gets_no_approval(string command)
    {
        // Act
        var draft = Drafts.Single($"## Fix\n\n```bash\n{command}\n```\n");

        // Assert
        Assert.False(Assert.Single(Drafts.Steps(draft)).HasApproval);
        Assert.Empty(draft.Summary.Approvals);
    }
}
