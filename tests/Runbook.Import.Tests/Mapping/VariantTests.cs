using Runbook.Import.Tests.Support;

namespace Runbook.Import.Tests.Mapping;

public sealed class VariantTests
{
    private const string Rollback = """
        ## Roll back

        ```bash
        # Rollback if recent deployment
        # AWS ECS
        aws ecs update-service --cluster prod --service backend --task-definition backend:PREVIOUS_VERSION

        # Azure
        az containerapp revision list --name backend --resource-group rg
        az containerapp revision activate --name backend --resource-group rg --revision <previous-revision>

        # GCP
        gcloud run services update-traffic backend --to-revisions=<previous-revision>=100 --region us-central1
        ```
        """;

    [Fact]
    public void Cloud_variants_of_one_operation_become_one_provider_neutral_step()
    {
        // Act
        var draft = Drafts.Single(Rollback);

        // Assert
        var step = Assert.Single(Drafts.Steps(draft));
        Assert.Equal("service.rollback", step.Uses);
        Assert.Null(step.If);
        Assert.Equal(4, draft.Summary.Mapped.Length);
        Assert.Contains(draft.Summary.Mapped, m => m.Action == "service.history" && m.Note!.Contains("subsumed", StringComparison.Ordinal));
        Assert.Contains(draft.Summary.Review, r => r.Text.Contains("variants differ", StringComparison.Ordinal));
        Assert.False(Drafts.Load(draft).HasErrors);
    }

    [Fact]
    public void Variants_that_are_not_one_action_become_one_step_per_provider_each_guarded_by_its_provider()
    {
        // Act
        var draft = Drafts.Single("""
            ## Check the database

            ```bash
            # Check database
            # AWS
            aws rds describe-db-instances --db-instance-identifier db
            # Azure
            az postgres flexible-server show --name db --resource-group rg
            ```
            """);

        // Assert
        var steps = Drafts.Steps(draft);
        Assert.Equal(2, steps.Count);
        Assert.Equal("${{ run.provider == 'aws' }}", steps[0].If);
        Assert.Equal("${{ run.provider == 'azure' }}", steps[1].If);
        Assert.All(steps, s => Assert.Equal("assess", s.Phase));
        Assert.False(Drafts.Load(draft).HasErrors, string.Join("\n", Drafts.Load(draft).Diagnostics));
    }

    [Fact]
    public void A_provider_hint_keeps_only_that_providers_variant_and_lists_the_others_as_left_out()
    {
        // Act
        var draft = Drafts.Single(Rollback, hint: "gcp");

        // Assert
        var step = Assert.Single(Drafts.Steps(draft));
        Assert.Equal("service.rollback", step.Uses);
        Assert.Null(step.If);
        Assert.Equal(3, draft.Summary.Review.Count(r => r.Text.StartsWith("left out", StringComparison.Ordinal)));
    }
}
