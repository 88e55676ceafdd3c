using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Runbook.Execution.Actions;
using Runbook.Execution.Providers;
using Runbook.Providers.Aws;
using Runbook.Providers.Aws.Tests.EcsServer;
using Runbook.Providers.Aws.Tests.Support;
using Runbook.Providers.Tests;

namespace Runbook.Providers.Aws.Tests.Provider;

/// <summary>The ECS verbs, the client's retries and errors, against the ECS test server (one cluster per test).</summary>
public sealed class EcsBackendTests(EcsServerFixture fixture) : IClassFixture<EcsServerFixture>
{
    private readonly EcsTestServer _server = fixture.Server;
    private readonly string _cluster = EcsServerFixture.NewCluster();
    private readonly ActionsContext _context = new();

    private EcsServiceBackend Backend(params (string Key, string Value)[] settings) =>
        AwsTarget.Backend(AwsTarget.Environment(_server), AwsTarget.Settings(_cluster, settings));

    private Task<StepOutcome> Run(string action, params (string Name, object? Value)[] arguments) =>
        AwsTarget.Actions(AwsTarget.Environment(_server), AwsTarget.Settings(_cluster))[action]
            .ExecuteAsync(_context.Invocation(action, arguments.ToDictionary(a => a.Name, a => a.Value)), CancellationToken.None).AsTask();

    [Fact]
    public async Task Deploy_registers_a_copy_of_the_task_definition_with_only_the_image_changed()
    {
        var definition = JsonNode.Parse("""
            {
              "family": "web", "networkMode": "awsvpc", "cpu": "512", "memory": "1024",
              "executionRoleArn": "arn:aws:iam::123456789012:role/exec", "taskRoleArn": "arn:aws:iam::123456789012:role/task",
              "requiresCompatibilities": ["FARGATE"], "runtimePlatform": { "cpuArchitecture": "ARM64", "operatingSystemFamily": "LINUX" },
              "ephemeralStorage": { "sizeInGiB": 30 }, "volumes": [{ "name": "scratch" }],
              "tags": [{ "key": "team", "value": "data-aggregator" }],
              "containerDefinitions": [
                { "name": "envoy", "image": "envoyproxy/envoy:v1.30", "essential": false, "portMappings": [{ "containerPort": 9901, "protocol": "tcp" }] },
                { "name": "app", "image": "registry.example/web:1", "essential": true,
                  "environment": [{ "name": "MODE", "value": "prod" }], "secrets": [{ "name": "DB", "valueFrom": "arn:aws:ssm:eu-west-1:123456789012:parameter/db" }],
                  "healthCheck": { "command": ["CMD-SHELL", "curl -f localhost/health"], "interval": 10, "retries": 3 },
                  "mountPoints": [{ "sourceVolume": "scratch", "containerPath": "/tmp/scratch" }],
                  "logConfiguration": { "logDriver": "awslogs", "options": { "awslogs-group": "/ecs/web", "awslogs-region": "eu-west-1", "awslogs-stream-prefix": "ecs" } } }
              ]
            }
            """)!.AsObject();
        _server.SeedService(_cluster, "web", "registry.example/web:1", 1, new SeedOptions { TaskDefinition = definition });
        var before = _server.TaskDefinition(_server.Service(_cluster, "web")!.TaskDefinitionArn)!;

        var arn = await Backend().DeployReturningArnAsync("web", "registry.example/web:2", CancellationToken.None);

        var after = _server.TaskDefinition(arn)!;
        Assert.Equal(before.Revision + 1, after.Revision);
        Assert.Equal(arn, _server.Service(_cluster, "web")!.TaskDefinitionArn);
        var expected = Registrable(before.Body);
        ((JsonObject)expected["containerDefinitions"]![1]!)["image"] = "registry.example/web:2";
        Assert.Equal(expected.ToJsonString(), Registrable(after.Body).ToJsonString());
        Assert.Contains(_server.Calls, c => c.Operation == "RegisterTaskDefinition" && c.Body.Contains("data-aggregator", StringComparison.Ordinal));
    }

    /// <summary>A task definition as RegisterTaskDefinition would take it: without what ECS sets.</summary>
    private static JsonObject Registrable(JsonObject body)
    {
        var copy = body.DeepClone().AsObject();
        foreach (var name in TaskDefinitionCopy.SetByEcs)
        {
            copy.Remove(name);
        }

        return copy;
    }

