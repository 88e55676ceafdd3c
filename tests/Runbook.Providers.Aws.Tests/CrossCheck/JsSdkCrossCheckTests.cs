using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Runbook.Providers.Aws.Tests.EcsServer;
using Runbook.Providers.Aws.Tests.Support;

namespace Runbook.Providers.Aws.Tests.CrossCheck;

/// <summary>
/// The official AWS SDK for JavaScript v3 (@aws-sdk/client-ecs, @aws-sdk/client-cloudwatch-logs) against the test
/// server, through CrossCheck/js/check.mjs: its signer, serializers, waiter, paginators and error handling agree
/// with the server, and what it changed is what the server holds.
/// </summary>
public sealed class JsSdkCrossCheckTests(EcsServerFixture fixture) : IClassFixture<EcsServerFixture>
{
    private EcsTestServer Server => fixture.Server;

    [Fact]
    public void The_sdk_describes_scales_and_waits_and_the_server_holds_the_new_count()
    {
        AwsClients.Instance.EnsureReady();
        var cluster = EcsServerFixture.NewCluster();
        var seeded = Server.SeedService(cluster, "web", "web:1", 2);

        var described = Js("describe", cluster, "web");
        var scaled = Js("scale", cluster, "web", "4");

        var service = described.GetProperty("services")[0];
        Assert.Equal(2, service.GetProperty("runningCount").GetInt32());
        Assert.Equal(seeded.TaskDefinitionArn, service.GetProperty("taskDefinition").GetString());
        Assert.Equal(seeded.Primary.Id, service.GetProperty("deployments")[0].GetProperty("id").GetString());
        Assert.Equal("COMPLETED", service.GetProperty("deployments")[0].GetProperty("rolloutState").GetString());
        Assert.Equal(0, described.GetProperty("failures").GetArrayLength());
        Assert.Equal(4, scaled.GetProperty("updatedDesired").GetInt32());
        Assert.Equal("SUCCESS", scaled.GetProperty("waited").GetString());
        Assert.Equal(4, scaled.GetProperty("after").GetProperty("services")[0].GetProperty("runningCount").GetInt32());
        var now = Server.Service(cluster, "web")!;
        Assert.Equal(4, now.DesiredCount);
        Assert.Equal(4, now.RunningCount);
        Assert.Equal(seeded.Primary.Id, now.Primary.Id);
    }

