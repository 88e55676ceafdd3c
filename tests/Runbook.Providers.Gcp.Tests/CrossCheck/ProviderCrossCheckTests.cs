using System.Globalization;
using System.Text.Json.Nodes;
using Runbook.Execution.Actions;
using Runbook.Providers.Gcp.Tests.CloudRunServer;
using Runbook.Providers.Gcp.Tests.Provider;
using Runbook.Providers.Gcp.Tests.Support;
using Runbook.Providers.Tests;

namespace Runbook.Providers.Gcp.Tests.CrossCheck;

/// <summary>
/// The provider and Google's own JavaScript client (@google-cloud/run in REST mode, @google-cloud/logging; check.mjs)
/// take turns on the same service, and each sees what the other did: scale, image deploy, traffic rollback, the
/// long-running operation, a failed revision and filtered logs. A missing client fails these tests, naming setup-gcp-clients.sh.
/// </summary>
public sealed class ProviderCrossCheckTests(CloudRunServerFixture fixture) : IClassFixture<CloudRunServerFixture>
{
    private const string Image1 = "europe-docker.pkg.dev/runbook-test-project/apps/web:1";
    private const string Image2 = "europe-docker.pkg.dev/runbook-test-project/apps/web:2";

    private readonly CloudRunTestServer _server = fixture.Server;
    private readonly string _service = CloudRunServerFixture.NewService("cross");
    private readonly ActionsContext _context = new();

    private string FullName => $"projects/{_server.Project}/locations/{_server.Region}/services/{_service}";

    private async Task<IReadOnlyDictionary<string, object?>> RunAsync(string action, params (string Name, object? Value)[] arguments)
    {
        var outcome = await GcpTarget.Actions(_server)[action].ExecuteAsync(
            _context.Invocation(action, arguments.Prepend(("service", _service)).ToDictionary(a => a.Item1, a => a.Item2)), CancellationToken.None);
        return Assert.IsType<Succeeded>(outcome).Outputs;
    }

    private JsonObject Js(string scenario, JsonObject args)
    {
        var json = GcpClients.Instance.Js(_server.Endpoint, _server.Token, scenario, args).Json;
        Assert.True(json["error"] is null, $"check.mjs {scenario}: {json["error"]?.ToJsonString()}");
        return json;
    }

    private JsonObject JsService() => Js("get-service", new JsonObject { ["service"] = FullName })["service"]!.AsObject();

    private static string Short(JsonNode? name) => name!.GetValue<string>()[(name.GetValue<string>().LastIndexOf('/') + 1)..];

    [Fact]
    public async Task The_client_sees_the_provider_s_scale_and_the_provider_sees_the_client_s()
    {
        GcpClients.Instance.EnsureReady();
        _server.SeedService(_service, Image1, minInstances: 1, maxInstances: 10);

        await RunAsync("service.scale", ("replicas", 3L));
        await RunAsync("service.wait", ("timeout", "30s"));
        var seenByClient = JsService();

        Js("update-scaling", new JsonObject { ["service"] = FullName, ["min"] = 5, ["max"] = 8 });
        var seenByProvider = await RunAsync("service.describe");

        Assert.Equal(3, seenByClient["minInstanceCount"]!.GetValue<int>());
        Assert.Equal(10, seenByClient["maxInstanceCount"]!.GetValue<int>());
        Assert.Equal(5L, seenByProvider["desired_replicas"]);
        Assert.Equal(5L, seenByProvider["replicas"]);
        Assert.Equal(true, seenByProvider["healthy"]);
    }

    [Fact]
    public async Task The_client_sees_the_provider_s_deploy_and_the_provider_sees_the_client_s_image_and_revisions()
    {
        GcpClients.Instance.EnsureReady();
        _server.SeedService(_service, Image1);
        var first = _server.Service(_service).ServingRevision;

        var deployed = await RunAsync("service.deploy", ("image", Image2));
        await RunAsync("service.wait", ("timeout", "30s"));
        var seenByClient = JsService();
        var providerRevision = (await RunAsync("service.describe"))["revision"];

        var updated = Js("update-image", new JsonObject { ["service"] = FullName, ["image"] = Image2 + "-client" })["service"]!.AsObject();
        var seenByProvider = await RunAsync("service.describe");
        var listed = Js("list-revisions", new JsonObject { ["service"] = FullName })["revisions"]!.AsArray();
        var history = await RunAsync("service.history", ("limit", 10L));

        Assert.Equal(first, deployed["previous_revision"]);
        Assert.Equal(Image2, seenByClient["image"]!.GetValue<string>());
        Assert.Equal(Short(seenByClient["latestReadyRevision"]), providerRevision);
        Assert.Equal(Image2 + "-client", seenByProvider["image"]);
        Assert.Equal(Short(updated["latestReadyRevision"]), seenByProvider["revision"]);
        Assert.Equal(providerRevision, seenByProvider["previous_revision"]);
        Assert.Equal(listed.Select(r => (object?)Short(r!["name"])).ToList(), history["revisions"]);
    }

