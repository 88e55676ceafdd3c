using System.Net;
using System.Text.Json.Nodes;
using Runbook.Providers.Azure.Tests.Support;

namespace Runbook.Providers.Azure.Tests.ArmServer;

/// <summary>The resource paths, merge patch and validation as docs/providers.md promises them.</summary>
public sealed class ResourceTests(ArmServerFixture fixture) : IClassFixture<ArmServerFixture>, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly ArmHttp _http = new(fixture.Server);

    private ContainerAppsTestServer Server => fixture.Server;

    [Fact]
    public async Task Paths_are_matched_without_regard_to_case_and_every_answer_carries_request_ids()
    {
        var rg = Seeded();
        var path = $"SUBSCRIPTIONS/{Server.Subscription.ToUpperInvariant()}/resourcegroups/{rg}/PROVIDERS/microsoft.app/CONTAINERAPPS/web";

        var response = await _http.GetAsync(path);
        var missing = await _http.GetAsync(_http.AppPath(rg, "nope"));

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("web", (string?)response.Body!["name"]);
        Assert.True(Guid.TryParse(response.Header("x-ms-request-id"), out _));
        Assert.True(Guid.TryParse(missing.Header("x-ms-correlation-request-id"), out _));
    }

    [Fact]
    public async Task A_client_request_id_is_echoed_only_when_the_client_asks_for_it()
    {
        var rg = Seeded();
        using var client = new HttpClient(Server.CreateTrustingHandler()) { BaseAddress = Server.Endpoint };

        async Task<string?> EchoAsync(bool ask)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, _http.AppPath(rg, "web") + "?api-version=2026-01-01");
            request.Headers.Authorization = new("Bearer", Server.Token);
            request.Headers.Add("x-ms-client-request-id", "7f1c9a52-0000-4000-8000-000000000001");
            if (ask)
            {
                request.Headers.Add("x-ms-return-client-request-id", "true");
            }

            using var response = await client.SendAsync(request);
            return response.Headers.TryGetValues("x-ms-client-request-id", out var values) ? values.Single() : null;
        }

        Assert.Equal("7f1c9a52-0000-4000-8000-000000000001", await EchoAsync(ask: true));
        Assert.Null(await EchoAsync(ask: false));
    }

    [Fact]
    public async Task Apps_are_listed_by_resource_group_and_by_subscription()
    {
        var rg = Seeded();
        Server.SeedApp(rg, "api", "registry.test/api:1");

        var group = await _http.GetAsync($"subscriptions/{Server.Subscription}/resourceGroups/{rg}/providers/Microsoft.App/containerApps");
        var all = await _http.GetAsync($"subscriptions/{Server.Subscription}/providers/Microsoft.App/containerApps");

        Assert.Equal(["api", "web"], group.Body!["value"]!.AsArray().Select(a => (string)a!["name"]!));
        Assert.Contains(all.Body!["value"]!.AsArray(), a => ((string)a!["id"]!).Contains($"/resourceGroups/{rg}/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_single_replica_is_read_by_name_and_an_unknown_one_is_404()
    {
        var rg = Seeded();
        var revision = Server.App(rg, "web").LatestRevision;
        var list = await _http.GetAsync($"{_http.AppPath(rg, "web")}/revisions/{revision}/replicas");
        var name = (string)list.Body!["value"]![0]!["name"]!;

        var one = await _http.GetAsync($"{_http.AppPath(rg, "web")}/revisions/{revision}/replicas/{name}");
        var none = await _http.GetAsync($"{_http.AppPath(rg, "web")}/revisions/{revision}/replicas/{name}x");

        Assert.Equal(name, (string?)one.Body!["name"]);
        Assert.Equal("Running", (string?)one.Body!["properties"]!["runningState"]);
        Assert.Equal(("ResourceNotFound", HttpStatusCode.NotFound), (none.ErrorCode, none.Status));
    }

    [Fact]
    public async Task A_revision_that_does_not_exist_is_404_naming_it()
    {
        var rg = Seeded();

        var response = await _http.GetAsync($"{_http.AppPath(rg, "web")}/revisions/web--nosuch");

        Assert.Equal(("ResourceNotFound", HttpStatusCode.NotFound), (response.ErrorCode, response.Status));
        Assert.Contains("'Microsoft.App/containerApps/revisions/web/web--nosuch'", response.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delete_is_not_supported_and_still_counts_as_a_mutating_request()
    {
        var rg = Seeded();
        var before = Server.MutatingRequests;

        var response = await _http.SendAsync(HttpMethod.Delete, _http.AppPath(rg, "web"));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.Status);
        Assert.Equal(before + 1, Server.MutatingRequests);
        Assert.Single(Server.App(rg, "web").Revisions);
    }

    [Fact]
    public async Task A_filter_on_revisions_is_refused_rather_than_ignored()
    {
        var rg = Seeded();

        var response = await _http.GetAsync($"{_http.AppPath(rg, "web")}/revisions?$filter=properties/active eq true");

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("InvalidFilter", response.ErrorCode);
    }

    [Fact]
    public async Task A_put_that_changes_nothing_answers_200_without_an_operation()
    {
        var rg = Seeded();
        var current = (await _http.GetAsync(_http.AppPath(rg, "web"))).Body!.AsObject();
        var body = new JsonObject
        {
            ["location"] = (string?)current["location"],
            ["properties"] = new JsonObject
            {
                ["managedEnvironmentId"] = (string?)current["properties"]!["managedEnvironmentId"],
                ["configuration"] = current["properties"]!["configuration"]!.DeepClone(),
                ["template"] = current["properties"]!["template"]!.DeepClone(),
            },
        };
        body["properties"]!["configuration"]!["ingress"]!.AsObject().Remove("fqdn"); // read-only, computed by the server

        var response = await _http.SendAsync(HttpMethod.Put, _http.AppPath(rg, "web"), body);

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Null(response.Header("Azure-AsyncOperation"));
        Assert.Equal("Succeeded", Server.App(rg, "web").ProvisioningState);
    }

    [Fact]
    public async Task Patch_merges_objects_removes_what_is_null_and_replaces_arrays_whole()
    {
        var rg = Seeded();
        var first = new JsonObject { ["tags"] = new JsonObject { ["team"] = "data", ["tier"] = "gold" } };
        var second = new JsonObject
        {
            ["tags"] = new JsonObject { ["tier"] = null },
            ["properties"] = new JsonObject
            {
                ["template"] = new JsonObject
                {
                    ["containers"] = new JsonArray(
                        new JsonObject { ["name"] = "web", ["image"] = "registry.test/web:2" },
                        new JsonObject { ["name"] = "sidecar", ["image"] = "registry.test/envoy:1" }),
                },
            },
        };

        var one = await _http.PatchAsync(_http.AppPath(rg, "web"), first);
        await _http.PollAsync(one.Header("Azure-AsyncOperation")!, Patience);
        var two = await _http.PatchAsync(_http.AppPath(rg, "web"), second);
        await _http.PollAsync(two.Header("Azure-AsyncOperation")!, Patience);
        var app = (await _http.GetAsync(_http.AppPath(rg, "web"))).Body!;

        Assert.Equal("""{"team":"data"}""", app["tags"]!.ToJsonString());
        Assert.Equal(["web", "sidecar"], app["properties"]!["template"]!["containers"]!.AsArray().Select(c => (string)c!["name"]!));
        Assert.Null(app["properties"]!["template"]!["containers"]![0]!["resources"]); // the array was replaced, not merged
        Assert.Equal(1, (int?)app["properties"]!["template"]!["scale"]!["minReplicas"]); // untouched objects stay
        Assert.Equal(2, Server.App(rg, "web").Revisions.Count); // tags alone made no revision
    }

    [Theory]
    [InlineData("""{"properties":{"template":{"containers":[{"image":"registry.test/web:2"}]}}}""", "ContainerAppInvalidSchema")]
    [InlineData("""{"properties":{"template":{"containers":[]}}}""", "ContainerAppInvalidSchema")]
    [InlineData("""{"properties":{"template":{"scale":{"minReplicas":3,"maxReplicas":2}}}}""", "ContainerAppInvalidScaleSettings")]
    [InlineData("""{"properties":{"template":{"scale":{"maxReplicas":1001}}}}""", "ContainerAppInvalidScaleSettings")]
    [InlineData("""{"properties":{"configuration":{"activeRevisionsMode":"Several"}}}""", "ContainerAppInvalidSchema")]
    [InlineData("""{"properties":{"configuration":{"ingress":{"traffic":[{"revisionName":"REV","weight":100}]}}}}""", "ContainerAppInvalidTrafficWeight")]
    public async Task Invalid_changes_are_refused_in_the_servers_words_and_change_nothing(string json, string code)
    {
        var rg = Seeded();
        var before = Server.App(rg, "web");

        var response = await _http.PatchAsync(_http.AppPath(rg, "web"), JsonNode.Parse(json.Replace("REV", before.LatestRevision, StringComparison.Ordinal))!);

        Assert.Equal((code, HttpStatusCode.BadRequest), (response.ErrorCode, response.Status));
        var after = Server.App(rg, "web");
        Assert.Equal((before.Image, before.MinReplicas, before.MaxReplicas, before.Revisions.Count, "Succeeded"),
            (after.Image, after.MinReplicas, after.MaxReplicas, after.Revisions.Count, after.ProvisioningState));
    }

    [Fact]
    public async Task Traffic_to_an_inactive_revision_is_refused()
    {
        var rg = Seeded(multiple: true);
        var first = Server.App(rg, "web").LatestRevision;
        var deploy = await _http.PatchAsync(_http.AppPath(rg, "web"), ProtocolTests.Image("registry.test/web:2"));
        await _http.PollAsync(deploy.Header("Azure-AsyncOperation")!, Patience);
        await _http.PostAsync($"{_http.AppPath(rg, "web")}/revisions/{first}/deactivate");
        var body = JsonNode.Parse("""{"properties":{"configuration":{"ingress":{"traffic":[{"revisionName":"REV","weight":100}]}}}}""".Replace("REV", first, StringComparison.Ordinal))!;

        var response = await _http.PatchAsync(_http.AppPath(rg, "web"), body);

        Assert.Equal(("ContainerAppRevisionNotActive", HttpStatusCode.BadRequest), (response.ErrorCode, response.Status));
    }

    [Fact]
    public async Task Injected_conflicts_also_answer_revision_actions()
    {
        var rg = Seeded();
        var revision = Server.App(rg, "web").LatestRevision;
        Server.ConflictNext(1);

        var response = await _http.PostAsync($"{_http.AppPath(rg, "web")}/revisions/{revision}/restart");

        Assert.Equal(HttpStatusCode.Conflict, response.Status);
        Assert.Equal(0, Server.App(rg, "web").Revision(revision).Restarts);
    }

    [Fact]
    public async Task The_location_url_answers_202_with_its_own_location_and_retry_after_while_the_operation_runs()
    {
        var rg = Seeded();
        var patch = await _http.PatchAsync(_http.AppPath(rg, "web"), ProtocolTests.Image("registry.test/web:2"));

        var running = await _http.GetAsync(patch.Header("Location")!);

        Assert.Equal(HttpStatusCode.Accepted, running.Status);
        Assert.Equal(patch.Header("Location"), running.Headers.Location?.ToString());
        Assert.Equal("1", running.Header("Retry-After"));
        await Server.WaitForStableAsync(rg, "web", Patience);
    }

    public void Dispose() => _http.Dispose();

    private string Seeded(bool multiple = false)
    {
        var rg = ArmServerFixture.NewResourceGroup();
        Server.SeedApp(rg, "web", "registry.test/web:1", 1, 1, multiple);
        return rg;
    }
}
