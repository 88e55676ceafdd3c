using System.Collections.Immutable;
using System.Diagnostics;
using Runbook.Execution.Actions;
using Runbook.Execution.Providers;
using Runbook.Providers.Azure.Tests.ArmServer;
using Runbook.Providers.Tests;

namespace Runbook.Providers.Azure.Tests.Provider;

/// <summary>The Container Apps verbs, the pipeline's retries and ARM's errors, against the ARM test server (one resource group per test).</summary>
public sealed class ContainerAppsBackendTests(ArmServerFixture fixture) : IClassFixture<ArmServerFixture>
{
    private readonly ContainerAppsTestServer _server = fixture.Server;
    private readonly string _group = ArmServerFixture.NewResourceGroup();
    private readonly ActionsContext _context = new();

    private ContainerAppsBackend Backend(params (string Key, string Value)[] settings) => AzureTarget.Backend(_server, AzureTarget.Settings(_server, _group, settings));

    private Task<StepOutcome> Run(string action, params (string Name, object? Value)[] arguments) =>
        Run(AzureTarget.Actions(_server, AzureTarget.Settings(_server, _group)), action, arguments);

    private Task<StepOutcome> Run(IReadOnlyDictionary<string, IStepAction> actions, string action, params (string Name, object? Value)[] arguments) =>
        actions[action].ExecuteAsync(_context.Invocation(action, arguments.ToDictionary(a => a.Name, a => a.Value)), CancellationToken.None).AsTask();

    private int RequestsMatching(string text) => _server.Requests.Count(r => r.Contains(text, StringComparison.Ordinal));