    [Fact]
    public void The_sdk_deploys_a_new_revision_that_carries_every_field_over_and_rolls_it_back()
    {
        AwsClients.Instance.EnsureReady();
        var cluster = EcsServerFixture.NewCluster();
        var family = "rich" + cluster[2..];
        var seeded = Server.SeedService(cluster, "api", "api:1", 2, new SeedOptions { Family = family, TaskDefinition = RichTaskDefinition(family) });

        var deploy = Js("deploy", cluster, "api", "api:2");
        var afterDeploy = Server.Service(cluster, "api")!;
        var rollback = Js("rollback", cluster, "api", deploy.GetProperty("previous").GetString()!);
        var afterRollback = Server.Service(cluster, "api")!;

        Assert.Equal(seeded.TaskDefinitionArn, deploy.GetProperty("previous").GetString());
        Assert.Equal($"arn:aws:ecs:{Server.Region}:{Server.AccountId}:task-definition/{family}:2", deploy.GetProperty("registered").GetString());
        Assert.Equal(2, deploy.GetProperty("deploymentsRightAfter").GetInt32());
        Assert.Equal("SUCCESS", deploy.GetProperty("waited").GetString());
        Assert.Equal(deploy.GetProperty("registered").GetString(), afterDeploy.TaskDefinitionArn);
        Assert.Equal("COMPLETED", afterDeploy.Primary.RolloutState);

        // Every field the SDK sent is stored and answered back exactly, the server's own fields aside.
        var sent = JsonNode.Parse(deploy.GetProperty("sent").GetRawText())!.AsObject();
        var stored = Server.TaskDefinition($"{family}:2")!.Body;
        var original = Server.TaskDefinition($"{family}:1")!.Body;
        sent.Remove("tags");
        foreach (var (name, value) in sent)
        {
            Assert.True(JsonNode.DeepEquals(value, stored[name]), $"{name}: sent {value?.ToJsonString()}, stored {stored[name]?.ToJsonString()}");
        }

        foreach (var (name, value) in original.Where(p => p.Key is not ("taskDefinitionArn" or "revision" or "registeredAt" or "containerDefinitions")))
        {
            Assert.True(JsonNode.DeepEquals(value, stored[name]), $"{name} was not carried over: {stored[name]?.ToJsonString()}");
        }

        Assert.Equal("api:2", stored["containerDefinitions"]![0]!["image"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(original["containerDefinitions"]![1], stored["containerDefinitions"]![1]));

        Assert.Equal("SUCCESS", rollback.GetProperty("waited").GetString());
        Assert.Equal(seeded.TaskDefinitionArn, afterRollback.TaskDefinitionArn);
        Assert.True(afterRollback.Stable);
        Assert.Equal(seeded.TaskDefinitionArn, rollback.GetProperty("after").GetProperty("services")[0].GetProperty("taskDefinition").GetString());
    }

    [Fact]
    public async Task The_sdk_waiter_fails_on_a_missing_service_and_reads_the_stopped_tasks_of_a_circuit_breaker_rollback()
    {
        AwsClients.Instance.EnsureReady();
        await using var server = await EcsTestServer.StartAsync(new EcsTestServerOptions { TickInterval = TimeSpan.FromMilliseconds(50) });
        var seeded = server.SeedService("prod", "web", "web:1", 1, new SeedOptions { CircuitBreaker = true, Rollback = true });
        server.MarkImageBad("web:bad");

        var missing = AwsClients.Instance.Js(server, null, "waitStable", "prod", "ghost");
        var deploy = AwsClients.Instance.Js(server, null, "deploy", "prod", "web", "web:bad");
        var stopped = AwsClients.Instance.Js(server, null, "stoppedTasks", "prod", "web");

        Assert.Equal("FAILED", missing.Json.GetProperty("waited").GetString());
        Assert.Contains("MISSING", missing.Out, StringComparison.Ordinal);
        Assert.True(deploy.ExitCode == 0, deploy.Out + deploy.Error);
        Assert.Equal("SUCCESS", deploy.Json.GetProperty("waited").GetString());
        Assert.Equal(seeded.TaskDefinitionArn, deploy.Json.GetProperty("after").GetProperty("services")[0].GetProperty("taskDefinition").GetString());
        Assert.Contains(deploy.Json.GetProperty("after").GetProperty("services")[0].GetProperty("events").EnumerateArray(),
            e => e.GetString()!.EndsWith("deployment failed: tasks failed to start.", StringComparison.Ordinal));
        var crashed = stopped.Json.GetProperty("tasks").EnumerateArray().Where(t => t.GetProperty("taskDefinitionArn").GetString()!.EndsWith(":2", StringComparison.Ordinal)).ToList();
        Assert.True(crashed.Count >= EcsBackend.CircuitBreakerThreshold(1), stopped.Out);
        Assert.All(crashed, t =>
        {
            Assert.Equal("Essential container in task exited", t.GetProperty("stoppedReason").GetString());
            Assert.Equal(1, t.GetProperty("exitCodes")[0].GetInt32());
        });
        Assert.Equal(crashed.Count, server.Tasks("prod", "web").Count(t => t.Containers[0].ExitCode == 1));
    }

    [Fact]
    public void The_sdk_paginates_task_definitions_and_filtered_log_events()
    {
        AwsClients.Instance.EnsureReady();
        var cluster = EcsServerFixture.NewCluster();
        var family = "pg" + cluster[2..];
        Server.SeedService(cluster, "svc", "svc:1", 1, new SeedOptions { Family = family, LogGroup = $"/ecs/{family}" });
        var start = DateTimeOffset.UtcNow.AddMinutes(-5);
        for (var i = 0; i < 9; i++)
        {
            Server.AppendLog($"/ecs/{family}", $"ecs/app/js{i % 3}", i % 2 == 0 ? $"ERROR \"timeout\" on call {i}" : $"WARN slow call {i}", start.AddSeconds(i));
        }

        var before = Server.CallsTo("FilterLogEvents");
        var definitions = Js("taskDefinitions", family);
        var logs = Js("logs", $"/ecs/{family}", "ecs/app/js", "ERROR", start.AddSeconds(1).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture), "2");

        Assert.Equal([Server.TaskDefinition($"{family}:1")!.Arn], definitions.GetProperty("arns").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(["ERROR \"timeout\" on call 2", "ERROR \"timeout\" on call 4", "ERROR \"timeout\" on call 6", "ERROR \"timeout\" on call 8"],
            logs.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("message").GetString()));
        Assert.Equal(2, logs.GetProperty("pages").GetInt32());
        Assert.Equal(2, Server.CallsTo("FilterLogEvents") - before);
        Assert.Equal(["ecs/app/js2", "ecs/app/js1", "ecs/app/js0", "ecs/app/js2"], logs.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("stream").GetString()));
    }

    [Fact]
    public void The_sdk_surfaces_the_servers_errors_by_name_and_retries_throttling()
    {
        AwsClients.Instance.EnsureReady();
        var cluster = EcsServerFixture.NewCluster();
        Server.SeedService(cluster, "web", "web:1", 1);
        var reader = Server.AddCredentials("js-reader");
        Server.Deny(reader.AccessKeyId, "UpdateService");
        Server.InjectThrottling(2, "DescribeServices");

        var errors = AwsClients.Instance.Js(Server, reader, "errors", cluster, "web").Json;
        // A key that differs in its first character: a random key that already began with 'x' once made the 'bad' key the good one.
        var badSignature = AwsClients.Instance.Js(Server, reader with { SecretAccessKey = (reader.SecretAccessKey[0] == 'x' ? "y" : "x") + reader.SecretAccessKey[1..] }, "errors", cluster, "web").Json;

        Assert.True(errors.GetProperty("describe").GetProperty("ok").GetBoolean(), errors.ToString());
        Assert.Equal(3, errors.GetProperty("describe").GetProperty("attempts").GetInt32());
        Assert.Equal("AccessDeniedException", errors.GetProperty("update").GetProperty("name").GetString());
        Assert.StartsWith($"User: arn:aws:iam::{Server.AccountId}:user/js-reader is not authorized to perform: ecs:UpdateService", errors.GetProperty("update").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(400, errors.GetProperty("update").GetProperty("httpStatusCode").GetInt32());
        Assert.Equal("ClientException", errors.GetProperty("taskDefinition").GetProperty("name").GetString());
        Assert.Equal("Unable to describe task definition.", errors.GetProperty("taskDefinition").GetProperty("message").GetString());
        Assert.Equal("ResourceNotFoundException", errors.GetProperty("logs").GetProperty("name").GetString());
        Assert.Equal("The specified log group does not exist.", errors.GetProperty("logs").GetProperty("message").GetString());
        foreach (var call in new[] { "describe", "update", "taskDefinition", "logs" })
        {
            Assert.Equal("InvalidSignatureException", badSignature.GetProperty(call).GetProperty("name").GetString());
            Assert.StartsWith("The request signature we calculated does not match the signature you provided.", badSignature.GetProperty(call).GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(1, Server.Service(cluster, "web")!.DesiredCount);
    }

    private JsonElement Js(string scenario, params string[] args)
    {
        var run = AwsClients.Instance.Js(Server, null, scenario, args);
        Assert.True(run.ExitCode == 0, $"check.mjs {scenario} failed: {run.Out} {run.Error}");
        return run.Json;
    }

    /// <summary>A task definition with much of what real ones carry, so a deploy that drops or reshapes a field shows.</summary>
    private static JsonObject RichTaskDefinition(string family) => new()
    {
        ["family"] = family,
        ["taskRoleArn"] = "arn:aws:iam::123456789012:role/api-task",
        ["executionRoleArn"] = "arn:aws:iam::123456789012:role/ecsTaskExecutionRole",
        ["networkMode"] = "awsvpc",
        ["requiresCompatibilities"] = new JsonArray("FARGATE"),
        ["cpu"] = "1024",
        ["memory"] = "2048",
        ["runtimePlatform"] = new JsonObject { ["cpuArchitecture"] = "ARM64", ["operatingSystemFamily"] = "LINUX" },
        ["ephemeralStorage"] = new JsonObject { ["sizeInGiB"] = 30 },
        ["volumes"] = new JsonArray(new JsonObject { ["name"] = "scratch" }),
        ["containerDefinitions"] = new JsonArray(
            new JsonObject
            {
                ["name"] = "app",
                ["image"] = "api:1",
                ["essential"] = true,
                ["cpu"] = 768,
                ["memoryReservation"] = 1536,
                ["portMappings"] = new JsonArray(new JsonObject { ["containerPort"] = 8080, ["hostPort"] = 8080, ["protocol"] = "tcp", ["name"] = "http" }),
                ["environment"] = new JsonArray(new JsonObject { ["name"] = "MODE", ["value"] = "production" }, new JsonObject { ["name"] = "EMPTY", ["value"] = string.Empty }),
                ["secrets"] = new JsonArray(new JsonObject { ["name"] = "DB_PASSWORD", ["valueFrom"] = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf" }),
                ["mountPoints"] = new JsonArray(new JsonObject { ["sourceVolume"] = "scratch", ["containerPath"] = "/tmp/scratch", ["readOnly"] = false }),
                ["healthCheck"] = new JsonObject { ["command"] = new JsonArray("CMD-SHELL", "curl -f http://localhost:8080/health || exit 1"), ["interval"] = 30, ["timeout"] = 5, ["retries"] = 3, ["startPeriod"] = 10 },
                ["ulimits"] = new JsonArray(new JsonObject { ["name"] = "nofile", ["softLimit"] = 65536, ["hardLimit"] = 65536 }),
                ["dependsOn"] = new JsonArray(new JsonObject { ["containerName"] = "sidecar", ["condition"] = "START" }),
                ["dockerLabels"] = new JsonObject { ["team"] = "data-aggregator" },
                ["logConfiguration"] = new JsonObject
                {
                    ["logDriver"] = "awslogs",
                    ["options"] = new JsonObject { ["awslogs-group"] = $"/ecs/{family}", ["awslogs-region"] = "eu-west-1", ["awslogs-stream-prefix"] = "api" },
                },
            },
            new JsonObject
            {
                ["name"] = "sidecar",
                ["image"] = "public.ecr.aws/aws-observability/aws-otel-collector:v0.40.0",
                ["essential"] = false,
                ["command"] = new JsonArray("--config=/etc/ecs/ecs-default-config.yaml"),
            }),
        ["tags"] = new JsonArray(new JsonObject { ["key"] = "team", ["value"] = "data-aggregator" }),
    };
}
