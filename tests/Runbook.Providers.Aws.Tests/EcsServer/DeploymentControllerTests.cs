using Runbook.Providers.Aws.Tests.Support;

namespace Runbook.Providers.Aws.Tests.EcsServer;

/// <summary>The scheduler round by round (manual pacing: no round runs unless the test advances it).</summary>
public sealed class DeploymentControllerTests
{
    private static readonly EcsTestServerOptions Manual = new() { TickInterval = Timeout.InfiniteTimeSpan };

    [Fact]
    public async Task A_deploy_starts_the_new_tasks_before_it_stops_the_old_ones_and_then_completes()
    {
        await using var server = await EcsTestServer.StartAsync(Manual);
        var seeded = server.SeedService("prod", "web", "web:1", 2);
        var http = new SignedHttp(server);
        await Register(http, "web", "web:2");

        var update = await http.EcsAsync("UpdateService", """{"cluster":"prod","service":"web","taskDefinition":"web:2"}""");
        var afterUpdate = server.Service("prod", "web")!;
        server.Advance();
        var launched = server.Service("prod", "web")!;
        server.Advance();
        var done = server.Service("prod", "web")!;

        Assert.Equal(200, update.Status);
        Assert.Equal(["PRIMARY", "ACTIVE"], afterUpdate.Deployments.Select(d => d.Status));
        Assert.Equal(("IN_PROGRESS", 0, 0), (afterUpdate.Primary.RolloutState, afterUpdate.Primary.RunningCount, afterUpdate.Primary.PendingCount));
        Assert.Equal(2, afterUpdate.Deployments[1].RunningCount);
        Assert.Equal((2, 2), (launched.Primary.PendingCount, launched.Deployments[1].RunningCount));
        Assert.Equal(2, launched.RunningCount); // never below the desired count: minimumHealthyPercent 100
        Assert.Single(done.Deployments);
        Assert.Equal(("COMPLETED", 2, $"ECS deployment {done.Primary.Id} completed."), (done.Primary.RolloutState, done.Primary.RunningCount, done.Primary.RolloutStateReason));
        Assert.True(done.Stable);
        Assert.EndsWith("web:2", done.TaskDefinitionArn, StringComparison.Ordinal);
        Assert.Equal(2, server.Tasks("prod", "web").Count(t => t.LastStatus == "STOPPED" && t.TaskDefinitionArn == seeded.TaskDefinitionArn));
        Assert.Contains("(service web) has reached a steady state.", done.Events.Take(3));
        Assert.Matches(@"^\(service web\) has started 2 tasks: \(task [0-9a-f]{32}\) \(task [0-9a-f]{32}\)\.$", launched.Events[0]);
    }

    [Fact]
    public async Task Scaling_keeps_the_deployment_and_starts_or_stops_the_difference()
    {
        await using var server = await EcsTestServer.StartAsync(Manual);
        var seeded = server.SeedService("prod", "web", "web:1", 3);
        var http = new SignedHttp(server);

        await http.EcsAsync("UpdateService", """{"cluster":"prod","service":"web","desiredCount":1}""");
        server.Advance();
        var down = server.Service("prod", "web")!;
        await http.EcsAsync("UpdateService", """{"cluster":"prod","service":"web","desiredCount":2}""");
        server.Advance();
        var pending = server.Service("prod", "web")!;
        server.Advance();
        var up = server.Service("prod", "web")!;

        Assert.Equal((1, 1, seeded.Primary.Id), (down.DesiredCount, down.RunningCount, down.Primary.Id));
        Assert.Equal(2, server.Tasks("prod", "web").Count(t => t.StoppedReason == $"Scaling activity initiated by (deployment {seeded.Primary.Id})"));
        Assert.Equal((1, 1), (pending.RunningCount, pending.PendingCount));
        Assert.False(pending.Stable);
        Assert.Equal((2, 2, "COMPLETED"), (up.DesiredCount, up.RunningCount, up.Primary.RolloutState));
        Assert.Single(up.Deployments);
    }

