using System.Net;
using System.Text.Json.Nodes;
using Runbook.Providers.Azure.Tests.Support;

namespace Runbook.Providers.Azure.Tests.ArmServer;

/// <summary>Container apps, their long-running operations and the revision controller, through the HTTP API.</summary>
public sealed class OperationTests(ArmServerFixture fixture) : IClassFixture<ArmServerFixture>, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly ArmHttp _http = new(fixture.Server);

    private ContainerAppsTestServer Server => fixture.Server;

    [Fact]
    public async Task A_patch_answers_202_with_the_operation_headers_and_the_app_in_progress()
    {
        var rg = Seeded();

        var response = await _http.PatchAsync(_http.AppPath(rg, "web"), ProtocolTests.Scale(2, 4));

        Assert.Equal(HttpStatusCode.Accepted, response.Status);
        Assert.Equal("InProgress", (string?)response.Body!["properties"]!["provisioningState"]);
        Assert.Matches($"^{Server.Endpoint}subscriptions/{Server.Subscription}/providers/Microsoft.App/locations/eastus/containerappOperationStatuses/[0-9a-f-]{{36}}\\?api-version=2026-01-01$",
            response.Header("Azure-AsyncOperation"));
        Assert.Matches("/containerappOperationResults/[0-9a-f-]{36}\\?api-version=2026-01-01$", response.Header("Location"));
        Assert.Equal("1", response.Header("Retry-After"));
    }

    [Fact]
    public async Task The_operation_status_goes_from_InProgress_to_Succeeded_and_the_location_from_202_to_200_with_the_app()
    {
        var rg = Seeded();
        var patch = await _http.PatchAsync(_http.AppPath(rg, "web"), ProtocolTests.Scale(2, 4));

        var atOnce = await _http.GetAsync(patch.Header("Location")!);
        var (statuses, last) = await _http.PollAsync(patch.Header("Azure-AsyncOperation")!, Patience);
        var result = await _http.GetAsync(patch.Header("Location")!);

        Assert.Equal(HttpStatusCode.Accepted, atOnce.Status);
        Assert.Null(atOnce.Body);
        Assert.Equal("InProgress", statuses[0]);
        Assert.Equal("Succeeded", statuses[^1]);
        Assert.NotNull(last.Body!["endTime"]);
        Assert.Equal(HttpStatusCode.OK, result.Status);
        Assert.Equal("Succeeded", (string?)result.Body!["properties"]!["provisioningState"]);
        Assert.Equal(4, (int?)result.Body!["properties"]!["template"]!["scale"]!["maxReplicas"]);
    }

    [Fact]
    public async Task A_scale_change_is_application_scope_and_makes_no_new_revision()
    {
        var rg = Seeded();
        var before = Server.App(rg, "web");

        var patch = await _http.PatchAsync(_http.AppPath(rg, "web"), ProtocolTests.Scale(3, 5));
        await _http.PollAsync(patch.Header("Azure-AsyncOperation")!, Patience);
        var after = Server.App(rg, "web");

        Assert.Single(after.Revisions);
        Assert.Equal(before.LatestRevision, after.LatestRevision);
        Assert.Equal((3, 5), (after.MinReplicas, after.MaxReplicas));
        Assert.Equal(3, after.Revision(after.LatestRevision).Replicas);
        Assert.Equal("registry.test/web:1", after.Image);
    }

    [Fact]
    public async Task An_image_change_makes_a_new_revision_that_provisions_over_time_then_takes_all_traffic_in_single_mode()
    {
        var rg = Seeded(minReplicas: 2, maxReplicas: 3);
        var old = Server.App(rg, "web").LatestRevision;

        var patch = await _http.PatchAsync(_http.AppPath(rg, "web"), ProtocolTests.Image("registry.test/web:2"));
        var during = Server.App(rg, "web");
        var (statuses, _) = await _http.PollAsync(patch.Header("Azure-AsyncOperation")!, Patience);
        var after = Server.App(rg, "web");

        Assert.Equal(2, during.Revisions.Count);
        var fresh = during.Revision(during.LatestRevision);
        Assert.StartsWith("web--", fresh.Name, StringComparison.Ordinal);
        Assert.Equal(("Provisioning", "Processing", 0), (fresh.ProvisioningState, fresh.RunningState, fresh.TrafficWeight));
        Assert.Equal(old, during.LatestReadyRevision);
        Assert.Equal(100, during.Revision(old).TrafficWeight);
        Assert.Equal("Succeeded", statuses[^1]);
        Assert.Equal((fresh.Name, fresh.Name), (after.LatestRevision, after.LatestReadyRevision));
        var now = after.Revision(fresh.Name);
        Assert.Equal(("Provisioned", "Running", "Healthy", 100, 2, true), (now.ProvisioningState, now.RunningState, now.HealthState, now.TrafficWeight, now.Replicas, now.Active));
        var previous = after.Revision(old);
        Assert.Equal((false, 0, 0), (previous.Active, previous.TrafficWeight, previous.Replicas));
        Assert.Equal("registry.test/web:2", after.Image);
        Assert.Equal("Succeeded", after.ProvisioningState);
    }

    [Fact]
    public async Task A_bad_image_fails_the_operation_with_arms_error_and_single_mode_stays_on_the_old_revision()
    {
        var rg = Seeded();
        var old = Server.App(rg, "web").LatestRevision;
        Server.MarkImageBad("registry.test/web:broken");

        var patch = await _http.PatchAsync(_http.AppPath(rg, "web"), ProtocolTests.Image("registry.test/web:broken"));
        var (statuses, last) = await _http.PollAsync(patch.Header("Azure-AsyncOperation")!, Patience);
        var location = await _http.GetAsync(patch.Header("Location")!);
        var after = Server.App(rg, "web");

        Assert.Equal("Failed", statuses[^1]);
        Assert.Equal("ContainerAppOperationError", (string?)last.Body!["error"]!["code"]);
        Assert.StartsWith("Failed to provision revision for container app 'web'.", (string?)last.Body!["error"]!["message"], StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, location.Status);
        Assert.Equal("ContainerAppOperationError", location.ErrorCode);
        var failed = after.Revision(after.LatestRevision);
        Assert.Equal(("Failed", "Unhealthy", "Failed", 0), (failed.ProvisioningState, failed.HealthState, failed.RunningState, failed.TrafficWeight));
        Assert.Contains("registry.test/web:broken", failed.ProvisioningError, StringComparison.Ordinal);
        Assert.Equal(old, after.LatestReadyRevision);
        Assert.Equal((100, true, "Healthy"), (after.Revision(old).TrafficWeight, after.Revision(old).Active, after.Revision(old).HealthState));
        Assert.Equal("Failed", after.ProvisioningState);
    }

    [Fact]
    public async Task Multiple_mode_routes_traffic_by_the_configured_weights_and_activate_deactivate_work_as_arm_does()
    {
        var rg = Seeded(multiple: true);
        var first = Server.App(rg, "web").LatestRevision;
        var deploy = await _http.PatchAsync(_http.AppPath(rg, "web"), ProtocolTests.Image("registry.test/web:2"));
        await _http.PollAsync(deploy.Header("Azure-AsyncOperation")!, Patience);
        var second = Server.App(rg, "web").LatestRevision;
        var afterDeploy = Server.App(rg, "web");

        var split = await _http.PatchAsync(_http.AppPath(rg, "web"), Traffic((first, 80), (second, 20)));
        await _http.PollAsync(split.Header("Azure-AsyncOperation")!, Patience);
        var afterSplit = Server.App(rg, "web");
        var refusedDeactivate = await _http.PostAsync($"{_http.AppPath(rg, "web")}/revisions/{second}/deactivate");
        var back = await _http.PatchAsync(_http.AppPath(rg, "web"), Traffic((first, 100)));
        await _http.PollAsync(back.Header("Azure-AsyncOperation")!, Patience);
        var deactivated = await _http.PostAsync($"{_http.AppPath(rg, "web")}/revisions/{second}/deactivate");
        var afterDeactivate = Server.App(rg, "web");
        var activated = await _http.PostAsync($"{_http.AppPath(rg, "web")}/revisions/{second}/activate");
        await Server.WaitForStableAsync(rg, "web", Patience);
        var afterActivate = Server.App(rg, "web");

        Assert.True(afterDeploy.Revision(first).Active); // Multiple mode keeps the old revision active
        Assert.Equal(100, afterDeploy.Revision(second).TrafficWeight); // latestRevision: true follows the new one
        Assert.Equal(new Dictionary<string, int> { [first] = 80, [second] = 20 }, afterSplit.Traffic);
        Assert.Equal(HttpStatusCode.BadRequest, refusedDeactivate.Status);
        Assert.Equal("ContainerAppRevisionInUse", refusedDeactivate.ErrorCode);
        Assert.Equal(HttpStatusCode.OK, deactivated.Status);
        Assert.Equal((false, 0, "Stopped"), (afterDeactivate.Revision(second).Active, afterDeactivate.Revision(second).Replicas, afterDeactivate.Revision(second).RunningState));
        Assert.Equal(HttpStatusCode.OK, activated.Status);
        Assert.Equal((true, "Healthy", 0), (afterActivate.Revision(second).Active, afterActivate.Revision(second).HealthState, afterActivate.Revision(second).TrafficWeight));
    }

    [Fact]
    public async Task Traffic_that_does_not_add_up_to_100_or_names_an_unknown_revision_is_refused()
    {
        var rg = Seeded(multiple: true);
        var first = Server.App(rg, "web").LatestRevision;

        var short_ = await _http.PatchAsync(_http.AppPath(rg, "web"), Traffic((first, 50)));
        var unknown = await _http.PatchAsync(_http.AppPath(rg, "web"), Traffic(("web--nosuch1", 100)));

        Assert.Equal(("ContainerAppInvalidTrafficWeight", HttpStatusCode.BadRequest), (short_.ErrorCode, short_.Status));
        Assert.Equal(("ContainerAppRevisionNotFound", HttpStatusCode.BadRequest), (unknown.ErrorCode, unknown.Status));
        Assert.Equal(new Dictionary<string, int> { [first] = 100 }, Server.App(rg, "web").Traffic);
    }

    [Fact]
    public async Task Activate_in_single_mode_is_refused_because_only_the_latest_revision_is_active()
    {
        var rg = Seeded();
        var old = Server.App(rg, "web").LatestRevision;
        var deploy = await _http.PatchAsync(_http.AppPath(rg, "web"), ProtocolTests.Image("registry.test/web:2"));
        await _http.PollAsync(deploy.Header("Azure-AsyncOperation")!, Patience);

        var response = await _http.PostAsync($"{_http.AppPath(rg, "web")}/revisions/{old}/activate");

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("ContainerAppSingleRevisionMode", response.ErrorCode);
        Assert.False(Server.App(rg, "web").Revision(old).Active);
    }

    [Fact]
    public async Task A_restart_replaces_the_replicas_of_an_active_revision_and_an_inactive_one_cannot_be_restarted()
    {
        var rg = Seeded(minReplicas: 2, maxReplicas: 2);
        var revision = Server.App(rg, "web").LatestRevision;
        var replicasPath = $"{_http.AppPath(rg, "web")}/revisions/{revision}/replicas";
        var before = await _http.GetAsync(replicasPath);

        var restart = await _http.PostAsync($"{_http.AppPath(rg, "web")}/revisions/{revision}/restart");
        var after = await _http.GetAsync(replicasPath);
        var deploy = await _http.PatchAsync(_http.AppPath(rg, "web"), ProtocolTests.Image("registry.test/web:2"));
        await _http.PollAsync(deploy.Header("Azure-AsyncOperation")!, Patience);
        var inactive = await _http.PostAsync($"{_http.AppPath(rg, "web")}/revisions/{revision}/restart");

        Assert.Equal(HttpStatusCode.OK, restart.Status);
        var names = (JsonNode? r) => r!["value"]!.AsArray().Select(x => (string)x!["name"]!).ToList();
        Assert.Equal(2, names(before.Body).Count);
        Assert.Equal(2, names(after.Body).Count);
        Assert.Empty(names(before.Body).Intersect(names(after.Body)));
        Assert.All(names(after.Body), n => Assert.StartsWith(revision + "-", n, StringComparison.Ordinal));
        Assert.Equal(("ContainerAppRevisionNotActive", HttpStatusCode.BadRequest), (inactive.ErrorCode, inactive.Status));
        Assert.Equal(1, Server.App(rg, "web").Revision(revision).Restarts);
    }

    [Fact]
    public async Task The_revision_list_comes_in_pages_linked_by_an_absolute_nextLink_newest_last()
    {
        var rg = Seeded(multiple: true);
        for (var i = 2; i <= 5; i++)
        {
            var deploy = await _http.PatchAsync(_http.AppPath(rg, "web"), ProtocolTests.Image($"registry.test/web:{i}"));
            await _http.PollAsync(deploy.Header("Azure-AsyncOperation")!, Patience);
        }

        var names = new List<string>();
        var pages = 0;
        string? next = $"{_http.AppPath(rg, "web")}/revisions";
        while (next is not null)
        {
            var page = await _http.GetAsync(next);
            Assert.Equal(HttpStatusCode.OK, page.Status);
            pages++;
            names.AddRange(page.Body!["value"]!.AsArray().Select(r => (string)r!["name"]!));
            next = (string?)page.Body["nextLink"];
            Assert.True(next is null || next.StartsWith(Server.Endpoint.ToString(), StringComparison.Ordinal), next);
        }

        Assert.Equal(2, pages);
        Assert.Equal(Server.App(rg, "web").Revisions.Select(r => r.Name), names);
    }

    [Fact]
    public async Task A_put_of_a_new_app_creates_it_with_201_and_its_first_revision()
    {
        var rg = Seeded();
        var body = new JsonObject
        {
            ["location"] = "eastus",
            ["properties"] = new JsonObject
            {
                ["managedEnvironmentId"] = $"/subscriptions/{Server.Subscription}/resourceGroups/{rg}/providers/Microsoft.App/managedEnvironments/env",
                ["configuration"] = new JsonObject { ["activeRevisionsMode"] = "Single", ["ingress"] = new JsonObject { ["external"] = true, ["targetPort"] = 80 } },
                ["template"] = new JsonObject
                {
                    ["revisionSuffix"] = "first",
                    ["containers"] = new JsonArray(new JsonObject { ["name"] = "api", ["image"] = "registry.test/api:1" }),
                    ["scale"] = new JsonObject { ["minReplicas"] = 1, ["maxReplicas"] = 2 },
                },
            },
        };

        var put = await _http.SendAsync(HttpMethod.Put, _http.AppPath(rg, "api"), body);
        var (statuses, _) = await _http.PollAsync(put.Header("Azure-AsyncOperation")!, Patience);

        Assert.Equal(HttpStatusCode.Created, put.Status);
        Assert.Equal("Succeeded", statuses[^1]);
        var app = Server.App(rg, "api");
        Assert.Equal(("api--first", "api--first", "registry.test/api:1"), (app.LatestRevision, app.LatestReadyRevision, app.Image));
        Assert.Equal(100, app.Revision("api--first").TrafficWeight);
    }

    [Fact]
    public async Task A_revision_suffix_that_is_taken_is_refused()
    {
        var rg = Seeded();
        var taken = Server.App(rg, "web").LatestRevision["web--".Length..];
        var body = ProtocolTests.Image("registry.test/web:2");
        body["properties"]!["template"]!["revisionSuffix"] = taken;

        var response = await _http.PatchAsync(_http.AppPath(rg, "web"), body);

        Assert.Equal(("ContainerAppRevisionNameConflict", HttpStatusCode.BadRequest), (response.ErrorCode, response.Status));
        Assert.Single(Server.App(rg, "web").Revisions);
    }

    public void Dispose() => _http.Dispose();

    private static JsonObject Traffic(params (string Revision, int Weight)[] weights) => new()
    {
        ["properties"] = new JsonObject
        {
            ["configuration"] = new JsonObject
            {
                ["ingress"] = new JsonObject
                {
                    ["traffic"] = new JsonArray([.. weights.Select(w => (JsonNode)new JsonObject { ["revisionName"] = w.Revision, ["weight"] = w.Weight })]),
                },
            },
        },
    };

    private string Seeded(int minReplicas = 1, int maxReplicas = 1, bool multiple = false)
    {
        var rg = ArmServerFixture.NewResourceGroup();
        Server.SeedApp(rg, "web", "registry.test/web:1", minReplicas, maxReplicas, multiple);
        return rg;
    }
}
