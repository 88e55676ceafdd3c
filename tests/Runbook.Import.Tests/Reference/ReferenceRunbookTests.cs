using Runbook.Import.Tests.Support;

namespace Runbook.Import.Tests.Reference;

/// <summary>The three real runbooks (and the mis-encoded copy): what each becomes, checked against the pages themselves.</summary>
public sealed class ReferenceRunbookTests
{
    private static ImportResult Import(string file) =>
        Importer.ImportFile(ReferenceRunbooks.Path(file), Drafts.Catalog, new ImportOptions("drafts"));

    private static DraftPlaybook Draft(ImportResult result, string name) => result.Drafts.Single(d => d.Name == name);

    [Theory]
    [InlineData("data-aggregator-production-runbook.md",
        "incident-response:27 deploy-new-version:5 scale-services:7 update-configuration:6 clear-cache:4 database-backups:5 database-recovery:4 cache-optimization:5 rotate-secrets:4")]
    [InlineData("context-engineering-production-deployment.md",
        "docker-compose-simple:4 kubernetes-scalable:6 platform-as-a-service:7 database-backups:9 point-in-time-recovery:2 high-memory-usage:3 ssl-certificate-expiry:2")]
    [InlineData("insurance-lead-gen-operations-guide.md",
        "morning-health-check:19 single-service-failure:5 database-recovery:3 api-service-issues:8 database-issues:6 cache-issues:3 port-forward-commands:5 key-commands:9")]
    public void A_reference_runbook_becomes_one_draft_per_procedure_section_with_a_step_per_command(string file, string expected)
    {
        // Act
        var result = Import(file);

        // Assert
        Assert.Empty(result.Diagnostics);
        Assert.Equal(expected, string.Join(' ', result.Drafts.Select(d => $"{d.Name}:{d.Summary.Steps}")));
        Assert.All(result.Drafts, d => Assert.Equal(d.Summary.Steps, Drafts.Steps(d).Count));
    }

    [Theory]
    [InlineData("data-aggregator-production-runbook.md")]
    [InlineData("data-aggregator-production-runbook.mis-encoded.md")]
    [InlineData("context-engineering-production-deployment.md")]
    [InlineData("insurance-lead-gen-operations-guide.md")]
    public void Every_draft_of_a_reference_runbook_validates_with_no_errors(string file)
    {
        // Act
        var result = Import(file);

        // Assert
        Assert.NotEmpty(result.Drafts);
        Assert.All(result.Drafts, d => Assert.False(Drafts.Load(d).HasErrors, d.FileName + "\n" + string.Join("\n", Drafts.Load(d).Diagnostics)));
    }

    [Fact]
    public void The_three_cloud_rollbacks_of_the_data_aggregator_incident_become_one_neutral_rollback_whose_revision_is_an_input()
    {
        // Act
        var draft = Draft(Import("data-aggregator-production-runbook.md"), "incident-response");

        // Assert
        var rollback = Assert.Single(Drafts.Steps(draft), s => s.Uses == "service.rollback");
        Assert.Equal(("rollback_if_recent_deployment", "mitigate", null), (rollback.Id, rollback.Phase, rollback.If));
        Assert.Equal("${{ inputs.previous_version }}", rollback.With("to"));
        Assert.True(rollback.HasRollback);
        Assert.Equal(("string", null), Drafts.Input(draft, "previous_version"));
        Assert.Contains(draft.Summary.Review, r => r.StepId == rollback.Id && r.Text == "variants differ: to: the gcp variant says '<previous-revision>', the aws one 'PREVIOUS_VERSION'");
        Assert.Contains(draft.Summary.Mapped, m => m.Action == "service.history" && m.Line == 319);
        var scale = Assert.Single(Drafts.Steps(draft), s => s.Uses == "service.scale");
        Assert.Null(scale.If);
        Assert.Equal(("number", "6"), Drafts.Input(draft, "replicas"));
    }

