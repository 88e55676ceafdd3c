using System.Text.Json.Nodes;
using Runbook.Execution.Actions;
using Runbook.Providers.Kubernetes.Tests.Support;
using Runbook.Providers.Tests;

namespace Runbook.Providers.Kubernetes.Tests;

/// <summary>
/// Every service action on a StatefulSet (a service named statefulset/NAME, which is what runbook.yaml's
/// { kind: statefulset, name: NAME } becomes), checked against the test API server's stored objects and requests.
/// </summary>
public sealed class StatefulSetTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>, IAsyncLifetime
{
    private const string Db = "statefulset/db";
    private readonly Cluster _cluster = Cluster.Fresh(fixture.Server);
    private readonly ActionsContext _context = new();
    private IReadOnlyDictionary<string, IStepAction> _actions = new Dictionary<string, IStepAction>();

    private string Ns => _cluster.Namespace;

    public async Task InitializeAsync()
    {
        await _cluster.Server.CreateStatefulSetAsync(Ns, "db", "postgres:15", 3);
        _actions = _cluster.Actions();
        Assert.IsType<Succeeded>(await Run("service.wait", ("service", Db), ("timeout", "30s")));
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Describe_reports_ready_and_updated_replicas_both_revisions_and_the_pods_by_ordinal()
    {
        var described = Assert.IsType<Succeeded>(await Run("service.describe", ("service", Db)));

        var stored = Set();
        var revision = Assert.Single(Revisions());
        Assert.Equal(3L, described.Outputs["replicas"]);
        Assert.Equal(3L, described.Outputs["desired_replicas"]);
        Assert.Equal(3L, described.Outputs["updated_replicas"]);
        Assert.Equal("postgres:15", described.Outputs["image"]);
        Assert.Equal("1", described.Outputs["revision"]);
        Assert.Null(described.Outputs["previous_revision"]);
        Assert.Equal(revision["metadata"]!["name"]!.GetValue<string>(), described.Outputs["update_revision"]);
        Assert.Equal(stored["status"]!["currentRevision"]!.GetValue<string>(), described.Outputs["current_revision"]);
        Assert.Equal(true, described.Outputs["healthy"]);
        var names = Assert.IsType<List<object?>>(described.Outputs["instances"]).Cast<Dictionary<string, object?>>().Select(i => i["name"]).ToList();
        Assert.Equal(["db-0", "db-1", "db-2"], names);
        Assert.Equal("none", described.Outputs["hpa"]);
        Assert.Null(described.Outputs["hpa_min_replicas"]);
    }

    [Fact]
    public async Task Every_output_of_describe_and_scale_is_one_their_descriptors_declare()
    {
        var described = Assert.IsType<Succeeded>(await Run("service.describe", ("service", Db)));
        var scaled = Assert.IsType<Succeeded>(await Run("service.scale", ("service", Db), ("replicas", 3L)));

        var catalog = Runbook.Language.Actions.ServiceActions.All;
        Assert.All(described.Outputs.Keys, key => Assert.NotNull(catalog.Single(a => a.Name == "service.describe").FindOutput(key)));
        Assert.All(scaled.Outputs.Keys, key => Assert.NotNull(catalog.Single(a => a.Name == "service.scale").FindOutput(key)));
        Assert.Equal(catalog.Single(a => a.Name == "service.describe").Outputs.Length, described.Outputs.Count);
    }

    [Fact]
    public async Task Scale_goes_through_the_statefulsets_scale_subresource_and_the_set_grows_by_ordinal()
    {
        var scaled = Assert.IsType<Succeeded>(await Run("service.scale", ("service", Db), ("replicas", 4L)));
        Assert.IsType<Succeeded>(await Run("service.wait", ("service", Db), ("timeout", "30s")));

        Assert.Equal(3L, scaled.Outputs["previous_replicas"]);
        Assert.Equal(4L, scaled.Outputs["replicas"]);
        Assert.Null(scaled.Outputs["previous_hpa_min_replicas"]);
        Assert.Equal(4, Set()["spec"]!["replicas"]!.GetValue<int>());
        Assert.Contains(PodNames(), n => n == "db-3");
        Assert.Contains(_cluster.Server.Requests, r => r.Method == "PATCH" && r.Path == $"/apis/apps/v1/namespaces/{Ns}/statefulsets/db/scale"
            && r.ContentType?.StartsWith("application/merge-patch+json", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task Restart_sets_the_template_annotation_and_every_pod_is_replaced_at_a_new_controller_revision()
    {
        var before = PodUids();

        var restarted = Assert.IsType<Succeeded>(await Run("service.restart", ("service", Db)));
        Assert.IsType<Succeeded>(await Run("service.wait", ("service", Db), ("timeout", "30s")));

        Assert.NotNull(Set()["spec"]!["template"]!["metadata"]!["annotations"]!["kubectl.kubernetes.io/restartedAt"]);
        Assert.Equal("1", restarted.Outputs["previous_revision"]);
        Assert.Equal("2", restarted.Outputs["revision"]);
        Assert.Equal(2, Revisions().Count);
        Assert.Empty(PodUids().Intersect(before));
        Assert.Contains(_cluster.Server.Requests, r => r.Method == "PATCH" && r.Path == $"/apis/apps/v1/namespaces/{Ns}/statefulsets/db"
            && r.ContentType?.StartsWith("application/strategic-merge-patch+json", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task Wait_on_a_partitioned_set_ends_when_the_pods_at_and_above_the_partition_are_updated_and_keeps_the_others()
    {
        await _cluster.Server.CreateStatefulSetAsync(Ns, "canary", "app:1", 3, partition: 2);
        Assert.IsType<Succeeded>(await Run("service.wait", ("service", "statefulset/canary"), ("timeout", "30s")));

        Assert.IsType<Succeeded>(await Run("service.deploy", ("service", "statefulset/canary"), ("image", "app:2")));
        var waited = Assert.IsType<Succeeded>(await Run("service.wait", ("service", "statefulset/canary"), ("timeout", "30s")));
        var described = Assert.IsType<Succeeded>(await Run("service.describe", ("service", "statefulset/canary")));

        Assert.Equal(3L, waited.Outputs["ready_replicas"]);
        Assert.Equal(1L, described.Outputs["updated_replicas"]);
        Assert.NotEqual(described.Outputs["current_revision"], described.Outputs["update_revision"]);
        Assert.Equal("app:1", Image("canary-0"));
        Assert.Equal("app:1", Image("canary-1"));
        Assert.Equal("app:2", Image("canary-2"));
    }

    [Fact]
    public async Task Wait_on_an_ondelete_set_fails_at_once_as_rollout_status_has_nothing_to_follow()
    {
        await _cluster.Server.CreateStatefulSetAsync(Ns, "legacy", "app:1", 1, strategy: "OnDelete");

        var failed = Assert.IsType<Failed>(await Run("service.wait", ("service", "statefulset/legacy"), ("timeout", "5m")));

        Assert.Contains("statefulset \"legacy\" uses the OnDelete update strategy: rollout status is only available for the RollingUpdate strategy", failed.Error, StringComparison.Ordinal);
        Assert.False(failed.Retryable);
    }

    [Fact]
    public async Task Deploy_then_rollback_without_to_returns_to_the_previous_controller_revision_as_rollout_undo_does()
    {
        Assert.IsType<Succeeded>(await Run("service.deploy", ("service", Db), ("image", "postgres:16")));
        Assert.IsType<Succeeded>(await Run("service.wait", ("service", Db), ("timeout", "30s")));

        var rolledBack = Assert.IsType<Succeeded>(await Run("service.rollback", ("service", Db)));
        Assert.IsType<Succeeded>(await Run("service.wait", ("service", Db), ("timeout", "30s")));

        Assert.Equal("2", rolledBack.Outputs["previous_revision"]);
        Assert.Equal("3", rolledBack.Outputs["revision"]); // the old revision, renumbered as the newest, as the controller does
        Assert.Equal("postgres:15", Set()["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.GetValue<string>());
        Assert.All(["db-0", "db-1", "db-2"], p => Assert.Equal("postgres:15", Image(p)));
        Assert.Equal(2, Revisions().Count);
    }

    [Fact]
    public async Task Rollback_to_a_numbered_revision_uses_that_revisions_template()
    {
        Assert.IsType<Succeeded>(await Run("service.deploy", ("service", Db), ("image", "postgres:16")));
        Assert.IsType<Succeeded>(await Run("service.deploy", ("service", Db), ("image", "postgres:17")));

        Assert.IsType<Succeeded>(await Run("service.rollback", ("service", Db), ("to", "2")));
        var history = Assert.IsType<Succeeded>(await Run("service.history", ("service", Db)));

        Assert.Equal("postgres:16", Set()["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.GetValue<string>());
        Assert.Equal(new List<object?> { "4", "3", "1" }, history.Outputs["revisions"]);
        Assert.Equal("4", history.Outputs["current"]);
    }

    [Fact]
    public async Task Rollback_to_a_revision_that_does_not_exist_fails_listing_the_revisions_kept_and_changes_nothing()
    {
        var generation = Set()["metadata"]!["generation"]!.GetValue<long>();

        var missing = Assert.IsType<Failed>(await Run("service.rollback", ("service", Db), ("to", "7")));
        var notANumber = Assert.IsType<Failed>(await Run("service.rollback", ("service", Db), ("to", "1; rm -rf /")));
        var nothingBefore = Assert.IsType<Failed>(await Run("service.rollback", ("service", Db)));

        Assert.Contains("revision 7 of statefulset 'db' not found; ControllerRevisions kept: 1", missing.Error, StringComparison.Ordinal);
        Assert.Contains("'1; rm -rf /' is not a revision of statefulset 'db'", notANumber.Error, StringComparison.Ordinal);
        Assert.Contains("statefulset 'db' has no revision before 1", nothingBefore.Error, StringComparison.Ordinal);
        Assert.Equal(generation, Set()["metadata"]!["generation"]!.GetValue<long>());
    }

    [Fact]
    public async Task Logs_read_every_pod_of_the_set_prefixed_with_the_pod()
    {
        _cluster.Server.AppendLog(Ns, "db-1", "FATAL: too many connections");

        var logs = Assert.IsType<Succeeded>(await Run("service.logs", ("service", Db), ("filter", "FATAL")));

        Assert.Equal("[pod/db-1/app] FATAL: too many connections", Assert.Single(Assert.IsType<List<object?>>(logs.Outputs["lines"])));
    }

    [Fact]
    public async Task Exec_runs_in_the_lowest_ready_ordinal_as_kubectl_exec_statefulset_does()
    {
        var ran = Assert.IsType<Succeeded>(await Run("service.exec", ("service", Db), ("command", "echo on $HOSTNAME")));

        Assert.Equal("on db-0", ran.Outputs["stdout"]);
        Assert.Contains(_cluster.Server.Requests, r => r.Path == $"/api/v1/namespaces/{Ns}/pods/db-0/exec");
    }

    [Theory]
    [InlineData("statefulset/db/../../secrets", "'db/../../secrets' is not a Kubernetes object name")]
    [InlineData("statefulset/db\nx", "'db\\nx' is not a Kubernetes object name")]
    [InlineData("db\n", "'db\\n' is not a Kubernetes object name")]
    [InlineData("daemonset/db", "takes deployment or statefulset as KIND")]
    [InlineData("statefulset/", "'' is not a Kubernetes object name")]
    public async Task A_service_name_with_a_slash_or_a_newline_is_refused_with_the_rule_before_any_request(string service, string message)
    {
        var before = _cluster.Server.Requests.Count(r => r.Path.Contains(Ns, StringComparison.Ordinal));

        var describe = Assert.IsType<Failed>(await Run("service.describe", ("service", service)));
        var scale = Assert.IsType<Failed>(await Run("service.scale", ("service", service), ("replicas", 1L)));

        Assert.Contains(message, describe.Error, StringComparison.Ordinal);
        Assert.Contains(message, scale.Error, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', describe.Error);
        Assert.Equal(before, _cluster.Server.Requests.Count(r => r.Path.Contains(Ns, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_statefulset_that_does_not_exist_is_not_found_and_a_deployment_of_the_same_name_is_not_it()
    {
        await _cluster.Server.CreateDeploymentAsync(Ns, "cache", "redis:7", 1);

        var missing = Assert.IsType<Failed>(await Run("service.describe", ("service", "statefulset/cache")));

        Assert.Contains("statefulset 'cache' not found in namespace", missing.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_credential_fails_every_action_saying_the_server_refused_it()
    {
        var token = _cluster.Files.Write(_cluster.Server, "stolen.config", "t", Ns, "mallory", "    token: not-a-token-this-server-knows");
        var actions = _cluster.Actions(token);

        var describe = Assert.IsType<Failed>(await Run(actions, "service.describe", ("service", Db)));
        var scale = Assert.IsType<Failed>(await Run(actions, "service.scale", ("service", Db), ("replicas", 1L)));

        Assert.Contains("refused the credentials", describe.Error, StringComparison.Ordinal);
        Assert.Contains("refused the credentials", scale.Error, StringComparison.Ordinal);
        Assert.Equal(3, Set()["spec"]!["replicas"]!.GetValue<int>());
    }

    private JsonObject Set() => _cluster.Server.Get(Ns, "statefulsets", "db")!;

    private List<JsonObject> Revisions() =>
        [.. _cluster.Server.List(Ns, "controllerrevisions").Where(r => r["metadata"]!["name"]!.GetValue<string>().StartsWith("db-", StringComparison.Ordinal))];

    private List<string> PodNames() => [.. _cluster.Server.List(Ns, "pods").Select(p => p["metadata"]!["name"]!.GetValue<string>())];

    private List<string> PodUids() => [.. _cluster.Server.List(Ns, "pods").Select(p => p["metadata"]!["uid"]!.GetValue<string>())];

    private string? Image(string pod) => _cluster.Server.Get(Ns, "pods", pod)?["spec"]?["containers"]?[0]?["image"]?.GetValue<string>();

    private Task<StepOutcome> Run(string action, params (string Name, object? Value)[] arguments) => Run(_actions, action, arguments);

    private Task<StepOutcome> Run(IReadOnlyDictionary<string, IStepAction> actions, string action, params (string Name, object? Value)[] arguments) =>
        actions[action].ExecuteAsync(_context.Invocation(action, arguments.ToDictionary(a => a.Name, a => a.Value)), CancellationToken.None).AsTask();
}