    [Fact]
    public async Task A_bad_image_without_a_circuit_breaker_keeps_failing_while_the_old_tasks_keep_serving()
    {
        await using var server = await EcsTestServer.StartAsync(Manual);
        server.SeedService("prod", "web", "web:1", 2);
        server.MarkImageBad("web:bad");
        var http = new SignedHttp(server);
        await Register(http, "web", "web:bad");
        await http.EcsAsync("UpdateService", """{"cluster":"prod","service":"web","taskDefinition":"web:2"}""");

        server.Advance(8);
        var stuck = server.Service("prod", "web")!;

        Assert.Equal(2, stuck.Deployments.Count);
        Assert.Equal("IN_PROGRESS", stuck.Primary.RolloutState);
        Assert.True(stuck.Primary.FailedTasks >= 6);
        Assert.Equal(2, stuck.Deployments[1].RunningCount);
        Assert.Equal(2, stuck.RunningCount);
        Assert.False(stuck.Stable);
        var failed = server.Tasks("prod", "web").Where(t => t.Containers[0].Image == "web:bad" && t.LastStatus != "PENDING").ToList(); // the last round's launches are still pending
        Assert.Equal(stuck.Primary.FailedTasks, failed.Count);
        Assert.All(failed, t => Assert.Equal(("STOPPED", "Essential container in task exited", "EssentialContainerExited", 1), (t.LastStatus, t.StoppedReason, t.StopCode, t.Containers[0].ExitCode)));
    }

    [Fact]
    public async Task The_circuit_breaker_without_rollback_fails_the_deployment_and_stops_launching()
    {
        await using var server = await EcsTestServer.StartAsync(Manual);
        server.SeedService("prod", "web", "web:1", 2, new SeedOptions { CircuitBreaker = true });
        server.MarkImageBad("web:bad");
        var http = new SignedHttp(server);
        await Register(http, "web", "web:bad");
        await http.EcsAsync("UpdateService", """{"cluster":"prod","service":"web","taskDefinition":"web:2"}""");

        server.Advance(3);
        var tripped = server.Service("prod", "web")!;
        var failedTasks = tripped.Primary.FailedTasks;
        server.Advance(5);
        var later = server.Service("prod", "web")!;

        Assert.Equal(("FAILED", "ECS deployment circuit breaker: tasks failed to start."), (tripped.Primary.RolloutState, tripped.Primary.RolloutStateReason));
        Assert.Equal(EcsBackend.CircuitBreakerThreshold(2) + 1, failedTasks); // two launched per round: the round that reaches 3 has made 4
        Assert.Equal(failedTasks, later.Primary.FailedTasks);
        Assert.Equal((2, 2), (later.Deployments.Count, later.Deployments[1].RunningCount));
        Assert.Contains($"(service web) (deployment {tripped.Primary.Id}) deployment failed: tasks failed to start.", later.Events);
    }

    [Fact]
    public async Task The_circuit_breaker_with_rollback_returns_to_the_last_completed_deployment()
    {
        await using var server = await EcsTestServer.StartAsync(Manual);
        var seeded = server.SeedService("prod", "web", "web:1", 2, new SeedOptions { CircuitBreaker = true, Rollback = true });
        server.MarkImageBad("web:bad");
        var http = new SignedHttp(server);
        await Register(http, "web", "web:bad");
        await http.EcsAsync("UpdateService", """{"cluster":"prod","service":"web","taskDefinition":"web:2"}""");

        server.Advance(3);
        var rollingBack = server.Service("prod", "web")!;
        var described = await http.EcsAsync("DescribeServices", """{"cluster":"prod","services":["web"]}""");
        server.Advance(2);
        var back = server.Service("prod", "web")!;

        Assert.Equal(3, rollingBack.Deployments.Count);
        Assert.Equal((seeded.TaskDefinitionArn, "IN_PROGRESS", $"ECS deployment circuit breaker: rolling back to deploymentId {seeded.Primary.Id}."),
            (rollingBack.Primary.TaskDefinitionArn, rollingBack.Primary.RolloutState, rollingBack.Primary.RolloutStateReason));
        Assert.Equal(seeded.TaskDefinitionArn, rollingBack.TaskDefinitionArn);
        Assert.Equal("FAILED", described.Body["services"]![0]!["deployments"]![1]!["rolloutState"]!.GetValue<string>());
        Assert.Equal(seeded.TaskDefinitionArn, described.Body["services"]![0]!["taskDefinition"]!.GetValue<string>());
        Assert.True(back.Stable);
        Assert.Equal("COMPLETED", back.Primary.RolloutState);
        Assert.NotEqual(seeded.Primary.Id, back.Primary.Id);
    }

