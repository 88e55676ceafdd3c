using System.Text.Json.Nodes;
using Runbook.Providers.Gcp.Tests.CloudRunServer;
using Runbook.Providers.Gcp.Tests.Support;

namespace Runbook.Providers.Gcp.Tests.CrossCheck;

/// <summary>
/// The official JavaScript client (@google-cloud/run in REST mode, google-auth-library's OAuth2Client holding the
/// test token) does each thing against the server, and the server's own state shows it: the server is trusted
/// only as far as the vendor's client agrees with it.
/// </summary>
public sealed class JsClientCrossCheckTests(CloudRunServerFixture fixture) : IClassFixture<CloudRunServerFixture>
{
    private CloudRunTestServer Server => fixture.Server;

    private string Seed(string prefix, string image = "app:1", int min = 1, int max = 10)
    {
        var name = CloudRunServerFixture.NewService(prefix);
        Server.SeedService(name, image, min, max);
        return name;
    }

    private string FullName(string service) => $"projects/{Server.Project}/locations/{Server.Region}/services/{service}";

    private JsonObject Js(string scenario, JsonObject args, string? token = null) => GcpClients.Instance.Js(Server, scenario, args, token).Json;

    [Fact]
    public void The_client_reads_a_service_as_the_server_holds_it()
    {
        var name = Seed("js-get", "app:7", 2, 9);

        var seen = Js("get-service", new JsonObject { ["service"] = FullName(name) })["service"]!;

        var held = Server.Service(name);
        Assert.Equal(FullName(name), seen["name"]!.GetValue<string>());
        Assert.Equal("app:7", seen["image"]!.GetValue<string>());
        Assert.Equal(2, seen["minInstanceCount"]!.GetValue<int>());
        Assert.Equal(9, seen["maxInstanceCount"]!.GetValue<int>());
        Assert.Equal(held.Etag, seen["etag"]!.GetValue<string>());
        Assert.Equal($"{FullName(name)}/revisions/{held.LatestReadyRevision}", seen["latestReadyRevision"]!.GetValue<string>());
        Assert.Equal("CONDITION_SUCCEEDED", seen["terminalCondition"]!["state"]!.GetValue<string>());
        Assert.Equal("TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST", seen["trafficStatuses"]![0]!["type"]!.GetValue<string>());
        Assert.Equal(100, seen["trafficStatuses"]![0]!["percent"]!.GetValue<int>());
    }

    [Fact]
    public void The_clients_scaling_update_completes_its_operation_and_the_server_holds_the_new_counts()
    {
        var name = Seed("js-scale");

        var seen = Js("update-scaling", new JsonObject { ["service"] = FullName(name), ["min"] = 3, ["max"] = 12 });

        Assert.True(seen["done"]!.GetValue<bool>());
        Assert.Equal(3, seen["service"]!["minInstanceCount"]!.GetValue<int>());
        var held = Server.Service(name);
        Assert.Equal((3, 12), (held.MinInstances, held.MaxInstances));
        Assert.True(held.Ready);
        Assert.Equal(2, held.Revisions.Count);
        Assert.Equal(held.Revisions[0].Name, held.ServingRevision);
    }

    [Fact]
    public void The_clients_image_update_makes_a_revision_that_serves_all_traffic()
    {
        var name = Seed("js-image");

        var seen = Js("update-image", new JsonObject { ["service"] = FullName(name), ["image"] = "app:2" });

        var held = Server.Service(name);
        Assert.Equal("app:2", held.Image);
        Assert.Equal("app:2", held.Revisions[0].Image);
        Assert.Equal(100, held.PercentServedBy(held.Revisions[0].Name));
        Assert.Equal($"{FullName(name)}/revisions/{held.Revisions[0].Name}", seen["service"]!["latestReadyRevision"]!.GetValue<string>());
    }

