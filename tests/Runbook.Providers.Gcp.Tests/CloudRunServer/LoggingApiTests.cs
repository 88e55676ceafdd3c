using System.Net;
using System.Text.Json.Nodes;

namespace Runbook.Providers.Gcp.Tests.CloudRunServer;

/// <summary>Logging v2 entries:list: the filter terms the provider and the clients use, order, pages, and refusal of the rest.</summary>
public sealed class LoggingApiTests(CloudRunServerFixture fixture) : IClassFixture<CloudRunServerFixture>
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    private CloudRunTestServer Server => fixture.Server;

    private async Task<(HttpStatusCode Status, JsonObject Body)> ListAsync(string filter, string? orderBy = null, int pageSize = 0, string? pageToken = null)
    {
        using var http = new CloudRunHttp(Server);
        var body = new JsonObject { ["resourceNames"] = new JsonArray($"projects/{Server.Project}"), ["filter"] = filter };
        if (orderBy is not null)
        {
            body["orderBy"] = orderBy;
        }

        if (pageSize != 0)
        {
            body["pageSize"] = pageSize;
        }

        if (pageToken is not null)
        {
            body["pageToken"] = pageToken;
        }

        return await http.PostAsync("v2/entries:list", body);
    }

    private static List<string> Texts(JsonObject body) =>
        [.. (body["entries"]?.AsArray() ?? []).Select(e => e!["textPayload"]!.GetValue<string>())];

    private string Seeded(string prefix)
    {
        var name = CloudRunServerFixture.NewService(prefix);
        Server.SeedService(name, "app:1");
        var revision = Server.Service(name).LatestReadyRevision!;
        Server.Log(name, revision, T0, "GET /health 200");
        Server.Log(name, revision, T0.AddMinutes(1), "payment gateway timeout", "ERROR");
        Server.Log(name, revision, T0.AddMinutes(2), "GET /cart 200", "INFO");
        return name;
    }

    [Fact]
    public async Task Entries_are_filtered_on_the_service_and_a_time_and_come_oldest_first_by_default()
    {
        var name = Seeded("logs");
        var other = Seeded("other");

        var (status, body) = await ListAsync($"resource.type=\"cloud_run_revision\" AND resource.labels.service_name=\"{name}\" AND timestamp>=\"{T0:O}\"");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["GET /health 200", "payment gateway timeout", "GET /cart 200"], Texts(body));
        var entry = body["entries"]![0]!;
        Assert.Equal("cloud_run_revision", entry["resource"]!["type"]!.GetValue<string>());
        Assert.Equal(name, entry["resource"]!["labels"]!["service_name"]!.GetValue<string>());
        Assert.Equal($"projects/{Server.Project}/logs/run.googleapis.com%2Fstdout", entry["logName"]!.GetValue<string>());
        _ = other;
    }

    [Fact]
    public async Task Severity_and_text_terms_narrow_the_entries_and_timestamp_desc_reverses_them()
    {
        var name = Seeded("sev");

        var (_, errors) = await ListAsync($"resource.labels.service_name=\"{name}\" severity>=ERROR timestamp>=\"{T0:O}\"");
        var (_, text) = await ListAsync($"resource.labels.service_name=\"{name}\" AND textPayload:\"GET\" AND timestamp>=\"{T0:O}\"", "timestamp desc");

        Assert.Equal(["payment gateway timeout"], Texts(errors));
        Assert.Equal(["GET /cart 200", "GET /health 200"], Texts(text));
    }

    [Fact]
    public async Task Revisions_write_their_own_startup_lines()
    {
        var name = CloudRunServerFixture.NewService("startup");
        Server.SeedService(name, "app:1");
        var revision = Server.Service(name).LatestReadyRevision!;

        var (_, body) = await ListAsync($"resource.labels.service_name=\"{name}\" resource.labels.revision_name=\"{revision}\"");

        Assert.Contains(Texts(body), t => t.StartsWith("Starting new instance.", StringComparison.Ordinal));
        Assert.Contains(Texts(body), t => t.Contains("STARTUP TCP probe succeeded", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Entries_come_in_pages_that_follow_next_page_token()
    {
        var name = Seeded("logpages");
        var filter = $"resource.labels.service_name=\"{name}\" timestamp>=\"{T0:O}\"";

        var (_, first) = await ListAsync(filter, pageSize: 2);
        var (_, second) = await ListAsync(filter, pageSize: 2, pageToken: first["nextPageToken"]!.GetValue<string>());

        Assert.Equal(["GET /health 200", "payment gateway timeout"], Texts(first));
        Assert.Equal(["GET /cart 200"], Texts(second));
        Assert.Null(second["nextPageToken"]);
    }

    [Theory]
    [InlineData("resource.labels.service_name=\"a\" OR resource.labels.service_name=\"b\"")]
    [InlineData("NOT severity>=ERROR")]
    [InlineData("-severity>=ERROR")]
    [InlineData("(severity>=ERROR)")]
    [InlineData("timeout")]
    [InlineData("jsonPayload.message:\"x\"")]
    [InlineData("severity>=LOUD")]
    [InlineData("timestamp>=\"yesterday\"")]
    [InlineData("textPayload=~\"time.*\"")]
    [InlineData("resource.labels.service_name=\"unclosed")]
    public async Task A_filter_term_the_server_does_not_understand_is_400_invalid_argument_never_ignored(string filter)
    {
        var (status, body) = await ListAsync(filter);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("INVALID_ARGUMENT", body["error"]!["status"]!.GetValue<string>());
        Assert.StartsWith("Unparseable filter", body["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_order_other_than_by_timestamp_is_400()
    {
        var (status, _) = await ListAsync("severity>=ERROR", "severity desc");

        Assert.Equal(HttpStatusCode.BadRequest, status);
    }

    [Fact]
    public async Task Entries_of_another_project_are_403()
    {
        using var http = new CloudRunHttp(Server);

        var (status, body) = await http.PostAsync("v2/entries:list", new JsonObject { ["resourceNames"] = new JsonArray("projects/someone-elses") });

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("PERMISSION_DENIED", body["error"]!["status"]!.GetValue<string>());
    }
}
