using System.Net;

namespace Runbook.Providers.Gcp.Tests.CloudRunServer;

/// <summary>The revision controller runs on the server's clock only: with a clock moved by hand, readiness is exact.</summary>
public sealed class RevisionClockTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_revision_is_ready_exactly_revision_ready_after_the_change_and_not_a_tick_before()
    {
        var clock = new HandClock(Start);
        await using var server = await CloudRunTestServer.StartAsync(new CloudRunServerOptions(TimeSpan.FromSeconds(30), Time: clock));
        server.SeedService("svc", "app:1");
        var old = server.Service("svc").LatestReadyRevision!;
        using var http = new CloudRunHttp(server);
        var operation = await http.UpdateAsync("svc", s => s["template"]!["containers"]![0]!["image"] = "app:2");
        var name = "v2/" + operation["name"]!.GetValue<string>();

        clock.Advance(TimeSpan.FromSeconds(30) - TimeSpan.FromTicks(1));
        var (_, before) = await http.GetAsync(name);
        var almost = server.Service("svc");
        clock.Advance(TimeSpan.FromTicks(1));
        var (status, after) = await http.GetAsync(name);

        Assert.Null(before["done"]);
        Assert.True(almost.Reconciling);
        Assert.Equal(old, almost.ServingRevision);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(after["done"]!.GetValue<bool>());
        var ready = server.Service("svc");
        Assert.Equal(ready.Revisions[0].Name, ready.ServingRevision);
        Assert.Equal(Start, ready.Revisions[0].Created);
    }

    [Fact]
    public async Task Log_entries_of_a_revision_start_carry_the_servers_clock()
    {
        var clock = new HandClock(Start);
        await using var server = await CloudRunTestServer.StartAsync(new CloudRunServerOptions(TimeSpan.FromSeconds(10), Time: clock));
        server.SeedService("svc", "app:1");
        using var http = new CloudRunHttp(server);
        await http.UpdateAsync("svc", s => s["template"]!["containers"]![0]!["image"] = "app:2");

        clock.Advance(TimeSpan.FromSeconds(10));
        var revision = server.Service("svc").Revisions[0].Name;

        var started = server.LogEntries.Where(e => e.Revision == revision).ToList();
        Assert.NotEmpty(started);
        Assert.All(started, e => Assert.InRange(e.Timestamp, Start, Start.AddSeconds(10)));
        Assert.Equal(Start.AddSeconds(10), started.Max(e => e.Timestamp));
    }

    private sealed class HandClock(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