    [Fact]
    public async Task The_container_setting_chooses_which_image_deploy_changes()
    {
        _server.SeedService(_cluster, "web", "registry.example/web:1", 1);
        var registered = _server.CallsTo("RegisterTaskDefinition");

        var error = await Assert.ThrowsAsync<ProviderException>(() => Backend(("container", "sidecar")).DeployAsync("web", "x:2", CancellationToken.None));

        Assert.Equal(ProviderErrorKind.NotFound, error.Kind);
        Assert.Contains("no container 'sidecar'", error.Message, StringComparison.Ordinal);
        Assert.Equal(registered, _server.CallsTo("RegisterTaskDefinition"));
    }

    [Fact]
    public async Task Describe_reports_counts_revision_image_and_the_deployment_in_progress()
    {
        _server.SeedService(_cluster, "web", "registry.example/web:1", 2);
        var first = _server.Service(_cluster, "web")!.TaskDefinitionArn;
        var backend = Backend();
        var second = await backend.DeployReturningArnAsync("web", "registry.example/web:2", CancellationToken.None);

        var during = await backend.DescribeAsync("web", CancellationToken.None);
        await _server.WaitForStableAsync(_cluster, "web");
        var after = await backend.DescribeAsync("web", CancellationToken.None);

        Assert.Equal(second, during.Revision);
        Assert.Equal(first, during.PreviousRevision);
        Assert.Equal("registry.example/web:2", after.Image);
        Assert.True(after.Healthy);
        Assert.True(after.IsReady);
        Assert.Equal(2, after.Replicas);
        Assert.Equal(first, after.PreviousRevision);
        Assert.Equal(2, after.Instances.Length);
        Assert.All(after.Instances, i => Assert.Equal("registry.example/web:2", i.Image));
    }

