using System.Text;
using Runbook.Import.Tests.Support;

namespace Runbook.Import.Tests.Drafting;

public sealed class StructureTests
{
    private const string Flow = """
        # Payments runbook

        ## Incident Response

        How we handle payment outages.

        ### Step 1: Assess & Triage

        ```bash
        # Check health
        curl https://pay.example.com/health
        # Restart workers
        kubectl rollout restart deployment/workers
        ```

        ### Step 2: Communicate

        ```bash
        # Post initial status
        # Message template:
        # 🚨 INCIDENT: [Brief description]
        # Impact: [What's affected]
        ```

        ### Step 3: Mitigate

        ```bash
        # Kill idle connections
        psql -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE state = 'idle'"
        ```

        ### Step 4: Verify

        ```bash
        curl https://pay.example.com/health
        ```

        ## Clear cache

        ```bash
        docker-compose exec redis redis-cli FLUSHDB
        ```

        ## Architecture

        ```yaml
        apiVersion: apps/v1
        ```
        """;

    [Fact]
    public void Sections_with_commands_become_playbooks_and_sections_without_them_do_not()
    {
        // Act
        var result = Drafts.Import(Flow);

        // Assert
        Assert.Equal(["incident-response.yaml", "clear-cache.yaml"], result.Drafts.Select(d => d.FileName));
        Assert.Equal([5, 1], result.Drafts.Select(d => d.Summary.Steps));
    }

    [Fact]
    public void Headings_that_name_the_incident_flow_become_phases_and_prose_becomes_the_description()
    {
        // Act
        var draft = Drafts.Import(Flow).Drafts[0];

        // Assert
        var steps = Drafts.Steps(draft);
        Assert.Equal(["assess", "communicate", "mitigate", "mitigate", "resolve"], steps.Select(s => s.Phase));
        Assert.StartsWith("How we handle payment outages.", ((YamlDotNet.RepresentationModel.YamlScalarNode)Drafts.Root(draft)["description"]).Value, StringComparison.Ordinal);
    }

    [Fact]
    public void A_command_that_changes_things_in_a_read_only_phase_moves_to_mitigate_with_a_review_note()
    {
        // Act
        var draft = Drafts.Import(Flow).Drafts[0];

        // Assert
        var restart = Drafts.Steps(draft).Single(s => s.Id == "restart_workers");
        Assert.Equal("mitigate", restart.Phase);
        Assert.Contains(draft.Summary.Review, r => r.StepId == "restart_workers" && r.Text.StartsWith("moved from assess", StringComparison.Ordinal));
    }

    [Fact]
    public void A_message_template_becomes_a_notify_step_whose_bracketed_blanks_are_inputs()
    {
        // Act
        var draft = Drafts.Import(Flow).Drafts[0];

        // Assert
        var notify = Drafts.Steps(draft).Single(s => s.Phase == "communicate");
        Assert.Equal("notify.console", notify.Uses);
        Assert.Equal("Post initial status", notify.Name);
        Assert.Equal("🚨 INCIDENT: ${{ inputs.brief_description }}\nImpact: ${{ inputs.what_s_affected }}", notify.With("text"));
    }

    [Fact]
    public void Configuration_blocks_are_not_imported_and_the_summary_says_so()
    {
        // Act
        var result = Drafts.Import(Flow + "\n## Deploy\n\n```bash\nkubectl apply -f k8s/\n```\n\n```yaml\nkind: Deployment\n```\n");

        // Assert
        var deploy = result.Drafts.Single(d => d.Name == "deploy");
        Assert.Contains(deploy.Summary.Review, r => r.StepId is null && r.Text.Contains("a yaml block", StringComparison.Ordinal));
    }

    [Fact]
    public void The_same_markdown_gives_the_same_bytes_every_time()
    {
        // Act
        var first = Drafts.Import(Flow);
        var second = Drafts.Import(Encoding.UTF8.GetBytes(Flow));

        // Assert
        Assert.Equal(first.Drafts.Select(d => d.Yaml), second.Drafts.Select(d => d.Yaml));
    }

    [Fact]
    public void Every_draft_validates_with_no_errors()
    {
        // Act
        var result = Drafts.Import(Flow);

        // Assert
        Assert.All(result.Drafts, d => Assert.False(Drafts.Load(d).HasErrors, string.Join("\n", Drafts.Load(d).Diagnostics)));
    }
}