    [Fact]
    public async Task A_circuit_breaker_turned_on_by_update_service_applies_to_the_next_deployment()
    {
        await using var server = await EcsTestServer.StartAsync(Manual);
        server.SeedService("prod", "web", "web:1", 1);
        server.MarkImageBad("web:bad");
        var http = new SignedHttp(server);
        await Register(http, "web", "web:bad");

        var update = await http.EcsAsync("UpdateService", """
            {"cluster":"prod","service":"web","taskDefinition":"web:2",
             "deploymentConfiguration":{"deploymentCircuitBreaker":{"enable":true,"rollback":true}}}
            """);
        server.Advance(6);
        var back = server.Service("prod", "web")!;

        Assert.True(update.Body["service"]!["deploymentConfiguration"]!["deploymentCircuitBreaker"]!["rollback"]!.GetValue<bool>());
        Assert.Equal(100, update.Body["service"]!["deploymentConfiguration"]!["minimumHealthyPercent"]!.GetValue<int>());
        Assert.True(back.CircuitBreakerRollback);
        Assert.True(back.Stable);
        Assert.EndsWith("web:1", back.TaskDefinitionArn, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_service_seeded_with_a_bad_image_has_nothing_to_roll_back_to()
    {
        await using var server = await EcsTestServer.StartAsync(Manual);
        server.MarkImageBad("web:bad");
        server.SeedService("prod", "web", "web:bad", 1, new SeedOptions { CircuitBreaker = true, Rollback = true });

        server.Advance(8);
        var service = server.Service("prod", "web")!;

        Assert.Single(service.Deployments);
        Assert.Equal("FAILED", service.Primary.RolloutState);
        Assert.Equal(0, service.RunningCount);
        Assert.False(service.Stable);
    }

    [Fact]
    public async Task A_forced_deployment_replaces_every_task_with_the_same_task_definition()
    {
        await using var server = await EcsTestServer.StartAsync(Manual);
        var seeded = server.SeedService("prod", "web", "web:1", 2);
        var before = server.Tasks("prod", "web").Select(t => t.Id).ToHashSet();

        await new SignedHttp(server).EcsAsync("UpdateService", """{"cluster":"prod","service":"web","forceNewDeployment":true}""");
        server.Advance(2);
        var after = server.Service("prod", "web")!;

        Assert.Equal(seeded.TaskDefinitionArn, after.TaskDefinitionArn);
        Assert.NotEqual(seeded.Primary.Id, after.Primary.Id);
        Assert.True(after.Stable);
        Assert.DoesNotContain(server.Tasks("prod", "web").Where(t => t.LastStatus == "RUNNING"), t => before.Contains(t.Id));
    }

    [Fact]
    public async Task Rounds_run_by_themselves_once_a_tick_interval_is_set()
    {
        await using var server = await EcsTestServer.StartAsync(Manual);
        server.SeedService("prod", "web", "web:1", 1);
        await new SignedHttp(server).EcsAsync("UpdateService", """{"cluster":"prod","service":"web","desiredCount":3}""");

        var stillManual = await server.WaitUntilAsync(s => s.Service("prod", "web")!.RunningCount == 3, TimeSpan.FromMilliseconds(300));
        server.TickInterval = TimeSpan.FromMilliseconds(20);
        var stable = await server.WaitForStableAsync("prod", "web", TimeSpan.FromSeconds(10));

        Assert.False(stillManual);
        Assert.Equal(3, stable.RunningCount);
    }

    [Fact]
    public async Task Running_tasks_write_to_their_awslogs_stream_named_prefix_container_task()
    {
        await using var server = await EcsTestServer.StartAsync(Manual);
        server.SeedService("prod", "web", "web:1", 2, new SeedOptions { LogGroup = "/custom/web", StreamPrefix = "svc", ContainerName = "api" });

        var written = server.WriteServiceLog("prod", "web", "ERROR upstream timed out");
        var events = server.LogEvents("/custom/web");

        Assert.Equal(2, written);
        var ids = server.Tasks("prod", "web").Select(t => t.Id).ToList();
        Assert.Equal(ids.Select(id => $"svc/api/{id}").Order(), events.Select(e => e.Stream).Distinct().Order());
        Assert.Equal(2, events.Count(e => e.Message == "ERROR upstream timed out"));
        Assert.Equal(2, events.Count(e => e.Message == "api starting web:1"));
    }

    private static async Task Register(SignedHttp http, string family, string image)
    {
        var body = """
            {"family":"FAMILY","networkMode":"awsvpc","requiresCompatibilities":["FARGATE"],"cpu":"256","memory":"512",
             "containerDefinitions":[{"name":"app","image":"IMAGE","essential":true,
               "logConfiguration":{"logDriver":"awslogs","options":{"awslogs-group":"/ecs/FAMILY","awslogs-stream-prefix":"ecs"}}}]}
            """;
        var answer = await http.EcsAsync("RegisterTaskDefinition", body.Replace("FAMILY", family, StringComparison.Ordinal).Replace("IMAGE", image, StringComparison.Ordinal));
        Assert.Equal(200, answer.Status);
    }
}