    [Fact]
    public async Task Describe_reports_the_revision_its_image_the_scale_and_the_active_revisions()
    {
        _server.SeedApp(_group, "web", "registry.example/web:1", minReplicas: 2, maxReplicas: 2);
        await _server.WaitForStableAsync(_group, "web", TimeSpan.FromSeconds(20));

        var state = await Backend().DescribeAsync("web", CancellationToken.None);

        var app = _server.App(_group, "web");
        Assert.Equal(app.LatestRevision, state.Revision);
        Assert.Equal("registry.example/web:1", state.Image);
        Assert.Equal((2, 2, true), (state.Replicas, state.DesiredReplicas, state.Healthy));
        var instance = Assert.Single(state.Instances);
        Assert.Equal(app.LatestRevision, instance.Name);
        Assert.Equal("Healthy", instance.Health);
        Assert.Contains("100% traffic", instance.State, StringComparison.Ordinal);
        Assert.Contains($"latest ready {app.LatestReadyRevision}", state.Progress, StringComparison.Ordinal);
        Assert.All(_server.Requests.Where(r => r.Contains(_group, StringComparison.Ordinal)), r => Assert.Contains("api-version=2026-01-01", r, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Scale_sets_min_and_max_replicas_and_follows_the_operation_to_its_end()
    {
        _server.SeedApp(_group, "web", "registry.example/web:1", minReplicas: 1, maxReplicas: 5);
        var revisions = _server.App(_group, "web").Revisions.Count;

        await Backend().ScaleAsync("web", 4, CancellationToken.None);

        var app = _server.App(_group, "web");
        Assert.Equal((4, 4), (app.MinReplicas, app.MaxReplicas));
        Assert.Equal(revisions, app.Revisions.Count);
        Assert.True(RequestsMatching("PATCH") >= 1);
        Assert.True(_server.Requests.Any(r => r.StartsWith("GET", StringComparison.Ordinal) && r.Contains("/containerappOperationStatuses/", StringComparison.Ordinal)),
            "the write followed ARM's Azure-AsyncOperation: " + string.Join("\n", _server.Requests));
    }

    [Fact]
    public async Task Scale_to_zero_is_refused_with_why_and_sends_nothing()
    {
        _server.SeedApp(_group, "web", "registry.example/web:1");
        var mutating = _server.MutatingRequests;

        var failed = Assert.IsType<Failed>(await Run("service.scale", ("service", "web"), ("replicas", 0L)));

        Assert.Contains("maxReplicas at 1 or more", failed.Error, StringComparison.Ordinal);
        Assert.Equal(mutating, _server.MutatingRequests);
    }

    [Fact]
    public async Task A_429_is_retried_after_the_Retry_After_ARM_asks()
    {
        _server.SeedApp(_group, "web", "registry.example/web:1");
        _server.ThrottleNext(1, TimeSpan.FromSeconds(2));
        var clock = Stopwatch.StartNew();

        var state = await Backend().DescribeAsync("web", CancellationToken.None);

        Assert.Equal("registry.example/web:1", state.Image);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1.9), $"waited {clock.Elapsed} after a 429 with Retry-After: 2");
    }

    [Fact]
    public async Task A_409_Conflict_is_retried_and_the_write_lands()
    {
        _server.SeedApp(_group, "web", "registry.example/web:1");
        _server.ConflictNext(2);

        await Backend().ScaleAsync("web", 2, CancellationToken.None);

        Assert.Equal(2, _server.App(_group, "web").MinReplicas);
    }

    [Fact]
    public async Task A_409_that_outlasts_the_retries_is_a_retryable_conflict_in_ARMs_words()
    {
        _server.SeedApp(_group, "web", "registry.example/web:1");
        _server.ConflictNext(10);

        var failed = Assert.IsType<Failed>(await Run("service.scale", ("service", "web"), ("replicas", 2L)));
        _server.ConflictNext(0); // the conflicts left would meet the next test's writes

        Assert.Equal(4, _server.Requests.Count(r => r.StartsWith("PATCH", StringComparison.Ordinal) && r.Contains(_group, StringComparison.Ordinal)));

        Assert.Contains("409 Conflict", failed.Error, StringComparison.Ordinal);
        Assert.Contains("Conflict", failed.Error, StringComparison.Ordinal);
        Assert.True(failed.Retryable);
    }

    [Fact]
    public async Task A_missing_app_names_the_app_and_the_resource_group()
    {
        _server.SeedApp(_group, "web", "registry.example/web:1");

        var error = await Assert.ThrowsAsync<ProviderException>(() => Backend().DescribeAsync("ghost", CancellationToken.None));

        Assert.Equal(ProviderErrorKind.NotFound, error.Kind);
        Assert.Contains($"container app 'ghost' in resource group '{_group}' not found", error.Message, StringComparison.Ordinal);
        Assert.Contains("ResourceNotFound", error.Message, StringComparison.Ordinal);
        Assert.False(error.Retryable);
    }

    [Fact]
    public async Task A_denied_write_names_the_principal_the_action_and_the_scope_and_is_not_retried()
    {
        _server.SeedApp(_group, "web", "registry.example/web:1");
        _server.AcceptToken("reader-" + _group, "runbook-reader", "Microsoft.App/containerApps/write");

        var error = await Assert.ThrowsAsync<ProviderException>(() =>
            AzureTarget.Backend(_server, AzureTarget.Settings(_server, _group), "reader-" + _group).ScaleAsync("web", 3, CancellationToken.None));

        Assert.Equal(ProviderErrorKind.Forbidden, error.Kind);
        Assert.Contains("AuthorizationFailed", error.Message, StringComparison.Ordinal);
        Assert.Contains("runbook-reader", error.Message, StringComparison.Ordinal);
        Assert.Contains("Microsoft.App/containerApps/write", error.Message, StringComparison.Ordinal);
        Assert.Contains($"/resourceGroups/{_group}/providers/Microsoft.App/containerApps/web", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, _server.Requests.Count(r => r.StartsWith("PATCH", StringComparison.Ordinal) && r.Contains(_group, StringComparison.Ordinal)));
        Assert.Equal(1, _server.App(_group, "web").MinReplicas);
    }

    [Fact]
    public async Task A_token_ARM_does_not_accept_is_a_forbidden_error_that_is_not_retried()
    {
        _server.SeedApp(_group, "web", "registry.example/web:1");

        var error = await Assert.ThrowsAsync<ProviderException>(() =>
            AzureTarget.Backend(_server, AzureTarget.Settings(_server, _group), "not-a-token-the-server-knows").DescribeAsync("web", CancellationToken.None));

        Assert.Equal(ProviderErrorKind.Forbidden, error.Kind);
        Assert.Contains("401", error.Message, StringComparison.Ordinal);
        Assert.False(error.Retryable);
    }

    [Fact]
    public async Task Deploy_makes_a_new_revision_and_outputs_the_old_and_the_new_names()
    {
        _server.SeedApp(_group, "web", "registry.example/web:1");
        await _server.WaitForStableAsync(_group, "web", TimeSpan.FromSeconds(20));
        var first = _server.App(_group, "web").LatestRevision;

        var deploy = Assert.IsType<Succeeded>(await Run("service.deploy", ("service", "web"), ("image", "registry.example/web:2")));

        var app = _server.App(_group, "web");
        Assert.Equal(first, deploy.Outputs["previous_revision"]);
        Assert.Equal(app.LatestRevision, deploy.Outputs["revision"]);
        Assert.NotEqual(first, app.LatestRevision);
        Assert.Equal("registry.example/web:1", deploy.Outputs["previous_image"]);
        Assert.Equal("registry.example/web:2", app.Image);
    }

    [Fact]
    public async Task The_container_setting_chooses_a_container_and_a_missing_one_sends_nothing()
    {
        _server.SeedApp(_group, "web", "registry.example/web:1");
        var writes = _server.MutatingRequests;

        var error = await Assert.ThrowsAsync<ProviderException>(() => Backend(("container", "sidecar")).DeployAsync("web", "x:2", CancellationToken.None));

        Assert.Equal(ProviderErrorKind.NotFound, error.Kind);
        Assert.Contains("no container 'sidecar'", error.Message, StringComparison.Ordinal);
        Assert.Equal(writes, _server.MutatingRequests);
    }

    [Fact]
    public async Task A_deploy_whose_revision_fails_provisioning_fails_with_ARMs_error()
    {
        _server.SeedApp(_group, "web", "registry.example/web:1");
        _server.MarkImageBad("registry.example/web:broken");

        var failed = Assert.IsType<Failed>(await Run("service.deploy", ("service", "web"), ("image", "registry.example/web:broken")));

        Assert.Contains("ended Failed: ContainerAppOperationError: Failed to provision revision for container app 'web'", failed.Error, StringComparison.Ordinal);
        Assert.Contains("registry.example/web:broken", failed.Error, StringComparison.Ordinal);
        Assert.False(failed.Retryable);
    }

    [Fact]
    public async Task A_bad_image_ends_the_wait_at_once_with_ARMs_reason()
    {
        _server.SeedApp(_group, "web", "registry.example/web:1");
        _server.MarkImageBad("registry.example/web:broken");
        await Run("service.deploy", ("service", "web"), ("image", "registry.example/web:broken"));
        var clock = Stopwatch.StartNew();

        var failed = Assert.IsType<Failed>(await Run("service.wait", ("service", "web"), ("timeout", "60s")));

        var bad = _server.App(_group, "web").LatestRevision;
        Assert.Contains($"web cannot be rolled out: revision '{bad}' of container app 'web' in resource group '{_group}' is provisioningState Failed", failed.Error, StringComparison.Ordinal);
        Assert.Contains(_server.App(_group, "web").Revision(bad).ProvisioningError!, failed.Error, StringComparison.Ordinal);
        Assert.False(failed.Retryable);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "the wait ended when ARM failed the revision, not at its timeout");
    }

