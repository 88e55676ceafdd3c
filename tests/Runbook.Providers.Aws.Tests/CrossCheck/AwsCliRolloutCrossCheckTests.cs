using System.Text.Json;
using Runbook.Providers.Aws.Tests.EcsServer;
using Runbook.Providers.Aws.Tests.Support;

namespace Runbook.Providers.Aws.Tests.CrossCheck;

/// <summary>
/// The AWS CLI's waiter and paginators against the test server, and a circuit-breaker rollback as the CLI shows
/// it. A class of its own so it runs beside <see cref="AwsCliCrossCheckTests"/>.
/// </summary>
public sealed class AwsCliRolloutCrossCheckTests(EcsServerFixture fixture) : IClassFixture<EcsServerFixture>
{
    private EcsTestServer Server => fixture.Server;

    [Fact]
    public async Task The_cli_waiter_waits_for_a_rollout_and_returns_when_the_service_is_stable()
    {
        AwsClients.Instance.EnsureReady();
        await using var server = await EcsTestServer.StartAsync(new EcsTestServerOptions { TickInterval = Timeout.InfiniteTimeSpan });
        var seeded = server.SeedService("prod", "web", "web:1", 2);
        var definition = server.TaskDefinition(seeded.TaskDefinitionArn)!.Body;
        Assert.Equal(0, AwsClients.Instance.Cli(server, null, "ecs", "register-task-definition", "--cli-input-json", AwsCliCrossCheckTests.RegisterInput(definition.Deserialize<JsonElement>(), "web:2").ToJsonString()).ExitCode);
        Assert.Equal(0, AwsClients.Instance.Cli(server, null, "ecs", "update-service", "--cluster", "prod", "--service", "web", "--task-definition", "web:2").ExitCode);

        // The waiter's first poll sees two deployments; only then does the rollout move, so it must poll again.
        var describesBefore = server.CallsTo("DescribeServices");
        var waiter = Task.Run(() => AwsClients.Instance.Cli(server, null, "ecs", "wait", "services-stable", "--cluster", "prod", "--services", "web"));
        Assert.True(await server.WaitUntilAsync(s => s.CallsTo("DescribeServices") > describesBefore, TimeSpan.FromSeconds(30)));
        Assert.False(waiter.IsCompleted);
        server.Advance(3);
        var waited = await waiter;

        Assert.True(waited.ExitCode == 0, waited.Error);
        Assert.True(server.CallsTo("DescribeServices") >= describesBefore + 2);
        Assert.True(server.Service("prod", "web")!.Stable);
        Assert.EndsWith("web:2", server.Service("prod", "web")!.TaskDefinitionArn, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_cli_sees_the_circuit_breaker_fail_a_bad_image_and_roll_back_with_the_stopped_tasks_and_their_logs()
    {
        AwsClients.Instance.EnsureReady();
        await using var server = await EcsTestServer.StartAsync(new EcsTestServerOptions { TickInterval = Timeout.InfiniteTimeSpan });
        var seeded = server.SeedService("prod", "api", "api:1", 2, new SeedOptions { CircuitBreaker = true, Rollback = true });
        server.MarkImageBad("api:bad");
        var body = server.TaskDefinition(seeded.TaskDefinitionArn)!.Body.Deserialize<JsonElement>();
        Assert.Equal(0, AwsClients.Instance.Cli(server, null, "ecs", "register-task-definition", "--cli-input-json", AwsCliCrossCheckTests.RegisterInput(body, "api:bad").ToJsonString()).ExitCode);
        Assert.Equal(0, AwsClients.Instance.Cli(server, null, "ecs", "update-service", "--cluster", "prod", "--service", "api", "--task-definition", "api:2").ExitCode);

        Assert.True(await server.WaitUntilAsync(s =>
        {
            s.Advance();
            return s.Service("prod", "api")!.Deployments.Any(d => d.RolloutState == "FAILED");
        }, TimeSpan.FromSeconds(10)));
        var during = AwsClients.Instance.Cli(server, null, "ecs", "describe-services", "--cluster", "prod", "--services", "api").Json.GetProperty("services")[0];
        var failed = during.GetProperty("deployments").EnumerateArray().Single(d => d.GetProperty("rolloutState").GetString() == "FAILED");
        var rollback = during.GetProperty("deployments")[0];
        server.Advance(3);
        var stopped = AwsClients.Instance.Cli(server, null, "ecs", "list-tasks", "--cluster", "prod", "--service-name", "api", "--desired-status", "STOPPED").Json.GetProperty("taskArns");
        var tasks = AwsClients.Instance.Cli(server, null, ["ecs", "describe-tasks", "--cluster", "prod", "--tasks", .. stopped.EnumerateArray().Select(a => a.GetString()!)]).Json.GetProperty("tasks");
        var logs = AwsClients.Instance.Cli(server, null, "logs", "filter-log-events", "--log-group-name", "/ecs/api", "--filter-pattern", "fatal").Json.GetProperty("events");

        Assert.Equal("ECS deployment circuit breaker: tasks failed to start.", failed.GetProperty("rolloutStateReason").GetString());
        Assert.EndsWith("api:2", failed.GetProperty("taskDefinition").GetString(), StringComparison.Ordinal);
        Assert.True(failed.GetProperty("failedTasks").GetInt32() >= EcsBackend.CircuitBreakerThreshold(2));
        Assert.Equal("PRIMARY", rollback.GetProperty("status").GetString());
        Assert.Equal(seeded.TaskDefinitionArn, rollback.GetProperty("taskDefinition").GetString());
        Assert.Equal($"ECS deployment circuit breaker: rolling back to deploymentId {seeded.Primary.Id}.", rollback.GetProperty("rolloutStateReason").GetString());
        var final = server.Service("prod", "api")!;
        Assert.True(final.Stable);
        Assert.Equal(seeded.TaskDefinitionArn, final.TaskDefinitionArn);
        var crashed = tasks.EnumerateArray().Where(t => t.GetProperty("taskDefinitionArn").GetString()!.EndsWith("api:2", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(crashed);
        Assert.All(crashed, t =>
        {
            Assert.Equal("Essential container in task exited", t.GetProperty("stoppedReason").GetString());
            Assert.Equal("EssentialContainerExited", t.GetProperty("stopCode").GetString());
            Assert.Equal(1, t.GetProperty("containers")[0].GetProperty("exitCode").GetInt32());
        });
        Assert.Equal(crashed.Count, logs.GetArrayLength());
        Assert.All(logs.EnumerateArray(), e => Assert.Matches("^ecs/app/[0-9a-f]{32}$", e.GetProperty("logStreamName").GetString()));
        Assert.Equal(
            crashed.Select(t => "ecs/app/" + t.GetProperty("taskArn").GetString()!.Split('/')[^1]).Order(),
            logs.EnumerateArray().Select(e => e.GetProperty("logStreamName").GetString()!).Order());
    }

    [Fact]
    public async Task The_cli_follows_next_tokens_through_task_definitions_and_log_events()
    {
        AwsClients.Instance.EnsureReady();
        var cluster = EcsServerFixture.NewCluster();
        var family = "fam" + cluster[2..];
        Server.SeedService(cluster, "svc", "svc:1", 1, new SeedOptions { Family = family, LogGroup = $"/ecs/{family}" });
        var body = Server.TaskDefinition(family)!.Body.Deserialize<JsonElement>();
        var http = new SignedHttp(Server); // setup only: the CLI's own register is checked in AwsCliCrossCheckTests
        for (var i = 2; i <= 5; i++)
        {
            Assert.Equal(200, (await http.EcsAsync("RegisterTaskDefinition", AwsCliCrossCheckTests.RegisterInput(body, $"svc:{i}").ToJsonString())).Status);
        }

        var start = DateTimeOffset.UtcNow.AddMinutes(-10);
        for (var i = 0; i < 7; i++)
        {
            Server.AppendLog($"/ecs/{family}", $"ecs/app/manual{i % 2}", i % 3 == 0 ? $"ERROR request {i} failed" : $"INFO request {i} ok", start.AddSeconds(i));
        }

        var before = (Server.CallsTo("ListTaskDefinitions"), Server.CallsTo("FilterLogEvents"));
        var runs = await Task.WhenAll(
            Task.Run(() => Cli("ecs", "list-task-definitions", "--family-prefix", family, "--sort", "DESC", "--page-size", "2")),
            Task.Run(() => Cli("logs", "filter-log-events", "--log-group-name", $"/ecs/{family}", "--log-stream-name-prefix", "ecs/app/manual",
                "--filter-pattern", "ERROR", "--start-time", start.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture), "--page-size", "1")));
        var (listed, errors) = (runs[0].Json.GetProperty("taskDefinitionArns"), runs[1].Json.GetProperty("events"));

        Assert.Equal(Enumerable.Range(1, 5).Reverse().Select(r => Server.TaskDefinition($"{family}:{r}")!.Arn), listed.EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(3, Server.CallsTo("ListTaskDefinitions") - before.Item1);
        Assert.Equal(["ERROR request 0 failed", "ERROR request 3 failed", "ERROR request 6 failed"], errors.EnumerateArray().Select(e => e.GetProperty("message").GetString()));
        Assert.Equal(3, Server.CallsTo("FilterLogEvents") - before.Item2);
        Assert.Equal(start.AddSeconds(3).ToUnixTimeMilliseconds(), errors[1].GetProperty("timestamp").GetInt64());
    }

    private ClientRun Cli(params string[] args)
    {
        var run = AwsClients.Instance.Cli(Server, null, args);
        Assert.True(run.ExitCode == 0, $"aws {string.Join(' ', args)} failed ({run.ExitCode}): {run.Error}");
        return run;
    }
}
