using System.Net;
using System.Text.Json.Nodes;

namespace Runbook.Providers.Gcp.Tests.CloudRunServer;

/// <summary>
/// The server answers only in the shapes of Google's discovery documents: every property it emits for a Service,
/// Revision, Operation and LogEntry exists in their schemas with the right JSON type and enum values — and the
/// checker that says so can say no.
/// </summary>
public sealed class DiscoveryDocumentTests
{
    private static readonly DiscoveryDocument Run = DiscoveryDocument.Load("run.v2.discovery.json");
    private static readonly DiscoveryDocument Logging = DiscoveryDocument.Load("logging.v2.discovery.json");

    [Theory]
    [InlineData("{\"name\":\"x\",\"minInstances\":1}", "unknown property 'minInstances'")]
    [InlineData("{\"reconciling\":\"yes\"}", "expected a boolean")]
    [InlineData("{\"generation\":3}", "64-bit integer written as a string")]
    [InlineData("{\"terminalCondition\":{\"state\":\"READY\"}}", "is not one of the enum's values")]
    [InlineData("{\"template\":{\"scaling\":{\"maxInstanceCount\":\"ten\"}}}", "expected a number")]
    [InlineData("{\"traffic\":{\"percent\":100}}", "expected an array")]
    [InlineData("{\"labels\":{\"team\":7}}", "expected a string")]
    public void The_checker_refuses_what_the_service_schema_does_not_allow(string json, string problem)
    {
        var problems = Run.Check("GoogleCloudRunV2Service", JsonNode.Parse(json));

        Assert.Contains(problems, p => p.Contains(problem, StringComparison.Ordinal));
    }

    [Fact]
    public void The_checker_looks_inside_an_operations_any_by_its_type_url()
    {
        var operation = JsonNode.Parse("{\"name\":\"o\",\"done\":true,\"response\":{\"@type\":\"type.googleapis.com/google.cloud.run.v2.Service\",\"bogus\":1}}");

        Assert.Contains(Run.Check("GoogleLongrunningOperation", operation), p => p.Contains("unknown property 'bogus'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Every_property_the_server_emits_for_services_revisions_operations_and_log_entries_is_in_the_schemas()
    {
        await using var server = await CloudRunTestServer.StartAsync(new CloudRunServerOptions(TimeSpan.FromMilliseconds(100)));
        server.SeedService("tour", "app:1");
        server.MarkImageBad("app:bad");
        using var http = new CloudRunHttp(server);
        var path = http.ServicePath("tour");
        var answers = new List<(string Schema, JsonObject Body, DiscoveryDocument Document)>();
        async Task Read(string url, string schema)
        {
            var (status, body) = await http.GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, status);
            answers.Add((schema, body, Run));
        }

        var first = server.Service("tour").LatestReadyRevision!;
        var inFlight = await http.UpdateAsync("tour", s =>
        {
            s["template"]!["containers"]![0]!["image"] = "app:2";
            s["labels"] = new JsonObject { ["team"] = "payments" };
            s["template"]!["annotations"] = new JsonObject { ["run.googleapis.com/startup-cpu-boost"] = "true" };
        });
        answers.Add(("GoogleLongrunningOperation", inFlight, Run));
        await Read(path, "GoogleCloudRunV2Service");
        await Read($"{path}/revisions", "GoogleCloudRunV2ListRevisionsResponse");
        answers.Add(("GoogleLongrunningOperation", await http.WaitAsync(inFlight), Run));
        var pinned = await http.WaitAsync(await http.UpdateAsync("tour", s => s["traffic"] = new JsonArray(
            new JsonObject { ["type"] = "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION", ["revision"] = first, ["percent"] = 40, ["tag"] = "old" },
            new JsonObject { ["type"] = "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST", ["percent"] = 60 })));
        answers.Add(("GoogleLongrunningOperation", pinned, Run));
        var failed = await http.WaitAsync(await http.UpdateAsync("tour", s => s["template"]!["containers"]![0]!["image"] = "app:bad"));
        Assert.NotNull(failed["error"]);
        answers.Add(("GoogleLongrunningOperation", failed, Run));
        await Read(path, "GoogleCloudRunV2Service");
        await Read($"{path}/revisions?pageSize=1", "GoogleCloudRunV2ListRevisionsResponse");
        await Read($"{path}/revisions/{server.Service("tour").Revisions[0].Name}", "GoogleCloudRunV2Revision");
        await Read($"v2/projects/{server.Project}/locations/{server.Region}/services", "GoogleCloudRunV2ListServicesResponse");
        await Read($"v2/projects/{server.Project}/locations/{server.Region}/operations", "GoogleLongrunningListOperationsResponse");
        var (logStatus, logs) = await http.PostAsync("v2/entries:list", new JsonObject
        {
            ["resourceNames"] = new JsonArray($"projects/{server.Project}"),
            ["filter"] = "resource.labels.service_name=\"tour\"",
        });
        Assert.Equal(HttpStatusCode.OK, logStatus);
        answers.Add(("ListLogEntriesResponse", logs, Logging));

        foreach (var (schema, body, document) in answers)
        {
            Assert.Empty(document.Check(schema, body));
        }

        // The tour reached the interesting parts of each shape, so the check above covered them.
        var service = answers.Last(a => a.Schema == "GoogleCloudRunV2Service").Body;
        foreach (var property in (string[])["terminalCondition", "conditions", "trafficStatuses", "latestReadyRevision", "latestCreatedRevision", "etag", "labels", "observedGeneration"])
        {
            Assert.True(service.ContainsKey(property), $"the service answer has no {property}: {service.ToJsonString()}");
        }

        Assert.Contains(service["trafficStatuses"]!.AsArray(), t => t!["tag"] is not null && t["uri"] is not null);
        Assert.NotNull(logs["entries"]![0]!["resource"]!["labels"]);
        Assert.Empty(server.OutputProblems);
    }

    [Fact]
    public async Task Output_only_fields_a_client_echoes_back_are_ignored_as_google_does()
    {
        await using var server = await CloudRunTestServer.StartAsync();
        server.SeedService("echo", "app:1");
        using var http = new CloudRunHttp(server);

        var operation = await http.UpdateAsync("echo", s =>
        {
            s["generation"] = "99";
            s["latestReadyRevision"] = "projects/x/locations/y/services/echo/revisions/forged";
            s["reconciling"] = true;
            s["uri"] = "https://elsewhere.example";
        });

        Assert.True(operation["done"]!.GetValue<bool>());
        var held = server.Service("echo");
        Assert.Equal(1, held.Generation);
        Assert.NotEqual("forged", held.LatestReadyRevision);
        var (_, service) = await http.GetAsync(http.ServicePath("echo"));
        Assert.NotEqual("https://elsewhere.example", service["uri"]!.GetValue<string>());
    }
}