    [Fact]
    public async Task After_a_failed_revision_the_previous_revision_is_the_one_that_still_serves()
    {
        _server.SeedApp(_group, "web", "registry.example/web:1");
        var good = _server.App(_group, "web").LatestRevision;
        _server.MarkImageBad("registry.example/web:broken");
        await Run("service.deploy", ("service", "web"), ("image", "registry.example/web:broken"));

        var described = Assert.IsType<Succeeded>(await Run("service.describe", ("service", "web")));
        var rollback = Assert.IsType<Succeeded>(await Run("service.rollback", ("service", "web")));
        Assert.IsType<Succeeded>(await Run("service.wait", ("service", "web"), ("timeout", "30s")));

        Assert.Equal(_server.App(_group, "web").Revisions[1].Name, described.Outputs["revision"]);
        Assert.Equal(good, described.Outputs["previous_revision"]);
        Assert.Equal(false, described.Outputs["healthy"]);
        Assert.Equal(described.Outputs["revision"], rollback.Outputs["previous_revision"]);
        Assert.Equal("registry.example/web:1", _server.App(_group, "web").Image);
    }

    [Fact]
    public async Task In_single_revision_mode_a_rollback_reapplies_the_previous_revisions_template_as_a_new_revision()
    {
        _server.SeedApp(_group, "web", "registry.example/web:1");
        await _server.WaitForStableAsync(_group, "web", TimeSpan.FromSeconds(20));
        var first = _server.App(_group, "web").LatestRevision;
        var backend = Backend();
        await backend.DeployAsync("web", "registry.example/web:2", CancellationToken.None);
        await _server.WaitForStableAsync(_group, "web", TimeSpan.FromSeconds(20));
        var second = _server.App(_group, "web").LatestRevision;

        var rollback = Assert.IsType<Succeeded>(await Run("service.rollback", ("service", "web")));
        await _server.WaitForStableAsync(_group, "web", TimeSpan.FromSeconds(20));

        var app = _server.App(_group, "web");
        Assert.Equal(second, rollback.Outputs["previous_revision"]);
        Assert.NotEqual(first, app.LatestRevision);
        Assert.NotEqual(second, app.LatestRevision);
        Assert.Equal("registry.example/web:1", app.Image);
        Assert.Equal(0, RequestsMatching("/activate"));
        var state = await backend.DescribeAsync("web", CancellationToken.None);
        Assert.Equal(("registry.example/web:1", true), (state.Image, state.Healthy));
    }