    [Fact]
    public void The_client_lists_every_revision_over_all_pages_newest_first()
    {
        var name = Seed("js-list");
        for (var i = 2; i <= 3; i++)
        {
            Js("update-image", new JsonObject { ["service"] = FullName(name), ["image"] = $"app:{i}" });
        }

        var seen = Js("list-revisions", new JsonObject { ["service"] = FullName(name), ["pageSize"] = 2 });

        Assert.Equal(2, seen["pages"]!.GetValue<int>());
        var held = Server.Service(name);
        Assert.Equal(held.Revisions.Select(r => $"{FullName(name)}/revisions/{r.Name}"), seen["revisions"]!.AsArray().Select(r => r!["name"]!.GetValue<string>()));
        Assert.Equal(["app:3", "app:2", "app:1"], seen["revisions"]!.AsArray().Select(r => r!["image"]!.GetValue<string>()));
        Assert.All(seen["revisions"]!.AsArray(), r => Assert.True(r!["ready"]!.GetValue<bool>()));
    }

    [Fact]
    public void The_clients_traffic_update_sends_all_traffic_to_the_named_revision()
    {
        var name = Seed("js-traffic");
        var first = Server.Service(name).LatestReadyRevision!;
        Js("update-image", new JsonObject { ["service"] = FullName(name), ["image"] = "app:2" });

        var seen = Js("update-traffic", new JsonObject { ["service"] = FullName(name), ["revision"] = first });

        var held = Server.Service(name);
        Assert.Equal(100, held.PercentServedBy(first));
        Assert.NotEqual(first, held.LatestReadyRevision);
        var status = Assert.Single(seen["service"]!["trafficStatuses"]!.AsArray())!;
        Assert.Equal(first, status["revision"]!.GetValue<string>());
        Assert.Equal("TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION", status["type"]!.GetValue<string>());
    }

    [Fact]
    public void The_client_polls_the_long_running_operation_until_it_is_done()
    {
        var name = Seed("js-poll");

        var seen = Js("poll-operation", new JsonObject { ["service"] = FullName(name), ["image"] = "app:2" });

        Assert.True(seen["polls"]!.GetValue<int>() >= 1, seen.ToJsonString());
        Assert.True(seen["done"]!.GetValue<bool>());
        Assert.Equal("app:2", seen["service"]!["image"]!.GetValue<string>());
        Assert.Contains($"GET /v2/{seen["operation"]!.GetValue<string>()}", Server.Requests.Select(r => r.Split('?')[0]));
    }

