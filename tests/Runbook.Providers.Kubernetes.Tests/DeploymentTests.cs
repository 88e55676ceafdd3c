using Runbook.Execution.Actions;
using Runbook.Providers.Kubernetes.Tests.Support;
using Runbook.Providers.Tests;

namespace Runbook.Providers.Kubernetes.Tests;

/// <summary>What the provider does to deployments, checked against the API server's stored objects and the requests it saw.</summary>
public sealed class DeploymentTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>, IAsyncLifetime
{
    private readonly Cluster _cluster = Cluster.Fresh(fixture.Server);
    private readonly ActionsContext _context = new();
    private IReadOnlyDictionary<string, IStepAction> _actions = new Dictionary<string, IStepAction>();

    private string Ns => _cluster.Namespace;

    public async Task InitializeAsync()
    {
        await _cluster.Server.CreateDeploymentAsync(Ns, "web", "web:1", 2);
        _actions = _cluster.Actions();
        Assert.IsType<Succeeded>(await Run("service.wait", ("service", "web"), ("timeout", "30s")));
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Scale_goes_through_the_scale_subresource()
    {
        var scaled = Assert.IsType<Succeeded>(await Run("service.scale", ("service", "web"), ("replicas", 4L)));

        Assert.Equal(2L, scaled.Outputs["previous_replicas"]);
        Assert.Equal(4, _cluster.Server.Get(Ns, "deployments", "web")!["spec"]!["replicas"]!.GetValue<int>());
        Assert.Contains(_cluster.Server.Requests, r => r.Method == "PATCH" && r.Path == $"/apis/apps/v1/namespaces/{Ns}/deployments/web/scale"
            && r.ContentType?.StartsWith("application/merge-patch+json", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task Wait_follows_the_rollout_with_a_watch()
    {
        Assert.IsType<Succeeded>(await Run("service.deploy", ("service", "web"), ("image", "web:2")));
        var waited = Assert.IsType<Succeeded>(await Run("service.wait", ("service", "web"), ("timeout", "30s")));

        Assert.Equal(2L, waited.Outputs["ready_replicas"]);
        Assert.Contains(_cluster.Server.Requests, r => r.Path.Contains(Ns, StringComparison.Ordinal) && r.Query.Contains("watch=true", StringComparison.Ordinal)
            && r.Query.Contains("fieldSelector=metadata.name%3Dweb", StringComparison.Ordinal));
        var pods = _cluster.Server.List(Ns, "pods");
        Assert.Equal(2, pods.Count);
        Assert.All(pods, p => Assert.Equal("web:2", p["spec"]!["containers"]![0]!["image"]!.GetValue<string>()));
    }

    [Fact]
    public async Task A_rollout_past_its_progress_deadline_fails_the_wait_at_once()
    {
        _cluster.Server.NeverReady("web:hangs");
        await _cluster.Server.CreateDeploymentAsync(Ns, "hung", "web:hangs", 1, progressDeadlineSeconds: 1);

        var failed = Assert.IsType<Failed>(await Run("service.wait", ("service", "hung"), ("timeout", "5m")));

        Assert.Contains("deployment \"hung\" exceeded its progress deadline", failed.Error, StringComparison.Ordinal);
        Assert.False(failed.Retryable);
    }

    [Fact]
    public async Task Restart_changes_the_template_annotation_as_rollout_restart_does_and_makes_a_new_revision()
    {
        var restarted = Assert.IsType<Succeeded>(await Run("service.restart", ("service", "web")));
        Assert.IsType<Succeeded>(await Run("service.wait", ("service", "web"), ("timeout", "30s")));
        var described = Assert.IsType<Succeeded>(await Run("service.describe", ("service", "web")));

        var annotations = _cluster.Server.Get(Ns, "deployments", "web")!["spec"]!["template"]!["metadata"]!["annotations"]!;
        Assert.NotNull(annotations["kubectl.kubernetes.io/restartedAt"]);
        Assert.Equal("1", restarted.Outputs["previous_revision"]);
        Assert.Equal("2", restarted.Outputs["revision"]); // read after the controller saw the change, not before
        Assert.Equal("2", described.Outputs["revision"]);
        Assert.Equal("1", described.Outputs["previous_revision"]);
        Assert.Contains(_cluster.Server.Requests, r => r.Method == "PATCH" && r.Path == $"/apis/apps/v1/namespaces/{Ns}/deployments/web"
            && r.ContentType?.StartsWith("application/strategic-merge-patch+json", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task Rollback_to_a_named_revision_uses_that_revisions_template_and_an_unknown_one_lists_those_kept()
    {
        Assert.IsType<Succeeded>(await Run("service.deploy", ("service", "web"), ("image", "web:2")));
        Assert.IsType<Succeeded>(await Run("service.deploy", ("service", "web"), ("image", "web:3")));
        Assert.True(await _cluster.Server.WaitUntilAsync(s => s.Get(Ns, "deployments", "web")!["metadata"]!["annotations"]!["deployment.kubernetes.io/revision"]!.GetValue<string>() == "3", TimeSpan.FromSeconds(10)));

        var rolledBack = Assert.IsType<Succeeded>(await Run("service.rollback", ("service", "web"), ("to", "1")));
        Assert.IsType<Succeeded>(await Run("service.wait", ("service", "web"), ("timeout", "30s")));
        var described = Assert.IsType<Succeeded>(await Run("service.describe", ("service", "web")));
        var history = Assert.IsType<Succeeded>(await Run("service.history", ("service", "web")));
        var unknown = Assert.IsType<Failed>(await Run("service.rollback", ("service", "web"), ("to", "9")));

        Assert.Equal("3", rolledBack.Outputs["previous_revision"]);
        Assert.Equal("4", rolledBack.Outputs["revision"]);
        Assert.Equal("web:1", described.Outputs["image"]);
        Assert.Equal("4", described.Outputs["revision"]); // the revision-1 ReplicaSet is reused and renumbered, as the controller does
        Assert.Equal(new object?[] { "4", "3", "2" }, Assert.IsAssignableFrom<IEnumerable<object?>>(history.Outputs["revisions"]));
        Assert.Contains("revision 9 of deployment 'web' not found; revisions kept: 4, 3, 2", unknown.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_conflicting_write_is_retried_with_a_fresh_read_and_gives_up_after_five()
    {
        _cluster.Server.ConflictNextWrites(Ns, "deployments", "web", 2);
        var deployed = await Run("service.deploy", ("service", "web"), ("image", "web:2"));
        _cluster.Server.ConflictNextWrites(Ns, "deployments", "web", 10);
        var gaveUp = Assert.IsType<Failed>(await Run("service.deploy", ("service", "web"), ("image", "web:3")));

        Assert.IsType<Succeeded>(deployed);
        Assert.Equal("web:2", _cluster.Server.Get(Ns, "deployments", "web")!["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.GetValue<string>());
        Assert.Equal(3 + 5, _cluster.Server.Requests.Count(r => r.Method == "PUT" && r.Path == $"/apis/apps/v1/namespaces/{Ns}/deployments/web"));
        Assert.Contains("5 writes in a row conflicted", gaveUp.Error, StringComparison.Ordinal);
        Assert.Contains("the object has been modified", gaveUp.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Api_errors_name_the_object_and_what_was_denied()
    {
        _cluster.Server.Deny("dave", "get", "deployments");
        var denied = Assert.IsType<Failed>(await Run(_cluster.Actions(_cluster.Kubeconfig("dave")), "service.describe", ("service", "web")));
        var missing = Assert.IsType<Failed>(await Run("service.scale", ("service", "nope"), ("replicas", 1L)));

        Assert.Contains($"deployments.apps \"web\" is forbidden: User \"dave\" cannot get resource \"deployments\" in API group \"apps\" in the namespace \"{Ns}\"",
            denied.Error, StringComparison.Ordinal);
        Assert.Contains($"deployment 'nope' not found in namespace '{Ns}' of context 'test'", missing.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Logs_come_from_every_pod_by_the_deployments_selector_with_tail_since_and_previous()
    {
        var pod = _cluster.Server.List(Ns, "pods")[0]["metadata"]!["name"]!.GetValue<string>();
        _cluster.Server.AppendLog(Ns, pod, "ERROR upstream timed out");

        var logs = Assert.IsType<Succeeded>(await Run("service.logs", ("service", "web"), ("tail", 1L), ("since", "5m")));
        var previous = Assert.IsType<Failed>(await Run("service.logs", ("service", "web"), ("previous", true)));

        var lines = Assert.IsAssignableFrom<IEnumerable<object?>>(logs.Outputs["lines"]).Cast<string>().ToList();
        Assert.Equal(2, lines.Count);
        Assert.Contains($"[pod/{pod}/app] ERROR upstream timed out", lines);
        Assert.Contains("previous terminated container \"app\"", previous.Error, StringComparison.Ordinal);
        Assert.Contains(_cluster.Server.Requests, r => r.Path == $"/api/v1/namespaces/{Ns}/pods/{pod}/log"
            && r.Query.Contains("sinceSeconds=300", StringComparison.Ordinal) && r.Query.Contains("tailLines=1", StringComparison.Ordinal)
            && r.Query.Contains("container=app", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Get_reads_objects_and_lists_by_selector_and_refuses_secrets()
    {
        var one = Assert.IsType<Succeeded>(await Run("kubernetes.get", ("kind", "deploy"), ("name", "web")));
        var pods = Assert.IsType<Succeeded>(await Run("kubernetes.get", ("kind", "pods"), ("selector", "app=web")));
        var none = Assert.IsType<Succeeded>(await Run("kubernetes.get", ("kind", "po"), ("selector", "app in (api,worker)")));
        var secrets = Assert.IsType<Failed>(await Run("kubernetes.get", ("kind", "secrets")));

        var deployment = Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(one.Outputs["object"]);
        Assert.Equal("Deployment", deployment["kind"]);
        Assert.Equal(2L, pods.Outputs["count"]);
        Assert.Equal(0L, none.Outputs["count"]);
        Assert.Contains("does not read secrets", secrets.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Events_of_a_deployment_come_oldest_first()
    {
        Assert.IsType<Succeeded>(await Run("service.scale", ("service", "web"), ("replicas", 3L)));
        Assert.IsType<Succeeded>(await Run("service.wait", ("service", "web"), ("timeout", "30s")));

        var events = Assert.IsType<Succeeded>(await Run("kubernetes.events", ("kind", "deployment"), ("name", "web")));
        var all = Assert.IsType<Succeeded>(await Run("kubernetes.events"));

        var list = Assert.IsAssignableFrom<IEnumerable<object?>>(events.Outputs["events"]).Cast<IReadOnlyDictionary<string, object?>>().ToList();
        Assert.All(list, e => Assert.Equal("ScalingReplicaSet", e["reason"]));
        Assert.Contains(list, e => ((string)e["message"]!).EndsWith(" to 3", StringComparison.Ordinal));
        Assert.Equal(list.Select(e => (string)e["last_seen"]!).Order(StringComparer.Ordinal), list.Select(e => (string)e["last_seen"]!));
        Assert.True(Assert.IsAssignableFrom<IEnumerable<object?>>(all.Outputs["events"]).Count() > list.Count);
    }

    [Fact]
    public async Task Exec_runs_in_a_ready_pod_and_reports_the_exit_code()
    {
        var hello = Assert.IsType<Succeeded>(await Run("kubernetes.exec", ("service", "web"), ("command", "echo \"hello from $HOSTNAME\"")));
        var failed = Assert.IsType<Failed>(await Run("kubernetes.exec", ("service", "web"), ("command", new List<object?> { "sh", "-c", "echo no >&2; exit 3" })));

        Assert.StartsWith("hello from web-", (string)hello.Outputs["stdout"]!, StringComparison.Ordinal);
        Assert.Equal(3L, failed.Outputs!["exit_code"]);
        Assert.Contains("exited with 3", failed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dry_run_preview_reads_the_current_state_and_changes_nothing()
    {
        var before = _cluster.Server.Get(Ns, "deployments", "web")!["metadata"]!["resourceVersion"]!.GetValue<string>();
        var preview = await ((IDryRunPreview)_actions["service.scale"]).PreviewAsync(
            _context.Invocation("service.scale", new Dictionary<string, object?> { ["service"] = "web", ["replicas"] = 5L }), CancellationToken.None);

        Assert.Equal("2 replicas", preview.Current);
        Assert.Equal("5 replicas", preview.Desired);
        Assert.Equal(before, _cluster.Server.Get(Ns, "deployments", "web")!["metadata"]!["resourceVersion"]!.GetValue<string>());
        Assert.DoesNotContain(_cluster.Server.Requests, r => r.Method is "PATCH" or "PUT" && r.Path.Contains(Ns, StringComparison.Ordinal));
    }

    private Task<StepOutcome> Run(string action, params (string Name, object? Value)[] arguments) => Run(_actions, action, arguments);

    private Task<StepOutcome> Run(IReadOnlyDictionary<string, IStepAction> actions, string action, params (string Name, object? Value)[] arguments) =>
        actions[action].ExecuteAsync(_context.Invocation(action, arguments.ToDictionary(a => a.Name, a => a.Value)), CancellationToken.None).AsTask();
}