    [Fact]
    public async Task In_multiple_revision_mode_a_rollback_activates_the_previous_revision_and_gives_it_all_the_traffic()
    {
        _server.SeedApp(_group, "web", "registry.example/web:1", multipleRevisions: true);
        await _server.WaitForStableAsync(_group, "web", TimeSpan.FromSeconds(20));
        var first = _server.App(_group, "web").LatestRevision;
        var backend = Backend();
        await backend.DeployAsync("web", "registry.example/web:2", CancellationToken.None);
        await _server.WaitForStableAsync(_group, "web", TimeSpan.FromSeconds(20));
        var second = _server.App(_group, "web").LatestRevision;

        await backend.RollbackAsync("web", null, CancellationToken.None);
        await _server.WaitForStableAsync(_group, "web", TimeSpan.FromSeconds(20));

        var app = _server.App(_group, "web");
        Assert.Equal(second, app.LatestRevision);
        Assert.Equal(100, app.Revisions.Single(r => r.Name == first).TrafficWeight);
        Assert.Equal(0, app.Revisions.Single(r => r.Name == second).TrafficWeight);
        var state = await backend.DescribeAsync("web", CancellationToken.None);
        Assert.Equal((first, "registry.example/web:1"), (state.Revision, state.Image));
    }

    [Fact]
    public async Task A_rollback_to_a_named_revision_goes_there_and_accepts_its_suffix()
    {
        _server.SeedApp(_group, "web", "registry.example/web:1", multipleRevisions: true);
        await _server.WaitForStableAsync(_group, "web", TimeSpan.FromSeconds(20));
        var first = _server.App(_group, "web").LatestRevision!;
        var backend = Backend();
        foreach (var version in new[] { 2, 3 })
        {
            await backend.DeployAsync("web", $"registry.example/web:{version}", CancellationToken.None);
            await _server.WaitForStableAsync(_group, "web", TimeSpan.FromSeconds(20));
        }

        var rollback = Assert.IsType<Succeeded>(await Run("service.rollback", ("service", "web"), ("to", first["web--".Length..])));

        Assert.Equal(first, rollback.Outputs["revision"]);
        Assert.Equal(100, _server.App(_group, "web").Revisions.Single(r => r.Name == first).TrafficWeight);
    }

