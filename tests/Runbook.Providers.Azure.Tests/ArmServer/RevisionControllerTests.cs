using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Runbook.Providers.Azure.Tests.Support;

namespace Runbook.Providers.Azure.Tests.ArmServer;

/// <summary>The revision controller on a clock the test moves: what is due happens exactly then, and not before.</summary>
public sealed class RevisionControllerTests : IAsyncLifetime
{
    private static readonly TimeSpan Provisioning = TimeSpan.FromSeconds(30);
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));
    private ContainerAppsTestServer _server = null!;
    private ArmHttp _http = null!;

    public async Task InitializeAsync()
    {
        _server = await ContainerAppsTestServer.StartAsync(new ArmServerOptions(Provisioning) { Time = _clock });
        _http = new ArmHttp(_server);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        var problems = _server.OutputProblems;
        await _server.DisposeAsync();
        Assert.Empty(problems);
    }

    [Fact]
    public async Task A_new_revision_provisions_for_exactly_the_provisioning_time_and_the_operation_ends_when_it_is_ready()
    {
        _server.SeedApp("rg", "web", "registry.test/web:1", 2, 2);
        var patch = await _http.PatchAsync(_http.AppPath("rg", "web"), ProtocolTests.Image("registry.test/web:2"));
        var fresh = _server.App("rg", "web").LatestRevision;

        _clock.Advance(Provisioning - TimeSpan.FromMilliseconds(1));
        var almost = _server.App("rg", "web");
        var statusAlmost = await _http.GetAsync(patch.Header("Azure-AsyncOperation")!);
        _clock.Advance(TimeSpan.FromMinutes(5));
        var status = await _http.GetAsync(patch.Header("Azure-AsyncOperation")!);
        var done = _server.App("rg", "web");

        Assert.Equal("Provisioning", almost.Revision(fresh).ProvisioningState);
        Assert.Equal("InProgress", (string?)statusAlmost.Body!["status"]);
        Assert.Equal("InProgress", almost.ProvisioningState);
        Assert.Equal("Succeeded", (string?)status.Body!["status"]);
        Assert.Equal("2026-11-30T12:00:30.0000000Z", (string?)status.Body!["endTime"]); // when it became ready, not when it was asked
        Assert.Equal(("Provisioned", 2, 100), (done.Revision(fresh).ProvisioningState, done.Revision(fresh).Replicas, done.Revision(fresh).TrafficWeight));
    }

    [Fact]
    public async Task A_bad_image_is_still_provisioning_after_the_provisioning_time_and_fails_at_twice_it()
    {
        _server.SeedApp("rg", "web", "registry.test/web:1");
        _server.MarkImageBad("registry.test/web:bad");
        var patch = await _http.PatchAsync(_http.AppPath("rg", "web"), ProtocolTests.Image("registry.test/web:bad"));
        var bad = _server.App("rg", "web").LatestRevision;

        _clock.Advance(Provisioning + TimeSpan.FromSeconds(1));
        var stillTrying = _server.App("rg", "web").Revision(bad);
        _clock.Advance(Provisioning);
        var status = await _http.GetAsync(patch.Header("Azure-AsyncOperation")!);
        var failed = _server.App("rg", "web").Revision(bad);

        Assert.Equal(("Provisioning", "None"), (stillTrying.ProvisioningState, stillTrying.HealthState));
        Assert.Equal("Failed", (string?)status.Body!["status"]);
        Assert.Equal(("Failed", "Unhealthy", false), (failed.ProvisioningState, failed.HealthState, failed.Active));
    }

    [Fact]
    public async Task A_scale_only_operation_ends_after_the_provisioning_time_and_the_replicas_follow_at_once()
    {
        _server.SeedApp("rg", "web", "registry.test/web:1", 1, 1);
        var revision = _server.App("rg", "web").LatestRevision;

        var patch = await _http.PatchAsync(_http.AppPath("rg", "web"), ProtocolTests.Scale(4, 4));
        var right = _server.App("rg", "web");
        _clock.Advance(Provisioning);
        var status = await _http.GetAsync(patch.Header("Azure-AsyncOperation")!);

        Assert.Equal((4, "InProgress"), (right.Revision(revision).Replicas, right.ProvisioningState));
        Assert.Equal("Succeeded", (string?)status.Body!["status"]);
        Assert.Equal("Succeeded", _server.App("rg", "web").ProvisioningState);
    }

    [Fact]
    public async Task Min_replicas_zero_keeps_one_replica_for_a_revision_with_traffic_and_none_for_one_without()
    {
        _server.SeedApp("rg", "web", "registry.test/web:1", 0, 3, multipleRevisions: true);
        var first = _server.App("rg", "web").LatestRevision;
        await _http.PatchAsync(_http.AppPath("rg", "web"), ProtocolTests.Image("registry.test/web:2"));
        _clock.Advance(Provisioning);
        var second = _server.App("rg", "web").LatestRevision;
        var traffic = new JsonObject
        {
            ["properties"] = new JsonObject
            {
                ["configuration"] = new JsonObject
                {
                    ["ingress"] = new JsonObject { ["traffic"] = new JsonArray(new JsonObject { ["revisionName"] = first, ["weight"] = 100 }) },
                },
            },
        };

        var response = await _http.PatchAsync(_http.AppPath("rg", "web"), traffic);
        var app = _server.App("rg", "web");

        Assert.Equal(HttpStatusCode.Accepted, response.Status);
        Assert.Equal((1, 100), (app.Revision(first).Replicas, app.Revision(first).TrafficWeight));
        Assert.Equal((0, 0, true), (app.Revision(second).Replicas, app.Revision(second).TrafficWeight, app.Revision(second).Active));
    }

    [Fact]
    public void An_app_seeded_with_a_bad_image_is_provisioning_its_revision_and_then_has_it_failed()
    {
        _server.MarkImageBad("registry.test/web:bad");
        _server.SeedApp("rg", "web", "registry.test/web:bad");
        var revision = _server.App("rg", "web").LatestRevision;

        var seeded = _server.App("rg", "web");
        _clock.Advance(Provisioning * 2);
        var failed = _server.App("rg", "web");

        Assert.Equal(("Provisioning", null), (seeded.Revision(revision).ProvisioningState, seeded.LatestReadyRevision));
        Assert.Equal(("Failed", "Unhealthy", 0), (failed.Revision(revision).ProvisioningState, failed.Revision(revision).HealthState, failed.Revision(revision).Replicas));
        Assert.Empty(failed.Traffic);
    }

    [Fact]
    public async Task Wait_for_stable_gives_up_with_the_apps_state_when_nothing_settles()
    {
        _server.SeedApp("rg", "web", "registry.test/web:1");
        await _http.PatchAsync(_http.AppPath("rg", "web"), ProtocolTests.Image("registry.test/web:2"));

        var timeout = await Assert.ThrowsAsync<TimeoutException>(() => _server.WaitForStableAsync("rg", "web", TimeSpan.FromMilliseconds(200)));

        Assert.Contains("ProvisioningState = InProgress", timeout.Message, StringComparison.Ordinal);
    }
}
