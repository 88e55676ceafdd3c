using System.Diagnostics;
using System.Text.Json;
using Runbook.Providers.Azure.Tests.ArmServer;
using Runbook.Providers.Azure.Tests.Support;

namespace Runbook.Providers.Azure.Tests.CrossCheck;

/// <summary>
/// The official Azure SDK for JavaScript (@azure/arm-appcontainers 4.0.0, api-version 2026-07-01) against the ARM
/// test server through CrossCheck/js/check.mjs: its TLS, bearer token, serializers, long-running-operation poller,
/// pager, retry policy and error handling agree with the server, and what it changed is what the server holds.
/// </summary>
public sealed class JsSdkCrossCheckTests(ArmServerFixture fixture) : IClassFixture<ArmServerFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private ContainerAppsTestServer Server => fixture.Server;

    [Fact]
    public void The_sdk_gets_an_app_as_the_server_holds_it()
    {
        var rg = Seed(minReplicas: 2, maxReplicas: 4);

        var app = Js("get", new { rg, app = "web" }).GetProperty("app");

        var held = Server.App(rg, "web");
        Assert.Equal("web", app.GetProperty("name").GetString());
        Assert.Equal(held.Image, app.GetProperty("image").GetString());
        Assert.Equal((2, 4), (app.GetProperty("minReplicas").GetInt32(), app.GetProperty("maxReplicas").GetInt32()));
        Assert.Equal(held.LatestRevision, app.GetProperty("latestRevisionName").GetString());
        Assert.Equal(held.LatestReadyRevision, app.GetProperty("latestReadyRevisionName").GetString());
        Assert.Equal("Succeeded", app.GetProperty("provisioningState").GetString());
        Assert.Equal("Single", app.GetProperty("activeRevisionsMode").GetString());
        Assert.Contains(Server.Requests, r => r.StartsWith("GET ", StringComparison.Ordinal) && r.Contains("api-version=2026-07-01", StringComparison.Ordinal));
    }

    [Fact]
    public void The_sdk_scales_with_beginUpdateAndWait_and_the_server_holds_the_new_scale_on_the_same_revision()
    {
        var rg = Seed();
        var revision = Server.App(rg, "web").LatestRevision;

        var app = Js("scale", new { rg, app = "web", minReplicas = 3, maxReplicas = 6 }).GetProperty("app");

        var held = Server.App(rg, "web");
        Assert.Equal((3, 6), (held.MinReplicas, held.MaxReplicas));
        Assert.Equal((3, 6), (app.GetProperty("minReplicas").GetInt32(), app.GetProperty("maxReplicas").GetInt32()));
        Assert.Equal("Succeeded", app.GetProperty("provisioningState").GetString());
        Assert.Single(held.Revisions);
        Assert.Equal(3, held.Revision(revision).Replicas);
        Assert.Contains(Server.Requests, r => r.StartsWith("PATCH ", StringComparison.Ordinal) && r.Contains("api-version=2026-07-01", StringComparison.Ordinal));
        Assert.Contains(Server.Requests, r => r.Contains("/containerappOperationStatuses/", StringComparison.Ordinal));
    }

    [Fact]
    public void The_sdk_updates_the_image_and_its_poller_follows_the_operation_to_the_new_ready_revision()
    {
        var rg = Seed();
        var old = Server.App(rg, "web").LatestRevision;

        var result = Js("image", new { rg, app = "web", image = "registry.test/web:2" });

        var held = Server.App(rg, "web");
        var app = result.GetProperty("app");
        Assert.Equal(old, result.GetProperty("before").GetProperty("latestRevisionName").GetString());
        Assert.NotEqual(old, held.LatestRevision);
        Assert.Equal(held.LatestRevision, app.GetProperty("latestRevisionName").GetString());
        Assert.Equal(held.LatestRevision, app.GetProperty("latestReadyRevisionName").GetString()); // the poller waited for the revision
        Assert.Equal("Succeeded", app.GetProperty("provisioningState").GetString());
        Assert.Equal("registry.test/web:2", app.GetProperty("image").GetString());
        Assert.Equal(100, held.Revision(held.LatestRevision).TrafficWeight);
        Assert.False(held.Revision(old).Active);
    }

    [Fact]
    public void The_sdk_sees_an_update_to_a_bad_image_fail_with_arms_error_and_the_app_stays_on_the_old_revision()
    {
        var rg = Seed();
        var old = Server.App(rg, "web").LatestRevision;
        Server.MarkImageBad("registry.test/web:bad");

        var failed = JsFailing("image", new { rg, app = "web", image = "registry.test/web:bad" });

        Assert.Contains("Failed to provision revision for container app 'web'", failed.GetProperty("message").GetString(), StringComparison.Ordinal);
        var held = Server.App(rg, "web");
        Assert.Equal(old, held.LatestReadyRevision);
        Assert.Equal(100, held.Revision(old).TrafficWeight);
        Assert.Equal("Unhealthy", held.Revision(held.LatestRevision).HealthState);
    }

    [Fact]
    public async Task The_sdk_lists_every_revision_across_pages_with_what_the_server_holds()
    {
        var rg = Seed(multiple: true);
        for (var i = 2; i <= 4; i++)
        {
            Js("image", new { rg, app = "web", image = $"registry.test/web:{i}" });
        }

        await Server.WaitForStableAsync(rg, "web", Patience);
        var listed = Js("revisions", new { rg, app = "web" });

        var held = Server.App(rg, "web");
        Assert.Equal(2, listed.GetProperty("pages").GetInt32());
        var revisions = listed.GetProperty("revisions").EnumerateArray().ToList();
        Assert.Equal(held.Revisions.Select(r => r.Name), revisions.Select(r => r.GetProperty("name").GetString()));
        foreach (var revision in revisions)
        {
            var mine = held.Revision(revision.GetProperty("name").GetString()!);
            Assert.Equal(mine.Active, revision.GetProperty("active").GetBoolean());
            Assert.Equal(mine.TrafficWeight, revision.GetProperty("trafficWeight").GetInt32());
            Assert.Equal(mine.Replicas, revision.GetProperty("replicas").GetInt32());
            Assert.Equal(mine.HealthState, revision.GetProperty("healthState").GetString());
            Assert.Equal(mine.RunningState, revision.GetProperty("runningState").GetString());
            Assert.Equal(mine.Image, revision.GetProperty("image").GetString());
            // A JavaScript Date holds milliseconds; ARM's timestamps have seven digits.
            var created = DateTimeOffset.Parse(revision.GetProperty("createdTime").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(mine.Created.ToUnixTimeMilliseconds(), created.ToUnixTimeMilliseconds());
        }
    }

    [Fact]
    public async Task The_sdk_deactivates_and_activates_a_revision_and_moves_traffic_in_multiple_mode()
    {
        var rg = Seed(multiple: true);
        var first = Server.App(rg, "web").LatestRevision;
        Js("image", new { rg, app = "web", image = "registry.test/web:2" });
        var second = Server.App(rg, "web").LatestRevision;

        var deactivated = Js("deactivate", new { rg, app = "web", revision = first }).GetProperty("revision");
        var whileInactive = Server.App(rg, "web").Revision(first);
        var activated = Js("activate", new { rg, app = "web", revision = first }).GetProperty("revision");
        await Server.WaitForStableAsync(rg, "web", Patience);
        var moved = Js("traffic", new { rg, app = "web", traffic = new object[] { new { revisionName = first, weight = 100 } } }).GetProperty("app");

        Assert.False(deactivated.GetProperty("active").GetBoolean());
        Assert.False(whileInactive.Active);
        Assert.True(activated.GetProperty("active").GetBoolean());
        Assert.Equal(first, moved.GetProperty("traffic")[0].GetProperty("revisionName").GetString());
        var held = Server.App(rg, "web");
        Assert.Equal(new Dictionary<string, int> { [first] = 100 }, held.Traffic);
        Assert.True(held.Revision(second).Active);
        Assert.Equal("Healthy", held.Revision(first).HealthState);
    }

    [Fact]
    public void The_sdk_restarts_a_revision_and_sees_its_replicas_replaced()
    {
        var rg = Seed(minReplicas: 2, maxReplicas: 2);
        var revision = Server.App(rg, "web").LatestRevision;
        var before = Js("replicas", new { rg, app = "web", revision }).GetProperty("replicas").EnumerateArray().Select(r => r.GetProperty("name").GetString()).ToList();

        var restarted = Js("restart", new { rg, app = "web", revision });

        var after = restarted.GetProperty("replicas").EnumerateArray().Select(r => r.GetProperty("name").GetString()).ToList();
        Assert.Equal(2, before.Count);
        Assert.Equal(2, after.Count);
        Assert.Empty(before.Intersect(after));
        Assert.Equal(1, Server.App(rg, "web").Revision(revision).Restarts);
        Assert.Equal("Running", restarted.GetProperty("revision").GetProperty("runningState").GetString());
    }

    [Fact]
    public void The_sdk_polls_a_long_running_update_step_by_step_from_running_to_succeeded()
    {
        var rg = Seed();

        var result = Js("lro", new { rg, app = "web", image = "registry.test/web:2" });

        var statuses = result.GetProperty("statuses").EnumerateArray().Select(s => s.GetString()).ToList();
        Assert.True(statuses.Count >= 2, string.Join(",", statuses));
        Assert.Equal("running", statuses[0]);
        Assert.Equal("succeeded", statuses[^1]);
        var held = Server.App(rg, "web");
        Assert.Equal(held.LatestRevision, result.GetProperty("app").GetProperty("latestReadyRevisionName").GetString());
        Assert.Equal("registry.test/web:2", held.Image);
    }

    [Fact]
    public void The_sdk_gets_a_log_stream_token_and_reads_each_replicas_log_stream_with_it()
    {
        var rg = Seed(minReplicas: 2, maxReplicas: 2);
        var revision = Server.App(rg, "web").LatestRevision;
        var at = new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
        Server.WriteLog(rg, "web", revision, "GET /health 200", at);
        Server.WriteLog(rg, "web", revision, "GET /orders 500", at.AddSeconds(1));
        Server.WriteLog(rg, "web", revision, "second replica up", at, replica: 1);

        var result = Js("logs", new { rg, app = "web", revision, tail = 1 });

        var replicas = result.GetProperty("replicas").EnumerateArray().ToList();
        Assert.Equal(2, replicas.Count);
        Assert.All(replicas, r => Assert.Equal("web", r.GetProperty("container").GetString()));
        var first = replicas[0].GetProperty("lines").EnumerateArray().Single();
        Assert.Equal("GET /orders 500", first.GetProperty("Log").GetString());
        Assert.Equal("2026-11-30T12:00:01.0000000Z", first.GetProperty("TimeStamp").GetString());
        Assert.Equal("second replica up", replicas[1].GetProperty("lines")[0].GetProperty("Log").GetString());
        Assert.True(DateTimeOffset.Parse(result.GetProperty("expires").GetString()!, System.Globalization.CultureInfo.InvariantCulture) > DateTimeOffset.UtcNow);
    }

    [Fact]
    public void The_sdk_retries_429_after_the_servers_Retry_After_and_then_succeeds()
    {
        var rg = Seed();
        var path = $"/subscriptions/{Server.Subscription}/resourceGroups/{rg}/providers/Microsoft.App/containerApps/web?";
        Server.ThrottleNext(2, TimeSpan.FromSeconds(1));
        var clock = Stopwatch.StartNew();

        var app = Js("get", new { rg, app = "web" }).GetProperty("app");

        Assert.Equal("web", app.GetProperty("name").GetString());
        Assert.Equal(3, Server.Requests.Count(r => r.StartsWith("GET " + path, StringComparison.Ordinal)));
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(2), $"the SDK retried after {clock.Elapsed}, sooner than Retry-After asked");
    }

    [Fact]
    public void The_sdk_surfaces_a_404_with_arms_code_and_message()
    {
        var rg = Seed();

        var failed = JsFailing("get", new { rg, app = "api" });

        Assert.Equal("ResourceNotFound", failed.GetProperty("code").GetString());
        Assert.Equal(404, failed.GetProperty("statusCode").GetInt32());
        Assert.Contains($"The Resource 'Microsoft.App/containerApps/api' under resource group '{rg}' was not found.", failed.GetProperty("message").GetString(),
            StringComparison.Ordinal);
    }

    [Fact]
    public void The_sdk_surfaces_a_403_with_arms_code_and_the_message_naming_principal_action_and_scope()
    {
        var rg = Seed();
        Server.AcceptToken("js-reader", "js-reader", "Microsoft.App/containerApps/write");

        var failed = JsFailing("scale", new { rg, app = "web", minReplicas = 2, maxReplicas = 2 }, token: "js-reader");

        Assert.Equal("AuthorizationFailed", failed.GetProperty("code").GetString());
        Assert.Equal(403, failed.GetProperty("statusCode").GetInt32());
        var message = failed.GetProperty("message").GetString();
        Assert.Contains($"The client 'js-reader' with object id '{ContainerAppsTestServer.ObjectIdOf("js-reader")}'", message, StringComparison.Ordinal);
        Assert.Contains("'Microsoft.App/containerApps/write'", message, StringComparison.Ordinal);
        Assert.Contains($"/resourceGroups/{rg}/providers/Microsoft.App/containerApps/web'", message, StringComparison.Ordinal);
        Assert.Equal(1, Server.App(rg, "web").MaxReplicas);
    }

    [Fact]
    public void A_missing_node_makes_the_setup_script_fail_naming_what_to_install_and_the_test_fail_naming_the_script()
    {
        var empty = Directory.CreateTempSubdirectory("runbook-no-node-");
        try
        {
            var start = new ProcessStartInfo("/bin/bash", [Path.Combine(AppContext.BaseDirectory, "setup-azure-clients.sh")])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            start.Environment["PATH"] = empty.FullName;
            using var setup = Process.Start(start)!;
            var error = setup.StandardError.ReadToEnd();
            setup.WaitForExit();

            Assert.Equal(3, setup.ExitCode);
            Assert.Contains("node is not on PATH", error, StringComparison.Ordinal);
            var failure = Assert.ThrowsAny<Exception>(() => Runbook.Tests.TestDependency.Require("The Azure client", error, AzureClients.SetupCommand));
            Assert.Contains("Run: tests/Runbook.Providers.Azure.Tests/setup-azure-clients.sh", failure.Message, StringComparison.Ordinal);
        }
        finally
        {
            empty.Delete(recursive: true);
        }
    }

    private JsonElement Js(string scenario, object arguments, string? token = null)
    {
        var run = AzureClients.Instance.Js(Server, scenario, arguments, token);
        Assert.True(run.ExitCode == 0, $"check.mjs {scenario} failed ({run.ExitCode}): {run.Out}\n{run.Error}");
        return run.Json;
    }

    private JsonElement JsFailing(string scenario, object arguments, string? token = null)
    {
        var run = AzureClients.Instance.Js(Server, scenario, arguments, token);
        Assert.True(run.ExitCode == 1, $"check.mjs {scenario} was expected to fail: {run.Out}\n{run.Error}");
        return run.Json.GetProperty("failed");
    }

    private string Seed(int minReplicas = 1, int maxReplicas = 1, bool multiple = false)
    {
        var rg = ArmServerFixture.NewResourceGroup();
        Server.SeedApp(rg, "web", "registry.test/web:1", minReplicas, maxReplicas, multiple);
        return rg;
    }
}