    [Fact]
    public async Task A_rollback_to_a_revision_that_does_not_exist_lists_the_ones_there_are_and_sends_nothing()
    {
        _server.SeedApp(_group, "web", "registry.example/web:1");
        await _server.WaitForStableAsync(_group, "web", TimeSpan.FromSeconds(20));
        var writes = _server.MutatingRequests;

        var failed = Assert.IsType<Failed>(await Run("service.rollback", ("service", "web"), ("to", "web--nope")));

        Assert.Contains("has no revision 'web--nope'", failed.Error, StringComparison.Ordinal);
        Assert.Contains(_server.App(_group, "web").LatestRevision!, failed.Error, StringComparison.Ordinal);
        Assert.Equal(writes, _server.MutatingRequests);
    }

    [Fact]
    public async Task Restart_restarts_the_revisions_serving_traffic()
    {
        _server.SeedApp(_group, "web", "registry.example/web:1");
        await _server.WaitForStableAsync(_group, "web", TimeSpan.FromSeconds(20));
        var serving = _server.App(_group, "web").LatestRevision;

        Assert.IsType<Succeeded>(await Run("service.restart", ("service", "web")));

        Assert.Single(_server.Requests, r => r.StartsWith("POST", StringComparison.Ordinal) && r.Contains($"/revisions/{serving}/restart", StringComparison.Ordinal));
    }