    [Fact]
    public void The_data_aggregator_incident_keeps_its_phases_and_its_message_templates_become_notify_steps()
    {
        // Act
        var draft = Draft(Import("data-aggregator-production-runbook.md"), "incident-response");

        // Assert
        var steps = Drafts.Steps(draft);
        Assert.Equal(["assess", "gather", "communicate", "mitigate", "resolve"], steps.Select(s => s.Phase).Distinct());
        var notify = steps.Where(s => s.Uses == "notify.console").ToList();
        Assert.Equal([("communicate", "Post initial status"), ("resolve", "Update incident channel")], notify.Select(n => (n.Phase, n.Name!)));
        Assert.StartsWith("🚨 INCIDENT: ${{ inputs.brief_description }}\nImpact: ${{ inputs.what_s_affected }}", notify[0].With("text"), StringComparison.Ordinal);
        Assert.Equal(("string", "backend"), Drafts.Input(draft, "service"));
        Assert.Equal(("string", "api.dataaggregator.com"), Drafts.Input(draft, "host"));
    }

    [Fact]
    public void Destructive_steps_of_the_data_aggregator_runbook_wait_for_approval()
    {
        // Act
        var result = Import("data-aggregator-production-runbook.md");

        // Assert
        Assert.Equal(["kill_idle_connections_if_safe", "clear_cache_if_stale"], Draft(result, "incident-response").Summary.Approvals.Select(a => a.StepId));
        Assert.Equal(["clear_all_use_cautiously"], Draft(result, "clear-cache").Summary.Approvals.Select(a => a.StepId));
        Assert.Equal(4, Draft(result, "database-recovery").Summary.Approvals.Length);
        foreach (var approval in result.Drafts.SelectMany(d => d.Summary.Approvals.Select(a => (d, a))))
        {
            Assert.True(Drafts.Steps(approval.d).Single(s => s.Id == approval.a.StepId).HasApproval);
        }

        Assert.Contains("FLUSHDB", Draft(result, "clear-cache").Summary.Approvals[0].Reason, StringComparison.Ordinal);
        Assert.Equal(("string", null), Drafts.Input(Draft(result, "clear-cache"), "user_id"));
    }

    [Fact]
    public void The_insurance_guides_kubectl_restarts_become_service_actions_on_their_deployments()
    {
        // Act
        var draft = Draft(Import("insurance-lead-gen-operations-guide.md"), "single-service-failure");

        // Assert
        Assert.Equal(["service.restart", "service.wait", "service.restart", "service.restart"], draft.Summary.Mapped.Select(m => m.Action));
        Assert.Equal(("string", "api"), Drafts.Input(draft, "service"));
        Assert.Contains("kubernetes namespace: production", draft.Summary.PlatformSettings);
    }

    [Fact]
    public void The_mis_encoded_data_aggregator_runbook_is_repaired_with_a_warning_into_the_drafts_the_original_gives()
    {
        // Act
        var repaired = Import("data-aggregator-production-runbook.mis-encoded.md");
        var original = Import("data-aggregator-production-runbook.md");

        // Assert
        var warning = Assert.Single(repaired.Diagnostics);
        Assert.Equal(("RB0406", 7, 4), (warning.Code, warning.Span.Line, warning.Span.Column));
        Assert.Contains("lines 54, 59, 61, 67, 69, 370", warning.Message, StringComparison.Ordinal);

        // The one character that lost a byte in a draft is the 🎉 of a message (0x8E has no character in Windows-1254).
        Assert.Equal(
            original.Drafts.Select(d => d.Yaml.Replace("🎉", "\uFFFD", StringComparison.Ordinal)),
            repaired.Drafts.Select(d => d.Yaml.Replace("data-aggregator-production-runbook.mis-encoded.md", "data-aggregator-production-runbook.md", StringComparison.Ordinal)));
    }
}
