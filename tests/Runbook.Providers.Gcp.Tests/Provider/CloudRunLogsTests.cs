using Runbook.Execution.Actions;
using Runbook.Providers.Gcp.Tests.CloudRunServer;
using Runbook.Providers.Tests;

namespace Runbook.Providers.Gcp.Tests.Provider;

/// <summary>service.logs over Cloud Logging entries:list, against the test server's log store (one service per test).</summary>
public sealed class CloudRunLogsTests(CloudRunServerFixture fixture) : IClassFixture<CloudRunServerFixture>
{
    private readonly CloudRunTestServer _server = fixture.Server;
    private readonly string _service = CloudRunServerFixture.NewService("logs");
    private readonly ActionsContext _context = new();

    private async Task<List<string>> LinesAsync(CloudRunTestServer server, params (string Name, object? Value)[] arguments)
    {
        var outcome = await GcpTarget.Actions(server)["service.logs"].ExecuteAsync(
            _context.Invocation("service.logs", arguments.Append(("service", _service)).ToDictionary(a => a.Item1, a => a.Item2)), CancellationToken.None);
        return [.. Assert.IsType<List<object?>>(Assert.IsType<Succeeded>(outcome).Outputs["lines"]).Cast<string>()];
    }

    private string Seed(CloudRunTestServer server)
    {
        server.SeedService(_service, "europe-docker.pkg.dev/runbook-test-project/apps/logs:1");
        return server.Service(_service).ServingRevision!;
    }

    [Fact]
    public async Task Tail_is_the_newest_lines_in_time_order()
    {
        var revision = Seed(_server);
        var now = DateTimeOffset.UtcNow;
        for (var i = 1; i <= 5; i++)
        {
            _server.Log(_service, revision, now - TimeSpan.FromMinutes(10 - i), $"line {i}");
        }

        var lines = await LinesAsync(_server, ("tail", 3L), ("since", "1h"));

        Assert.Equal(3, lines.Count);
        Assert.EndsWith($"[{revision}] line 3", lines[0], StringComparison.Ordinal);
        Assert.EndsWith($"[{revision}] line 4", lines[1], StringComparison.Ordinal);
        Assert.EndsWith($"[{revision}] line 5", lines[2], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tail_longer_than_a_page_follows_the_pages()
    {
        await using var paged = await CloudRunTestServer.StartAsync(new CloudRunServerOptions(PageSize: 2));
        var revision = Seed(paged);
        var now = DateTimeOffset.UtcNow;
        for (var i = 1; i <= 7; i++)
        {
            paged.Log(_service, revision, now - TimeSpan.FromMinutes(10 - i), $"line {i}", i == 7 ? "ERROR" : "DEFAULT");
        }

        var lines = await LinesAsync(paged, ("tail", 5L), ("since", "30m"));

        Assert.Equal(["line 3", "line 4", "line 5", "line 6", "line 7"], lines.Select(l => l[(l.IndexOf("] ", StringComparison.Ordinal) + 2)..]));
        Assert.Contains(" ERROR [", lines[4], StringComparison.Ordinal);
        Assert.True(paged.Calls.Count(c => c.Target.Contains("entries:list", StringComparison.Ordinal)) >= 3);
    }

    [Fact]
    public async Task Since_leaves_out_older_lines()
    {
        var revision = Seed(_server);
        var now = DateTimeOffset.UtcNow;
        _server.Log(_service, revision, now - TimeSpan.FromHours(2), "two hours ago");
        _server.Log(_service, revision, now - TimeSpan.FromMinutes(10), "ten minutes ago");

        var lines = await LinesAsync(_server, ("tail", 100L), ("since", "1h"));

        Assert.Contains(lines, l => l.EndsWith("ten minutes ago", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.EndsWith("two hours ago", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Another_service_s_lines_are_not_included()
    {
        var revision = Seed(_server);
        var other = CloudRunServerFixture.NewService("other");
        _server.SeedService(other, "europe-docker.pkg.dev/runbook-test-project/apps/other:1");
        var now = DateTimeOffset.UtcNow;
        _server.Log(_service, revision, now - TimeSpan.FromMinutes(2), "mine");
        _server.Log(other, _server.Service(other).ServingRevision!, now - TimeSpan.FromMinutes(1), "theirs");

        var lines = await LinesAsync(_server, ("tail", 100L), ("since", "1h"));

        Assert.Contains(lines, l => l.EndsWith("mine", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("theirs", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("say \"hi\" to me")]
    [InlineData("\" OR textPayload:\"")]
    [InlineData("C:\\temp\\\" AND severity>=ERROR")]
    [InlineData("trailing backslash\\")]
    public async Task A_hostile_filter_value_matches_only_lines_holding_it_literally(string value)
    {
        var revision = Seed(_server);
        var now = DateTimeOffset.UtcNow;
        _server.Log(_service, revision, now - TimeSpan.FromMinutes(3), "an ordinary line");
        _server.Log(_service, revision, now - TimeSpan.FromMinutes(2), $"before {value} after", "ERROR");
        _server.Log(_service, revision, now - TimeSpan.FromMinutes(1), "another ordinary line");

        var lines = await LinesAsync(_server, ("tail", 1L), ("since", "1h"), ("filter", value));

        // The tail of one counts matching lines only, so the match is found although two newer lines do not match.
        var line = Assert.Single(lines);
        Assert.EndsWith($"before {value} after", line, StringComparison.Ordinal);
        Assert.DoesNotContain(_server.Calls, c => c.Target.Contains("entries:list", StringComparison.Ordinal) && c.Status != 200);
    }

    [Fact]
    public async Task A_tail_of_zero_asks_nothing()
    {
        Seed(_server);
        var calls = _server.Calls.Count(c => c.Target.Contains("entries:list", StringComparison.Ordinal));

        var lines = await LinesAsync(_server, ("tail", 0L));

        Assert.Empty(lines);
        Assert.Equal(calls, _server.Calls.Count(c => c.Target.Contains("entries:list", StringComparison.Ordinal)));
    }
}