    [Fact]
    public async Task The_client_sees_the_provider_s_traffic_rollback_and_the_provider_sees_the_client_s()
    {
        GcpClients.Instance.EnsureReady();
        _server.SeedService(_service, Image1);
        var first = _server.Service(_service).ServingRevision!;
        await RunAsync("service.deploy", ("image", Image2));
        await RunAsync("service.wait", ("timeout", "30s"));
        var second = _server.Service(_service).ServingRevision!;

        await RunAsync("service.rollback");
        await RunAsync("service.wait", ("timeout", "30s"));
        var seenByClient = JsService();

        Js("update-traffic", new JsonObject { ["service"] = FullName, ["revision"] = second });
        var seenByProvider = await RunAsync("service.describe");
        var history = await RunAsync("service.history");

        var traffic = Assert.Single(seenByClient["traffic"]!.AsArray());
        Assert.Equal("TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION", traffic!["type"]!.GetValue<string>());
        Assert.Equal(first, traffic["revision"]!.GetValue<string>());
        Assert.Equal(100, traffic["percent"]!.GetValue<int>());
        Assert.Contains(seenByClient["trafficStatuses"]!.AsArray(), s => s!["revision"]?.GetValue<string>() == first && s["percent"]!.GetValue<int>() == 100);
        Assert.Equal(second, seenByProvider["revision"]);
        Assert.Equal(Image2, seenByProvider["image"]);
        Assert.Equal(first, seenByProvider["previous_revision"]);
        Assert.Equal(second, history["current"]);
    }

    [Fact]
    public async Task When_the_client_s_operation_is_done_the_provider_sees_the_service_rolled_out_and_the_provider_s_wait_ends_when_the_client_sees_it_done()
    {
        GcpClients.Instance.EnsureReady();
        _server.SeedService(_service, Image1);

        var polled = Js("poll-operation", new JsonObject { ["service"] = FullName, ["image"] = Image2 });
        var seenByProvider = await RunAsync("service.describe");

        await RunAsync("service.deploy", ("image", Image2 + "-provider"));
        await RunAsync("service.wait", ("timeout", "30s"));
        var seenByClient = JsService();

        Assert.True(polled["polls"]!.GetValue<int>() >= 1, "the client polled the operation at least once");
        Assert.Equal(true, seenByProvider["healthy"]);
        Assert.Equal(Image2, seenByProvider["image"]);
        Assert.False(seenByClient["reconciling"]!.GetValue<bool>());
        Assert.Equal(seenByClient["generation"]!.GetValue<string>(), seenByClient["observedGeneration"]!.GetValue<string>());
        Assert.Equal(seenByClient["latestCreatedRevision"]!.GetValue<string>(), seenByClient["latestReadyRevision"]!.GetValue<string>());
        Assert.Equal(Image2 + "-provider", seenByClient["image"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_revision_that_fails_for_the_client_fails_the_provider_s_wait_at_once_with_the_same_reason()
    {
        GcpClients.Instance.EnsureReady();
        _server.SeedService(_service, Image1);
        _server.MarkImageBad(Image2 + "-crashes");

        var clientError = Js2("bad-image", new JsonObject { ["service"] = FullName, ["image"] = Image2 + "-crashes" })["error"]!.AsObject();
        var outcome = await GcpTarget.Actions(_server)["service.wait"].ExecuteAsync(
            _context.Invocation("service.wait", new Dictionary<string, object?> { ["service"] = _service, ["timeout"] = "5m" }), CancellationToken.None);
        var described = await RunAsync("service.describe");

        var failed = Assert.IsType<Failed>(outcome);
        var message = clientError["message"]!.GetValue<string>();
        Assert.Contains("failed to start", message, StringComparison.Ordinal);
        Assert.Contains(CloudRunBackend.FailedStartMessage, failed.Error, StringComparison.Ordinal);
        Assert.Contains(CloudRunBackend.FailedStartMessage, message, StringComparison.Ordinal);
        Assert.Equal(Image1, described["image"]);
    }

    private JsonObject Js2(string scenario, JsonObject args) => GcpClients.Instance.Js(_server.Endpoint, _server.Token, scenario, args).Json;

    [Fact]
    public async Task The_provider_s_filtered_logs_are_the_entries_the_client_reads_with_the_same_query()
    {
        GcpClients.Instance.EnsureReady();
        _server.SeedService(_service, Image1);
        var revision = _server.Service(_service).ServingRevision!;
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < 6; i++)
        {
            _server.Log(_service, revision, now - TimeSpan.FromMinutes(20 - i), i % 2 == 0 ? $"GET /orders {500 + i} upstream \"timeout\"" : $"GET /health 200 #{i}",
                i % 2 == 0 ? "ERROR" : "INFO");
        }

        var since = (now - TimeSpan.FromMinutes(30)).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        var client = Js("logs", new JsonObject
        {
            ["service"] = FullName,
            ["since"] = since,
            ["filter"] = $"resource.labels.location=\"{_server.Region}\" AND textPayload:\"upstream \\\"timeout\\\"\"",
        })["entries"]!.AsArray().Select(e => e!["text"]!.GetValue<string>()).ToList();
        var provider = await RunAsync("service.logs", ("since", "30m"), ("tail", 100L), ("filter", "upstream \"timeout\""));

        var lines = Assert.IsType<List<object?>>(provider["lines"]).Cast<string>().ToList();
        Assert.Equal(3, client.Count);
        Assert.Equal(client, lines.Select(l => l[(l.IndexOf("] ", StringComparison.Ordinal) + 2)..]));
    }
}
