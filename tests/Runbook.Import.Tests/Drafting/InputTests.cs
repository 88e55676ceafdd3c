using Runbook.Import.Tests.Support;

namespace Runbook.Import.Tests.Drafting;

public sealed class InputTests
{
    [Theory]
    [InlineData("curl -X POST https://hooks.example.com/notify -d \"sev=$SEVERITY\"", "severity", "$SEVERITY")]
    [InlineData("curl -X POST https://hooks.example.com/notify -d \"sev=${SEVERITY}\"", "severity", "${SEVERITY}")]
    [InlineData("echo 'deploying {{service}}' >> /tmp/log", "service", "{{service}}")]
    [InlineData("redis-cli DEL rate_limit:user:USER_ID", "user_id", "USER_ID")]
    [InlineData("helm rollback api <previous-revision>", "previous_revision", "<previous-revision>")]
    public void A_placeholder_becomes_a_required_input_that_the_command_reads(string command, string input, string token)
    {
        // Act
        var draft = Drafts.Single($"## Do\n\n```bash\n{command}\n```\n");

        // Assert
        Assert.Equal(("string", null), Drafts.Input(draft, input));
        var step = Assert.Single(Drafts.Steps(draft));
        Assert.Contains("${{ inputs." + input + " }}", step.Run, StringComparison.Ordinal);
        Assert.DoesNotContain(token, step.Run, StringComparison.Ordinal);
        Assert.Contains(draft.Summary.Inputs, i => i.Name == input && i.Origin.Contains(token, StringComparison.Ordinal));
        Assert.False(Drafts.Load(draft).HasErrors, string.Join("\n", Drafts.Load(draft).Diagnostics));
    }

    [Fact]
    public void A_placeholder_given_as_a_count_is_a_number_input()
    {
        // Act
        var draft = Drafts.Single("## Do\n\n```bash\nfly scale count --replicas REPLICA_COUNT\n```\n");

        // Assert
        Assert.Equal(("number", null), Drafts.Input(draft, "replica_count"));
    }

    [Fact]
    public void A_variable_the_block_sets_itself_is_not_a_placeholder()
    {
        // Act
        var draft = Drafts.Single("## Backup\n\n```bash\nBACKUP_FILE=/backups/db.sql\npg_dump mydb > $BACKUP_FILE\n```\n");

        // Assert
        Assert.DoesNotContain("backup_file", Drafts.InputNames(draft));
        Assert.Contains("$BACKUP_FILE", Assert.Single(Drafts.Steps(draft)).Run, StringComparison.Ordinal);
    }

    [Fact]
    public void A_credential_from_the_environment_becomes_a_secret_input_read_from_that_variable()
    {
        // Act
        var draft = Drafts.Single("## Do\n\n```bash\npsql $DATABASE_URL -c \"SELECT 1\"\n```\n");

        // Assert
        Assert.Equal(("secret", null), Drafts.Input(draft, "database_url"));
        Assert.Contains("from: \"env:DATABASE_URL\"", draft.Yaml, StringComparison.Ordinal);
    }

    [Fact]
    public void A_literal_host_becomes_an_input_with_the_literal_as_its_default()
    {
        // Act
        var draft = Drafts.Single("## Check\n\n```bash\ncurl https://api.example.com/health/ready\n```\n");

        // Assert
        Assert.Equal(("string", "api.example.com"), Drafts.Input(draft, "host"));
        Assert.Equal("curl https://${{ inputs.host }}/health/ready", Assert.Single(Drafts.Steps(draft)).Run);
    }

    [Fact]
    public void Literal_cluster_and_service_names_become_inputs_with_the_literal_as_default_and_the_same_literal_is_one_input()
    {
        // Act
        var draft = Drafts.Single("""
            ## Scale

            ```bash
            aws ecs update-service --cluster prod --service backend --desired-count 6
            aws ecs describe-tasks --cluster prod --tasks abc
            kubectl rollout restart deployment/backend
            ```
            """);

        // Assert
        Assert.Equal(("string", "backend"), Drafts.Input(draft, "service"));
        Assert.Equal(("number", "6"), Drafts.Input(draft, "replicas"));
        Assert.Equal(("string", "prod"), Drafts.Input(draft, "cluster"));
        Assert.Equal(1, Drafts.InputNames(draft).Count(n => n.StartsWith("service", StringComparison.Ordinal)));
        Assert.Contains(draft.Summary.PlatformSettings, s => s == "aws cluster: prod");
    }
}
