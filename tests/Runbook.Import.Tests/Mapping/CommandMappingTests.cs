using Runbook.Import.Tests.Support;

namespace Runbook.Import.Tests.Mapping;

public sealed class CommandMappingTests
{
    private static string Page(string command) => $"# Ops\n\n## Procedure\n\n```bash\n# Do it\n{command}\n```\n";

    public static TheoryData<string, string> Covered => new()
    {
        { "aws ecs update-service --cluster prod --service api --desired-count 4", "service.scale" },
        { "aws ecs update-service --cluster prod --service api --force-new-deployment", "service.restart" },
        { "aws ecs update-service --cluster prod --service api --task-definition api:PREVIOUS_VERSION", "service.rollback" },
        { "az containerapp update --name api --resource-group rg --image registry.example.com/api:2", "service.deploy" },
        { "az containerapp update --name api --resource-group rg --min-replicas 3 --max-replicas 10", "service.scale" },
        { "az containerapp revision activate --name api --resource-group rg --revision <previous-revision>", "service.rollback" },
        { "az containerapp revision restart --name api --resource-group rg --revision api--v2", "service.restart" },
        { "az containerapp logs show --name api --resource-group rg --tail 50", "service.logs" },
        { "gcloud run services update api --max-instances=20 --region us-central1", "service.scale" },
        { "gcloud run services update-traffic api --to-revisions=<previous-revision>=100 --region us-central1", "service.rollback" },
        { "gcloud run services logs read api --region us-central1 --limit 200", "service.logs" },
        { "kubectl rollout restart deployment/api -n production", "service.restart" },
        { "kubectl rollout undo deployment/api -n production", "service.rollback" },
        { "kubectl rollout status deployment/api -n production --timeout=5m", "service.wait" },
        { "kubectl scale deployment api --replicas=5 -n production", "service.scale" },
        { "kubectl logs -l app=api --tail=100 -n production", "service.logs" },
        { "kubectl get events -n production", "kubernetes.events" },
        { "docker-compose logs --tail=200 backend", "service.logs" },
        { "docker compose restart backend", "service.restart" },
        { "docker-compose exec postgres pg_isready", "service.exec" },
    };

    [Theory]
    [MemberData(nameof(Covered))]
    public void A_command_a_provider_action_covers_becomes_that_action_in_a_draft_that_validates(string command, string action)
    {
        // Act
        var draft = Drafts.Single(Page(command));

        // Assert
        var step = Assert.Single(Drafts.Steps(draft));
        Assert.Equal(action, step.Uses);
        Assert.Null(step.Run);
        Assert.False(Drafts.Load(draft).HasErrors, string.Join("\n", Drafts.Load(draft).Diagnostics));
        Assert.Contains(draft.Summary.Mapped, m => m.Action == action && m.Line == 7 && m.Note is null);
    }

    [Theory]
    [InlineData("aws ecs update-service --cluster prod --service api --desired-count 4 --enable-execute-command")]
    [InlineData("kubectl rollout restart statefulset/db -n production")]
    [InlineData("docker-compose logs --tail=200 backend | grep ERROR")]
    [InlineData("kubectl scale deployment api --replicas=$(cat n)")]
    [InlineData("gcloud run services update-traffic api --to-revisions=a=50,b=50")]
    public void A_command_with_anything_the_action_would_not_do_stays_a_run_step_with_a_review_note(string command)
    {
        // Act
        var draft = Drafts.Single(Page(command));

        // Assert
        var step = Assert.Single(Drafts.Steps(draft));
        Assert.Null(step.Uses);
        Assert.NotNull(step.Run);
        Assert.Contains("# review:", draft.Yaml, StringComparison.Ordinal);
        Assert.Contains(draft.Summary.Review, r => r.StepId == step.Id);
        Assert.Empty(draft.Summary.Mapped);
    }

    [Fact]
    public void The_comment_before_a_command_names_its_step_without_its_list_number()
    {
        // Act
        var draft = Drafts.Single("## Fix\n\n```bash\n# 2. Restart the API (safe)\nkubectl rollout restart deployment/api\n```\n");

        // Assert
        var step = Assert.Single(Drafts.Steps(draft));
        Assert.Equal("Restart the API (safe)", step.Name);
        Assert.Equal("restart_the_api_safe", step.Id);
    }

    [Fact]
    public void An_exec_command_keeps_its_words_as_a_list_so_no_shell_reads_them_again()
    {
        // Act
        var draft = Drafts.Single(Page("docker-compose exec postgres psql -U postgres -c \"SELECT count(*) FROM pg_stat_activity;\""));

        // Assert
        var step = Assert.Single(Drafts.Steps(draft));
        Assert.Equal("service.exec", step.Uses);
        Assert.Equal(["psql", "-U", "postgres", "-c", "SELECT count(*) FROM pg_stat_activity;"], step.WithList("command"));
        Assert.Equal("false", step.Scalar("mutates"));
    }

    [Fact]
    public void A_mapped_change_gets_the_rollback_that_undoes_it()
    {
        // Act
        var draft = Drafts.Single(Page("kubectl scale deployment api --replicas=5"));

        // Assert
        var step = Assert.Single(Drafts.Steps(draft));
        Assert.True(step.HasRollback);
        Assert.Contains("${{ steps." + step.Id + ".outputs.previous_replicas }}", draft.Yaml, StringComparison.Ordinal);
    }
}