    [Fact]
    public void A_bad_image_ends_the_clients_operation_with_the_revisions_error_and_traffic_stays()
    {
        var name = Seed("js-bad");
        Server.MarkImageBad("app:bad-js");
        var old = Server.Service(name).LatestReadyRevision!;

        var seen = Js("bad-image", new JsonObject { ["service"] = FullName(name), ["image"] = "app:bad-js" });

        var error = seen["error"]!;
        Assert.Equal(9, error["code"]!.GetValue<int>());
        Assert.Contains("is not ready and cannot serve traffic", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(100, Server.Service(name).PercentServedBy(old));
    }

    [Fact]
    public void A_missing_service_reaches_the_client_as_not_found_with_googles_message()
    {
        var seen = Js("get-service", new JsonObject { ["service"] = FullName("js-missing") });

        Assert.Equal(5, seen["error"]!["code"]!.GetValue<int>());
        Assert.Equal("NOT_FOUND", seen["error"]!["status"]!.GetValue<string>());
        Assert.Contains($"Resource 'js-missing' of kind 'SERVICE' in region '{Server.Region}' in project '{Server.Project}' does not exist.",
            seen["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_denied_permission_reaches_the_client_as_permission_denied_with_googles_message()
    {
        var name = Seed("js-deny");
        Server.AcceptToken("ya29.js-reader", "reader@runbook-test-project.iam.gserviceaccount.com", "run.services.update");

        var seen = Js("update-image", new JsonObject { ["service"] = FullName(name), ["image"] = "app:2" }, "ya29.js-reader");

        Assert.Equal(7, seen["error"]!["code"]!.GetValue<int>());
        Assert.Equal("PERMISSION_DENIED", seen["error"]!["status"]!.GetValue<string>());
        Assert.Equal("IAM_PERMISSION_DENIED", seen["error"]!["reason"]!.GetValue<string>());
        Assert.Equal("run.services.update", seen["error"]!["errorInfoMetadata"]!["permission"]!.GetValue<string>());
        Assert.Contains($"Permission 'run.services.update' denied on resource '{FullName(name)}'", seen["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("app:1", Server.Service(name).Image);
    }

    [Fact]
    public async Task A_429_on_get_is_surfaced_to_the_caller_as_resource_exhausted_because_the_client_retries_only_unavailable()
    {
        await using var server = await CloudRunTestServer.StartAsync();
        server.SeedService("svc", "app:1");
        server.ThrottleNext(1);

        var seen = GcpClients.Instance.Js(server, "get-service", new JsonObject { ["service"] = $"projects/{server.Project}/locations/{server.Region}/services/svc" }).Json;

        Assert.Equal(8, seen["error"]!["code"]!.GetValue<int>());
        Assert.Contains("Quota exceeded", seen["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Single(server.Calls, c => c.Method == "GET");
    }

    [Fact]
    public async Task A_503_on_get_is_retried_by_the_client_until_the_server_answers()
    {
        await using var server = await CloudRunTestServer.StartAsync();
        server.SeedService("svc", "app:7");
        server.UnavailableNext(2);

        var seen = GcpClients.Instance.Js(server, "get-service", new JsonObject { ["service"] = $"projects/{server.Project}/locations/{server.Region}/services/svc" }).Json;

        Assert.Equal("app:7", seen["service"]!["image"]!.GetValue<string>());
        Assert.Equal([503, 503, 200], server.Calls.Where(c => c.Method == "GET").Select(c => c.Status));
    }

    [Fact]
    public async Task A_429_on_update_is_not_retried_by_the_client_and_nothing_changes()
    {
        await using var server = await CloudRunTestServer.StartAsync();
        server.SeedService("svc", "app:1");
        var name = $"projects/{server.Project}/locations/{server.Region}/services/svc";
        server.ThrottleNext(1, "PATCH");

        var seen = GcpClients.Instance.Js(server, "update-image", new JsonObject { ["service"] = name, ["image"] = "app:2" }).Json;

        Assert.Equal(8, seen["error"]!["code"]!.GetValue<int>());
        Assert.Single(server.Calls, c => c.Method == "PATCH");
        Assert.Equal("app:1", server.Service("svc").Image);
    }

    [Fact]
    public void The_logging_client_reads_a_services_entries_as_the_server_filters_them()
    {
        var name = Seed("js-logs");
        var revision = Server.Service(name).LatestReadyRevision!;
        var t0 = new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
        Server.Log(name, revision, t0, "GET /health 200", "INFO");
        Server.Log(name, revision, t0.AddSeconds(1), "payment gateway timeout", "ERROR");
        Server.Log(name, revision, t0.AddSeconds(2), "GET /cart 200", "INFO");

        var seen = Js("logs", new JsonObject { ["service"] = FullName(name), ["since"] = "2026-11-30T12:00:00Z", ["orderBy"] = "timestamp asc" });

        Assert.Equal(["GET /health 200", "payment gateway timeout", "GET /cart 200"], seen["entries"]!.AsArray().Select(e => e!["text"]!.GetValue<string>()));
        Assert.Equal("ERROR", seen["entries"]![1]!["severity"]!.GetValue<string>());
        Assert.All(seen["entries"]!.AsArray(), e => Assert.Equal(revision, e!["revision"]!.GetValue<string>()));
        Assert.Equal("2026-11-30T12:00:01.000Z", seen["entries"]![1]!["timestamp"]!.GetValue<string>());
    }

    [Fact]
    public void The_logging_client_reads_only_errors_when_its_filter_asks_for_them()
    {
        var name = Seed("js-logerr");
        var revision = Server.Service(name).LatestReadyRevision!;
        var t0 = new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
        Server.Log(name, revision, t0, "fine", "INFO");
        Server.Log(name, revision, t0.AddSeconds(1), "broken", "ERROR");

        var seen = Js("logs", new JsonObject { ["service"] = FullName(name), ["since"] = "2026-11-30T12:00:00Z", ["filter"] = "severity>=ERROR" });

        Assert.Equal(["broken"], seen["entries"]!.AsArray().Select(e => e!["text"]!.GetValue<string>()));
    }
}
