using System.Text.Json;
using Runbook.Execution.Providers;
using Runbook.Providers.Azure.Tests.ArmServer;
using Runbook.Providers.Azure.Tests.Provider;
using Runbook.Providers.Azure.Tests.Support;

namespace Runbook.Providers.Azure.Tests.CrossCheck;

/// <summary>
/// The provider (api-version 2026-01-01) and the official JavaScript SDK (@azure/arm-appcontainers 4.0.0, api-version
/// 2026-07-01) take turns on the same container apps, and each sees what the other did. The server alone could agree
/// with a provider that misreads ARM; the vendor's own client cannot.
/// </summary>
public sealed class ProviderCrossCheckTests(ArmServerFixture fixture) : IClassFixture<ArmServerFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private readonly string _group = ArmServerFixture.NewResourceGroup();

    private ContainerAppsTestServer Server => fixture.Server;

    private ContainerAppsBackend Backend() => AzureTarget.Backend(Server, AzureTarget.Settings(Server, _group));

    [Fact]
    public async Task The_sdk_sees_the_providers_scale_and_the_provider_sees_the_sdks()
    {
        Seed();
        var backend = Backend();

        await backend.ScaleAsync("web", 3, CancellationToken.None);
        var seen = Js("get", new { rg = _group, app = "web" }).GetProperty("app");
        Assert.Equal((3, 3, "Succeeded"), (seen.GetProperty("minReplicas").GetInt32(), seen.GetProperty("maxReplicas").GetInt32(), seen.GetProperty("provisioningState").GetString()));

        Js("scale", new { rg = _group, app = "web", minReplicas = 2, maxReplicas = 2 });
        await Server.WaitForStableAsync(_group, "web", Patience);
        var described = await backend.DescribeAsync("web", CancellationToken.None);
        Assert.Equal((2, 2, true), (described.Replicas, described.DesiredReplicas, described.Healthy));
    }

    [Fact]
    public async Task The_sdk_sees_the_providers_new_revision_and_the_provider_sees_the_sdks_image_update()
    {
        Seed();
        var backend = Backend();
        var first = Server.App(_group, "web").LatestRevision;

        // The provider deploys (and follows the operation): the SDK lists the new revision, ready, with all traffic.
        await backend.DeployAsync("web", "registry.example/web:2", CancellationToken.None);
        var revisions = Js("revisions", new { rg = _group, app = "web" }).GetProperty("revisions").EnumerateArray().ToList();
        var made = Assert.Single(revisions, r => r.GetProperty("image").GetString() == "registry.example/web:2");
        Assert.Equal(("Provisioned", true, 100), (made.GetProperty("provisioningState").GetString(), made.GetProperty("active").GetBoolean(), made.GetProperty("trafficWeight").GetInt32()));
        var app = Js("get", new { rg = _group, app = "web" }).GetProperty("app");
        Assert.Equal(made.GetProperty("name").GetString(), app.GetProperty("latestReadyRevisionName").GetString());

        // The SDK updates the image: the provider names the SDK's new revision, its image, and the provider's as the previous one.
        var updated = Js("image", new { rg = _group, app = "web", image = "registry.example/web:3" }).GetProperty("app");
        var described = await backend.DescribeAsync("web", CancellationToken.None);
        Assert.Equal(updated.GetProperty("latestRevisionName").GetString(), described.Revision);
        Assert.Equal(made.GetProperty("name").GetString(), described.PreviousRevision);
        Assert.Equal(("registry.example/web:3", true), (described.Image, described.Healthy));
        var history = await backend.HistoryAsync("web", 10, CancellationToken.None);
        Assert.Equal([described.Revision, made.GetProperty("name").GetString(), first], history.Select(r => r.Id));
    }

    [Fact]
    public async Task The_sdk_sees_the_providers_rollback_by_traffic_and_the_provider_follows_the_sdks_traffic_and_activation()
    {
        Seed(multiple: true);
        var backend = Backend();
        var first = Server.App(_group, "web").LatestRevision;
        Js("image", new { rg = _group, app = "web", image = "registry.example/web:2" });
        var second = Server.App(_group, "web").LatestRevision;

        // The provider rolls back: the SDK sees the first revision active with 100 % and the second with none.
        await backend.RollbackAsync("web", null, CancellationToken.None);
        var weights = Js("revisions", new { rg = _group, app = "web" }).GetProperty("revisions").EnumerateArray()
            .ToDictionary(r => r.GetProperty("name").GetString()!, r => (r.GetProperty("active").GetBoolean(), r.GetProperty("trafficWeight").GetInt32()));
        Assert.Equal((true, 100), weights[first]);
        Assert.Equal(0, weights[second].Item2);

        // The SDK deactivates the first and gives the traffic back to the latest: the provider describes the second as current.
        Js("traffic", new { rg = _group, app = "web", traffic = new[] { new { latestRevision = true, weight = 100 } } });
        Js("deactivate", new { rg = _group, app = "web", revision = first });
        await Server.WaitForStableAsync(_group, "web", Patience);
        var described = await backend.DescribeAsync("web", CancellationToken.None);
        Assert.Equal((second, "registry.example/web:2"), (described.Revision, described.Image));
        Assert.DoesNotContain(described.Instances, i => i.Name == first);

        // The SDK activates the first again and pins the traffic on it: the provider describes it as current, active.
        Js("activate", new { rg = _group, app = "web", revision = first });
        Js("traffic", new { rg = _group, app = "web", traffic = new[] { new { revisionName = first, weight = 100 } } });
        var pinned = await backend.DescribeAsync("web", CancellationToken.None);
        Assert.Equal((first, "registry.example/web:1"), (pinned.Revision, pinned.Image));
        Assert.Contains(pinned.Instances, i => i.Name == first && i.State.Contains("100% traffic", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_sdk_sees_the_providers_restart_and_the_provider_reads_the_logs_of_the_replicas_the_sdk_restarted()
    {
        Seed();
        var backend = Backend();
        var revision = Server.App(_group, "web").LatestRevision;
        var before = Replicas(Js("replicas", new { rg = _group, app = "web", revision }));

        // The provider restarts the revision serving traffic: the SDK lists new replicas (new pods).
        await backend.RestartAsync("web", CancellationToken.None);
        var afterProvider = Replicas(Js("replicas", new { rg = _group, app = "web", revision }));
        Assert.Equal(1, Server.App(_group, "web").Revision(revision).Restarts);
        Assert.NotEqual(before, afterProvider);

        // The SDK restarts it: the provider's log lines come from the replicas the SDK now lists, as the SDK reads them.
        var restarted = Js("restart", new { rg = _group, app = "web", revision });
        var afterSdk = Replicas(restarted);
        Assert.NotEqual(afterProvider, afterSdk);
        Server.WriteLog(_group, "web", revision, "GET /orders 500 upstream timed out");
        Server.WriteLog(_group, "web", revision, "GET /health 200");
        var lines = await backend.LogsAsync("web", new LogQuery(10, null, false, null), CancellationToken.None);
        var sdk = Js("logs", new { rg = _group, app = "web", revision, tail = 10 }).GetProperty("replicas")[0];
        Assert.Equal(
            sdk.GetProperty("lines").EnumerateArray().Select(l => $"[{sdk.GetProperty("name").GetString()}] {l.GetProperty("Log").GetString()}"),
            lines);
        Assert.Equal($"[{afterSdk[0]}] GET /orders 500 upstream timed out", lines[0]);
    }

    [Fact]
    public async Task The_provider_waits_out_the_sdks_long_running_update_and_the_sdk_sees_the_providers_finished()
    {
        Seed();
        var backend = Backend();

        // The SDK's poller, one poll at a time, sees the operation go from InProgress to Succeeded; the provider then
        // describes the revision it made as ready.
        var lro = Js("lro", new { rg = _group, app = "web", image = "registry.example/web:2" });
        var statuses = lro.GetProperty("statuses").EnumerateArray().Select(s => s.GetString()).ToList();
        Assert.Equal("succeeded", statuses[^1]?.ToLowerInvariant());
        Assert.Contains(statuses, s => s?.ToLowerInvariant() is "running" or "inprogress");
        var described = await backend.DescribeAsync("web", CancellationToken.None);
        Assert.Equal((lro.GetProperty("app").GetProperty("latestRevisionName").GetString(), true), (described.Revision, described.Healthy));

        // The provider's write returns only when ARM's operation has finished: the SDK reads a Succeeded app whose
        // latest ready revision is the new one, with no wait of its own.
        await backend.DeployAsync("web", "registry.example/web:3", CancellationToken.None);
        var app = Js("get", new { rg = _group, app = "web" }).GetProperty("app");
        Assert.Equal("Succeeded", app.GetProperty("provisioningState").GetString());
        Assert.Equal(app.GetProperty("latestRevisionName").GetString(), app.GetProperty("latestReadyRevisionName").GetString());
        Assert.Equal("registry.example/web:3", app.GetProperty("image").GetString());
    }

    private void Seed(bool multiple = false) => Server.SeedApp(_group, "web", "registry.example/web:1", multipleRevisions: multiple);

    private static List<string> Replicas(JsonElement result) =>
        [.. result.GetProperty("replicas").EnumerateArray().Select(r => r.GetProperty("name").GetString()!)];

    private JsonElement Js(string scenario, object arguments)
    {
        var run = AzureClients.Instance.Js(Server, scenario, arguments);
        Assert.True(run.ExitCode == 0, $"check.mjs {scenario} failed ({run.ExitCode}): {run.Out}\n{run.Error}");
        return run.Json;
    }
}