    [Fact]
    public async Task History_lists_the_revisions_newest_first_with_how_each_stands()
    {
        _server.SeedApp(_group, "web", "registry.example/web:1");
        await _server.WaitForStableAsync(_group, "web", TimeSpan.FromSeconds(20));
        var first = _server.App(_group, "web").LatestRevision;
        await Backend().DeployAsync("web", "registry.example/web:2", CancellationToken.None);
        await _server.WaitForStableAsync(_group, "web", TimeSpan.FromSeconds(20));
        var second = _server.App(_group, "web").LatestRevision;

        var history = Assert.IsType<Succeeded>(await Run("service.history", ("service", "web")));

        Assert.Equal(new List<object?> { second, first }, history.Outputs["revisions"]);
        Assert.Equal(second, history.Outputs["current"]);
        Assert.Equal(first, history.Outputs["previous"]);
        var deployments = Assert.IsType<Dictionary<string, object?>>(history.Outputs["deployments"]);
        Assert.StartsWith("active, 100% traffic, Healthy, Running, 1 replicas", (string)deployments[second!]!, StringComparison.Ordinal);
        Assert.StartsWith("inactive, 0% traffic", (string)deployments[first!]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_services_mapping_names_the_container_app()
    {
        _server.SeedApp(_group, "web-prod", "registry.example/web:1");
        var settings = AzureTarget.Settings(_server, _group, ImmutableDictionary<string, string>.Empty.Add("backend", "web-prod"));

        var described = Assert.IsType<Succeeded>(await Run(AzureTarget.Actions(_server, settings), "service.describe", ("service", "backend")));

        Assert.Equal("registry.example/web:1", described.Outputs["image"]);
    }

    [Fact]
    public async Task The_credential_is_asked_for_the_targets_scope()
    {
        _server.SeedApp(_group, "web", "registry.example/web:1");
        var token = new FixedToken(_server.Token);
        var provider = new AzureProvider(_ => null, _server.CreateTrustingHandler(), token);

        await provider.Build(AzureTarget.Settings(_server, _group, ("audience", "https://management.core.windows.net/"))).DescribeAsync("web", CancellationToken.None);

        Assert.Contains("https://management.core.windows.net//.default", token.Scopes);
    }

    [Fact]
    public async Task Logs_merge_the_replicas_lines_oldest_first_and_keep_the_last_tail()
    {
        _server.SeedApp(_group, "web", "registry.example/web:1", minReplicas: 2, maxReplicas: 2);
        var revision = _server.App(_group, "web").LatestRevision;
        var start = DateTimeOffset.UtcNow.AddMinutes(-5);
        _server.WriteLog(_group, "web", revision, "first", start, replica: 0);
        _server.WriteLog(_group, "web", revision, "second", start.AddSeconds(1), replica: 1);
        _server.WriteLog(_group, "web", revision, "third", start.AddSeconds(2), replica: 0);
        _server.WriteLog(_group, "web", revision, "fourth", start.AddSeconds(3), replica: 1);

        var logs = Assert.IsType<Succeeded>(await Run("service.logs", ("service", "web"), ("tail", 3L)));

        var lines = Assert.IsType<List<object?>>(logs.Outputs["lines"]).Cast<string>().ToList();
        Assert.Equal(["second", "third", "fourth"], lines.Select(l => l[(l.IndexOf("] ", StringComparison.Ordinal) + 2)..]));
        Assert.Equal(2, lines.Select(l => l[..l.IndexOf(']', StringComparison.Ordinal)]).Distinct().Count());
        Assert.Contains(_server.Requests, r => r.StartsWith("POST", StringComparison.Ordinal) && r.Contains("/containerApps/web/getAuthtoken", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Logs_since_drop_older_lines()
    {
        _server.SeedApp(_group, "web", "registry.example/web:1");
        var revision = _server.App(_group, "web").LatestRevision;
        _server.WriteLog(_group, "web", revision, "an hour ago", DateTimeOffset.UtcNow.AddHours(-1));
        _server.WriteLog(_group, "web", revision, "a minute ago", DateTimeOffset.UtcNow.AddMinutes(-1));

        var logs = Assert.IsType<Succeeded>(await Run("service.logs", ("service", "web"), ("since", "10m")));

        Assert.EndsWith("a minute ago", Assert.Single(Assert.IsType<List<object?>>(logs.Outputs["lines"])) as string, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Logs_of_a_previous_instance_are_refused_with_where_to_find_them()
    {
        _server.SeedApp(_group, "web", "registry.example/web:1");

        var failed = Assert.IsType<Failed>(await Run("service.logs", ("service", "web"), ("previous", true)));

        Assert.Contains("ContainerAppConsoleLogs", failed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tail_beyond_the_streams_limit_asks_for_300_lines()
    {
        _server.SeedApp(_group, "web", "registry.example/web:1");

        Assert.IsType<Succeeded>(await Run("service.logs", ("service", "web"), ("tail", 5000L)));

        Assert.Contains(_server.Requests, r => r.Contains("/logstream?tailLines=300&follow=false", StringComparison.Ordinal));
    }

    [Fact]
    public async Task History_follows_nextLink_across_every_page()
    {
        _server.SeedApp(_group, "web", "registry.example/web:1");
        var backend = Backend();
        foreach (var version in Enumerable.Range(2, 4))
        {
            await backend.DeployAsync("web", $"registry.example/web:{version}", CancellationToken.None);
        }

        var history = await backend.HistoryAsync("web", 10, CancellationToken.None);

        Assert.Equal(_server.App(_group, "web").Revisions.Select(r => r.Name).Reverse(), history.Select(r => r.Id));
        Assert.Equal(5, history.Length);
        Assert.True(history[0].Current);
    }
}
