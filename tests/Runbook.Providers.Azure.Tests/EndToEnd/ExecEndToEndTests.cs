using System.Text.Json;
using System.Text.RegularExpressions;
using Runbook.Providers.Tests;
using Runbook.Tests;

namespace Runbook.Providers.Azure.Tests.EndToEnd;

/// <summary>
/// `runbook plan` and `runbook exec` on the azure provider against the ARM test server, from the JIT build and from
/// the native binary, with the credential the binary finds itself: the environment's service principal, whose
/// token comes from the Entra ID stand-in over HTTPS (so the credential path, TLS trust through SSL_CERT_FILE and
/// the ARM pipeline all run inside the binary).
/// </summary>
public sealed partial class ExecEndToEndTests
{
    public static TheoryData<string> Targets() => RunbookBinary.Targets();

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task A_dry_run_sends_no_mutating_request_then_exec_scales_and_the_failure_scales_back(string target)
    {
        await using var world = await AzureWorld.StartAsync();
        world.Server.SeedApp(world.Group, "web", "registry.example/web:1", minReplicas: 2, maxReplicas: 2);
        world.Write("playbook.yaml", ProviderPlaybooks.ScaleThenFail);
        world.Write("runbook.yaml", "environments:\n  prod:\n    provider: azure\n    services:\n      backend: web\n");

        var dryRun = world.Run(target, world.Environment(), "exec", "playbook.yaml", "--env", "prod", "--dry-run", "--journal", "j.db");
        var mutatingAfterDryRun = world.Server.MutatingRequests;
        var readsInDryRun = world.Server.Requests.Count(r => r.StartsWith("GET ", StringComparison.Ordinal));
        var exec = world.Run(target, world.Environment(), "exec", "playbook.yaml", "--env", "prod", "--journal", "j.db");
        var runId = RunId().Match(exec.Out).Groups[1].Value;
        var show = world.Run(target, world.Environment(), "show", runId, "--journal", "j.db", "--format", "json");

        Assert.True(dryRun.ExitCode == 1, dryRun.Out); // the read-only verify step runs in a dry run too, and fails
        Assert.Contains("→ 3", dryRun.Out, StringComparison.Ordinal);
        Assert.True(readsInDryRun > 0, "the dry run read the app's state from ARM");
        Assert.Equal(0, mutatingAfterDryRun);
        Assert.True(exec.ExitCode == 1, exec.Out);
        Assert.Contains("rolled back: scale", exec.Out, StringComparison.Ordinal);
        var app = world.Server.App(world.Group, "web");
        Assert.Equal((2, 2), (app.MinReplicas, app.MaxReplicas));
        Assert.Equal(2, world.Server.Requests.Count(r => r.StartsWith("PATCH ", StringComparison.Ordinal))); // the scale and its compensation
        Assert.Contains(world.Identity.Tokens, t => t.Principal == "sp:" + AzureWorld.ClientId); // the binary's own credential got the token
        using var journal = JsonDocument.Parse(show.Out);
        var scaled = journal.RootElement.GetProperty("events").EnumerateArray()
            .Single(e => e.GetProperty("kind").GetString() == "StepSucceeded" && e.GetProperty("step").GetString() == "scale");
        Assert.Equal(2, scaled.GetProperty("data").GetProperty("outputs").GetProperty("previous_replicas").GetInt64());
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Plan_of_high_error_rate_with_provider_azure_names_the_ARM_operations_and_calls_nothing(string target)
    {
        await using var world = await AzureWorld.StartAsync();
        var playbook = Path.Combine(RunbookBinary.RepoRoot(), "playbooks", "high-error-rate.yaml");

        var plan = world.Run(target, world.Environment(), "plan", playbook, "--provider", "azure");

        Assert.True(plan.ExitCode == 0, plan.Out);
        Assert.Contains("GET containerApps/backend", plan.Out, StringComparison.Ordinal);
        Assert.Contains("containerApps/backend/revisions", plan.Out, StringComparison.Ordinal);
        Assert.Contains("activate", plan.Out, StringComparison.Ordinal);
        Assert.Empty(world.Server.Requests);
        Assert.Empty(world.Identity.Requests);
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task High_error_rate_with_provider_azure_rolls_back_the_bad_revision_after_a_second_persons_approval(string target)
    {
        await using var world = await AzureWorld.StartAsync();
        await using var web = await LocalHttp.StartAsync();
        world.Server.SeedApp(world.Group, "backend", "registry.example/backend:1", minReplicas: 1, maxReplicas: 3, multipleRevisions: true);
        var good = world.Server.App(world.Group, "backend").LatestReadyRevision;
        // The bad release: Container Apps provisions it and finds it healthy; its users get the 5xx the alert is about.
        world.Write("release.yaml", """
            apiVersion: runbook/v1
            kind: Playbook
            name: release
            phases:
              mitigate:
                - id: deploy
                  uses: service.deploy
                  with: { service: backend, image: "registry.example/backend:2" }
                - id: rollout
                  uses: service.wait
                  with: { service: backend, timeout: 60s }
            """);
        world.Write("runbook.yaml", "approvers:\n  groups:\n    sre-leads: [bob]\n");
        var environment = world.Environment(("SLACK_WEBHOOK_URL", web.Url + "slack"));
        var released = world.Run(target, environment, "exec", "release.yaml", "--provider", "azure", "--journal", "r.db");
        var snapshotAfterRelease = world.Server.App(world.Group, "backend");
        var bad = snapshotAfterRelease.LatestRevision;
        var mutatingBeforeIncident = world.Server.MutatingRequests;
        var playbook = Path.Combine(RunbookBinary.RepoRoot(), "playbooks", "high-error-rate.yaml");

        var started = world.Run(target, environment, "exec", playbook, "--provider", "azure", "--input", $"health_url={web.Url}health", "--journal", "j.db");
        var runId = RunId().Match(started.Out).Groups[1].Value;
        var mutatingBeforeApproval = world.Server.MutatingRequests;
        var approved = world.Run(target, environment, "approve", runId, "rollback", "--as", "bob", "--journal", "j.db");
        var resumed = world.Run(target, environment, "resume", runId, "--journal", "j.db");

        Assert.True(released.ExitCode == 0, released.Out);
        Assert.NotEqual(good, bad);
        Assert.Equal(new Dictionary<string, int> { [bad] = 100 }, snapshotAfterRelease.Traffic);
        Assert.True(started.ExitCode == 3, started.Out); // waiting for the approval
        Assert.Equal(mutatingBeforeIncident, mutatingBeforeApproval); // nothing changed before bob approved
        Assert.True(approved.ExitCode == 0, approved.Out);
        Assert.True(resumed.ExitCode == 0, resumed.Out);
        Assert.Contains("✔ rollback", resumed.Out, StringComparison.Ordinal);
        Assert.Contains("✔ wait_rollout", resumed.Out, StringComparison.Ordinal);
        Assert.Contains("✔ verify", resumed.Out, StringComparison.Ordinal);
        var after = world.Server.App(world.Group, "backend");
        Assert.Equal(new Dictionary<string, int> { [good!] = 100 }, after.Traffic);
        Assert.True(world.Server.MutatingRequests > mutatingBeforeApproval, "the rollback wrote to ARM once bob had approved");
        Assert.Contains(web.Requests, r => r.StartsWith("POST /slack", StringComparison.Ordinal) && r.Contains(bad, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task A_revision_that_fails_to_provision_fails_its_step_with_ARMs_error_and_compensation_restores_the_first_image(string target)
    {
        await using var world = await AzureWorld.StartAsync();
        world.Server.SeedApp(world.Group, "web", "registry.example/web:1", minReplicas: 1, maxReplicas: 2);
        world.Server.MarkImageBad("registry.example/web:3");
        world.Write("deploy.yaml", """
            apiVersion: runbook/v1
            kind: Playbook
            name: deploy-web
            phases:
              mitigate:
                - id: deploy
                  uses: service.deploy
                  with: { service: web, image: "registry.example/web:2" }
                  rollback:
                    uses: service.rollback
                    with: { service: web, to: "${{ steps.deploy.outputs.previous_revision }}" }
                - id: rollout
                  uses: service.wait
                  with: { service: web, timeout: 60s }
                - id: hotfix
                  uses: service.deploy
                  with: { service: web, image: "registry.example/web:3" }
            """);
        world.Write("runbook.yaml", "environments:\n  prod:\n    provider: azure\n");

        var exec = world.Run(target, world.Environment(), "exec", "deploy.yaml", "--env", "prod", "--journal", "j.db");

        Assert.True(exec.ExitCode == 1, exec.Out);
        Assert.Contains("✖ hotfix failed", exec.Out, StringComparison.Ordinal);
        Assert.Contains("ended Failed: ContainerAppOperationError", exec.Out, StringComparison.Ordinal); // ARM's words, not a timeout
        Assert.Contains("rolled back: deploy", exec.Out, StringComparison.Ordinal);
        await world.Server.WaitForStableAsync(world.Group, "web", TimeSpan.FromSeconds(30));
        Assert.Equal("registry.example/web:1", world.Server.App(world.Group, "web").Image);
    }

    [GeneratedRegex(@"run (\d{8}-\d{6}-[0-9a-f]{6})")]
    private static partial Regex RunId();
}