    [Fact]
    public async Task A_missing_service_names_the_cluster_and_the_service()
    {
        _server.CreateCluster(_cluster);

        var error = await Assert.ThrowsAsync<ProviderException>(() => Backend().DescribeAsync("ghost", CancellationToken.None));

        Assert.Equal(ProviderErrorKind.NotFound, error.Kind);
        Assert.Contains($"service 'ghost' not found in cluster '{_cluster}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("MISSING", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_cluster_is_ECSs_ClusterNotFoundException_as_not_found()
    {
        var error = await Assert.ThrowsAsync<ProviderException>(() => Backend().DescribeAsync("web", CancellationToken.None));

        Assert.Equal(ProviderErrorKind.NotFound, error.Kind);
        Assert.Contains("ClusterNotFoundException", error.Message, StringComparison.Ordinal);
        Assert.False(error.Retryable);
    }

    [Fact]
    public async Task Wait_ends_at_once_with_ECSs_reason_when_the_circuit_breaker_fails_the_deployment()
    {
        _server.SeedService(_cluster, "web", "registry.example/web:1", 2, new SeedOptions { CircuitBreaker = true });
        _server.MarkImageBad("registry.example/web:broken");
        await Backend().DeployAsync("web", "registry.example/web:broken", CancellationToken.None);

        var started = DateTimeOffset.UtcNow;
        var failed = Assert.IsType<Failed>(await Run("service.wait", ("service", "web"), ("timeout", "60s")));

        Assert.Contains("FAILED", failed.Error, StringComparison.Ordinal);
        Assert.Contains("circuit breaker", failed.Error, StringComparison.OrdinalIgnoreCase);
        Assert.False(failed.Retryable);
        Assert.True(DateTimeOffset.UtcNow - started < TimeSpan.FromSeconds(30), "the wait ended when ECS failed the deployment, not at its timeout");
    }

    [Fact]
    public async Task History_lists_the_familys_revisions_newest_first_across_pages()
    {
        _server.SeedService(_cluster, "hist", "registry.example/hist:1", 1);
        var backend = Backend();
        for (var i = 2; i <= 4; i++)
        {
            await backend.DeployAsync("hist", $"registry.example/hist:{i}", CancellationToken.None);
        }

        _server.PageSize = 1;
        try
        {
            var history = await backend.HistoryAsync("hist", 10, CancellationToken.None);

            Assert.Equal([4, 3, 2, 1], history.Select(r => EcsServiceBackend.RevisionNumber(r.Id)));
        }
        finally
        {
            _server.PageSize = null;
        }
    }

    [Fact]
    public async Task History_marks_the_revisions_deployments_use_and_after_a_rollback_the_current_one_is_not_the_newest()
    {
        _server.SeedService(_cluster, "marked", "registry.example/marked:1", 1, new SeedOptions { Family = "mk-" + _cluster });
        var first = _server.Service(_cluster, "marked")!.TaskDefinitionArn;
        await Backend().DeployAsync("marked", "registry.example/marked:2", CancellationToken.None);
        await _server.WaitForStableAsync(_cluster, "marked");
        await Backend().RollbackAsync("marked", first, CancellationToken.None);

        var history = Assert.IsType<Succeeded>(await Run("service.history", ("service", "marked")));

        var revisions = Assert.IsAssignableFrom<IEnumerable<object?>>(history.Outputs["revisions"]).Cast<string>().ToList();
        Assert.Equal(2, revisions.Count);
        Assert.Equal(first, revisions[1]); // newest first: the rollback target is the older task definition
        Assert.Equal(first, history.Outputs["current"]);
        Assert.Null(history.Outputs["previous"]);
        var deployments = Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(history.Outputs["deployments"]);
        Assert.StartsWith("PRIMARY", Assert.IsType<string>(deployments[first]), StringComparison.Ordinal);
        Assert.All(deployments.Keys, arn => Assert.Contains(arn, revisions));
    }

    [Fact]
    public async Task Rollback_to_a_revision_number_or_an_arn_sets_that_task_definition()
    {
        // Task definition families are account-wide, as in ECS: a family of this test's own.
        _server.SeedService(_cluster, "web", "registry.example/web:1", 1, new SeedOptions { Family = "rb-" + _cluster });
        var first = _server.Service(_cluster, "web")!.TaskDefinitionArn;
        var backend = Backend();
        var second = await backend.DeployReturningArnAsync("web", "registry.example/web:2", CancellationToken.None);
        await backend.DeployAsync("web", "registry.example/web:3", CancellationToken.None);

        await backend.RollbackAsync("web", "1", CancellationToken.None);
        var byNumber = _server.Service(_cluster, "web")!.TaskDefinitionArn;
        await backend.RollbackAsync("web", second, CancellationToken.None);
        var byArn = _server.Service(_cluster, "web")!.TaskDefinitionArn;
        var bad = await Assert.ThrowsAsync<ProviderException>(() => backend.RollbackAsync("web", "yesterday", CancellationToken.None));

        Assert.Equal(first, byNumber);
        Assert.Equal(second, byArn);
        Assert.Contains("'yesterday' is not a task definition", bad.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Logs_read_the_awslogs_group_of_the_service_the_last_lines_across_pages()
    {
        _server.SeedService(_cluster, "logger", "registry.example/logger:1", 2);
        for (var i = 1; i <= 5; i++)
        {
            _server.WriteServiceLog(_cluster, "logger", $"line {i}");
        }

        _server.AppendLog("/ecs/logger", "other/app/x", "not this service's stream");
        _server.PageSize = 2;
        try
        {
            var lines = await Backend().LogsAsync("logger", new LogQuery(4, TimeSpan.FromMinutes(5), false, null), CancellationToken.None);

            Assert.Equal(4, lines.Length);
            Assert.All(lines, l => Assert.Matches(@"^\[ecs/app/[0-9a-f]+\] line [45]$", l));
            Assert.True(_server.CallsTo("FilterLogEvents") > 1);
        }
        finally
        {
            _server.PageSize = null;
        }
    }

    [Fact]
    public async Task A_logs_filter_is_matched_by_cloudwatch_so_the_tail_counts_matching_lines_only()
    {
        _server.SeedService(_cluster, "filtered", "registry.example/filtered:1", 1);
        _server.WriteServiceLog(_cluster, "filtered", "payment failed: card declined");
        for (var i = 1; i <= 5; i++)
        {
            _server.WriteServiceLog(_cluster, "filtered", $"request {i} ok");
        }

        var lines = await Backend().LogsAsync("filtered", new LogQuery(2, TimeSpan.FromMinutes(5), false, "card declined"), CancellationToken.None);

        // Without the pattern sent to CloudWatch, the last two lines ("request 4/5 ok") would hold no match at all.
        var line = Assert.Single(lines);
        Assert.EndsWith("payment failed: card declined", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Describe_tasks_shows_stopped_reasons_and_exit_codes_of_crashing_tasks()
    {
        _server.MarkImageBad("registry.example/crash:1");
        _server.SeedService(_cluster, "crash", "registry.example/crash:1", 1);
        await _server.WaitUntilAsync(s => s.Tasks(_cluster, "crash").Any(t => t.LastStatus == "STOPPED"));

        var described = Assert.IsType<Succeeded>(await Run("aws.ecs.describe_tasks", ("service", "crash")));

        var reasons = Assert.IsType<List<object?>>(described.Outputs["stopped_reasons"]);
        Assert.Contains(reasons, r => r is string s && s.Contains("Essential container", StringComparison.Ordinal));
        var tasks = Assert.IsType<List<object?>>(described.Outputs["tasks"]);
        var stopped = tasks.Cast<Dictionary<string, object?>>().First(t => (string?)t["last_status"] == "STOPPED");
        var container = Assert.IsType<List<object?>>(stopped["containers"]).Cast<Dictionary<string, object?>>().Single();
        Assert.Equal(1L, container["exit_code"]);
    }

    [Fact]
    public async Task Throttling_is_retried_with_backoff_and_the_call_then_succeeds()
    {
        _server.SeedService(_cluster, "web", "registry.example/web:1", 1);
        _server.InjectThrottling(2, "UpdateService");

        await Backend().ScaleAsync("web", 3, CancellationToken.None);

        Assert.Equal(3, _server.Service(_cluster, "web")!.DesiredCount);
        Assert.Equal(2, _server.Calls.Count(c => c.Operation == "UpdateService" && c.ErrorType == "ThrottlingException"));
    }

    [Fact]
    public async Task Throttling_that_outlasts_the_retries_is_a_retryable_unavailable_error_with_AWSs_message()
    {
        _server.SeedService(_cluster, "web", "registry.example/web:1", 1);
        _server.InjectThrottling(3, "UpdateService");

        var error = await Assert.ThrowsAsync<ProviderException>(() => Backend().ScaleAsync("web", 3, CancellationToken.None));

        Assert.Equal(ProviderErrorKind.Unavailable, error.Kind);
        Assert.True(error.Retryable);
        Assert.Contains("ThrottlingException", error.Message, StringComparison.Ordinal);
        Assert.Contains($"service 'web' in cluster '{_cluster}'", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, _server.Service(_cluster, "web")!.DesiredCount);
    }

    [Fact]
    public async Task Server_errors_are_retried()
    {
        _server.SeedService(_cluster, "web", "registry.example/web:1", 1);
        _server.InjectServerErrors(2, "DescribeServices");

        var state = await Backend().DescribeAsync("web", CancellationToken.None);

        Assert.Equal(1, state.DesiredReplicas);
    }

    [Fact]
    public async Task A_wrong_secret_key_is_a_forbidden_error_that_is_not_retried()
    {
        _server.SeedService(_cluster, "web", "registry.example/web:1", 1);
        var environment = AwsTarget.Environment(_server);
        environment["AWS_SECRET_ACCESS_KEY"] = "not-the-secret";
        var before = _server.CallsTo("DescribeServices");

        var error = await Assert.ThrowsAsync<ProviderException>(() => AwsTarget.Backend(environment, AwsTarget.Settings(_cluster)).DescribeAsync("web", CancellationToken.None));

        Assert.Equal(ProviderErrorKind.Forbidden, error.Kind);
        Assert.Contains("InvalidSignatureException", error.Message, StringComparison.Ordinal);
        Assert.Equal(before + 1, _server.CallsTo("DescribeServices"));
    }

    [Fact]
    public async Task An_endpoint_that_never_answers_times_out_per_attempt_as_unavailable()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var environment = AwsTarget.Environment(_server);
        environment["AWS_ENDPOINT_URL"] = $"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}/";

        var error = await Assert.ThrowsAsync<ProviderException>(() =>
            AwsTarget.Backend(environment, AwsTarget.Settings(_cluster, ("timeout", "300ms"))).DescribeAsync("web", CancellationToken.None));

        Assert.Equal(ProviderErrorKind.Unavailable, error.Kind);
        Assert.Contains("no answer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancelling_a_call_stops_it()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var environment = AwsTarget.Environment(_server);
        environment["AWS_ENDPOINT_URL"] = $"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}/";
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            AwsTarget.Backend(environment, AwsTarget.Settings(_cluster, ("timeout", "30s"))).DescribeAsync("web", cancel.Token));
    }
}
