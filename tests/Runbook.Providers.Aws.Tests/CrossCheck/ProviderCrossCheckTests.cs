using System.Text.Json;
using Runbook.Execution.Providers;
using Runbook.Providers.Aws;
using Runbook.Providers.Aws.Tests.EcsServer;
using Runbook.Providers.Aws.Tests.Provider;
using Runbook.Providers.Aws.Tests.Support;

namespace Runbook.Providers.Aws.Tests.CrossCheck;

/// <summary>
/// The provider and the vendor's own clients on the same services, taking turns: each sees what the other did.
/// The server alone could agree with a provider that misreads ECS; the AWS CLI and the JavaScript SDK cannot.
/// </summary>
public sealed class ProviderCrossCheckTests(EcsServerFixture fixture) : IClassFixture<EcsServerFixture>
{
    private readonly string _cluster = EcsServerFixture.NewCluster();

    private EcsTestServer Server => fixture.Server;

    private EcsServiceBackend Backend() => AwsTarget.Backend(AwsTarget.Environment(Server), AwsTarget.Settings(_cluster));

    [Fact]
    public async Task The_aws_cli_sees_what_the_provider_did_and_the_provider_sees_what_the_cli_did()
    {
        AwsClients.Instance.EnsureReady();
        Server.SeedService(_cluster, "web", "registry.example/web:1", 1, new SeedOptions { Family = "xc-" + _cluster });
        var backend = Backend();

        // The provider scales; the CLI reads the new count.
        await backend.ScaleAsync("web", 3, CancellationToken.None);
        Assert.Equal(3, CliService("web").GetProperty("desiredCount").GetInt32());

        // The CLI scales; the provider reads it, stable.
        Cli("ecs", "update-service", "--cluster", _cluster, "--service", "web", "--desired-count", "2");
        await Server.WaitForStableAsync(_cluster, "web");
        var described = await backend.DescribeAsync("web", CancellationToken.None);
        Assert.Equal((2, 2, true), (described.DesiredReplicas, described.Replicas, described.Healthy));

        // The provider deploys; the CLI sees the service on a new task definition that runs the new image.
        var first = described.Revision!;
        await backend.DeployAsync("web", "registry.example/web:2", CancellationToken.None);
        var deployed = CliService("web").GetProperty("taskDefinition").GetString()!;
        Assert.NotEqual(first, deployed);
        var definition = Cli("ecs", "describe-task-definition", "--task-definition", deployed).Json.GetProperty("taskDefinition");
        Assert.Equal("registry.example/web:2", definition.GetProperty("containerDefinitions")[0].GetProperty("image").GetString());
        await Server.WaitForStableAsync(_cluster, "web");

        // The CLI rolls back; the provider describes the first revision as current, and its history marks it.
        Cli("ecs", "update-service", "--cluster", _cluster, "--service", "web", "--task-definition", first);
        await Server.WaitForStableAsync(_cluster, "web");
        var rolledBack = await backend.DescribeAsync("web", CancellationToken.None);
        Assert.Equal((first, "registry.example/web:1", true), (rolledBack.Revision, rolledBack.Image, rolledBack.Healthy));
        var history = await backend.HistoryAsync("web", 10, CancellationToken.None);
        Assert.Equal(first, Assert.Single(history, r => r.Current).Id);
        Assert.Equal([deployed, first], history.Select(r => r.Id));
    }

    [Fact]
    public async Task The_javascript_sdk_sees_what_the_provider_did_and_the_provider_sees_what_the_sdk_did()
    {
        AwsClients.Instance.EnsureReady();
        var group = "/ecs/xj-" + _cluster;
        Server.SeedService(_cluster, "api", "registry.example/api:1", 2, new SeedOptions { Family = "xj-" + _cluster, LogGroup = group });
        var backend = Backend();

        // The SDK deploys (register a copy with the new image, update the service, its waiter); the provider sees it.
        var deployed = Js("deploy", _cluster, "api", "registry.example/api:2");
        var described = await backend.DescribeAsync("api", CancellationToken.None);
        Assert.Equal(deployed.GetProperty("registered").GetString(), described.Revision);
        Assert.Equal(deployed.GetProperty("previous").GetString(), described.PreviousRevision);
        Assert.Equal(("registry.example/api:2", true), (described.Image, described.Healthy));

        // The provider rolls back; the SDK's own services-stable waiter waits for it, and the SDK reads the old revision.
        await backend.RollbackAsync("api", null, CancellationToken.None);
        Assert.Equal("SUCCESS", Js("waitStable", _cluster, "api").GetProperty("waited").GetString());
        var after = Js("describe", _cluster, "api").GetProperty("services")[0];
        Assert.Equal(deployed.GetProperty("previous").GetString(), after.GetProperty("taskDefinition").GetString());

        // Logs: the provider reads, filtered, exactly the events the SDK's paginator reads with the same pattern.
        var served = 0;
        for (var i = 1; i <= 5; i++)
        {
            var written = Server.WriteServiceLog(_cluster, "api", i % 2 == 0 ? $"request {i} served" : $"request {i} failed"); // one event per running task
            served += i % 2 == 0 ? written : 0;
        }

        var lines = await backend.LogsAsync("api", new LogQuery(100, TimeSpan.FromMinutes(30), false, "served"), CancellationToken.None);
        var events = Js("logs", group, "ecs/app/", "\"served\"", "", "2").GetProperty("events").EnumerateArray()
            .Select(e => $"[{e.GetProperty("stream").GetString()}] {e.GetProperty("message").GetString()}").ToList();
        Assert.Equal(served, events.Count);
        Assert.All(events, e => Assert.EndsWith("served", e, StringComparison.Ordinal));
        Assert.Equal(events, lines);
    }

    private JsonElement CliService(string service) =>
        Cli("ecs", "describe-services", "--cluster", _cluster, "--services", service).Json.GetProperty("services")[0];

    private ClientRun Cli(params string[] args)
    {
        var run = AwsClients.Instance.Cli(Server, null, args);
        Assert.True(run.ExitCode == 0, $"aws {string.Join(' ', args)} failed ({run.ExitCode}): {run.Error}");
        return run;
    }

    private JsonElement Js(string scenario, params string[] args)
    {
        var run = AwsClients.Instance.Js(Server, null, scenario, args);
        Assert.True(run.ExitCode == 0, $"check.mjs {scenario} failed: {run.Out} {run.Error}");
        return run.Json;
    }
}
