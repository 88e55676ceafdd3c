using System.Text.Json.Nodes;
using Runbook.Execution.Actions;
using Runbook.Providers.Kubernetes.Tests.Support;
using Runbook.Providers.Tests;

namespace Runbook.Providers.Kubernetes.Tests;

/// <summary>
/// HorizontalPodAutoscalers (autoscaling/v2) and the service actions: describe reports the one that targets the
/// workload, scale refuses to fight it unless told hpa: adjust, and the bounds it moves come back exactly.
/// </summary>
public sealed class AutoscalerTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>, IAsyncLifetime
{
    private const string Db = "statefulset/db";
    private readonly Cluster _cluster = Cluster.Fresh(fixture.Server);
    private readonly ActionsContext _context = new();
    private IReadOnlyDictionary<string, IStepAction> _actions = new Dictionary<string, IStepAction>();

    private string Ns => _cluster.Namespace;

    public async Task InitializeAsync()
    {
        await _cluster.Server.CreateStatefulSetAsync(Ns, "db", "postgres:15", 3);
        await _cluster.Server.CreateAutoscalerAsync(Ns, "db-hpa", "StatefulSet", "db", 2, 5);
        _actions = _cluster.Actions();
        Assert.IsType<Succeeded>(await Run("service.wait", ("service", Db), ("timeout", "30s")));
        Assert.True(await _cluster.Server.WaitUntilAsync(_ => Hpa()["status"]?["currentReplicas"]?.GetValue<int>() == 3, TimeSpan.FromSeconds(10)));
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Describe_reports_the_hpa_that_targets_the_workload_with_its_bounds_and_replicas_as_integers()
    {
        var described = Assert.IsType<Succeeded>(await Run("service.describe", ("service", Db)));

        Assert.Equal("db-hpa", described.Outputs["hpa"]);
        Assert.Equal(2L, described.Outputs["hpa_min_replicas"]);
        Assert.Equal(5L, described.Outputs["hpa_max_replicas"]);
        Assert.Equal(3L, described.Outputs["hpa_current_replicas"]);
        Assert.Equal(3L, described.Outputs["hpa_desired_replicas"]);
        Assert.Contains(_cluster.Server.Requests, r => r.Method == "GET" && r.Path == $"/apis/autoscaling/v2/namespaces/{Ns}/horizontalpodautoscalers");
    }

    [Fact]
    public async Task An_hpa_on_a_deployment_of_the_same_name_is_not_the_statefulsets()
    {
        await _cluster.Server.CreateStatefulSetAsync(Ns, "web", "web:1", 1);
        await _cluster.Server.CreateAutoscalerAsync(Ns, "web", "Deployment", "web", 1, 3);

        var described = Assert.IsType<Succeeded>(await Run("service.describe", ("service", "statefulset/web")));
        var scaled = Assert.IsType<Succeeded>(await Run("service.scale", ("service", "statefulset/web"), ("replicas", 2L)));

        Assert.Equal("none", described.Outputs["hpa"]);
        Assert.Null(described.Outputs["hpa_max_replicas"]);
        Assert.Null(scaled.Outputs["previous_hpa_max_replicas"]);
    }

    [Fact]
    public async Task Scale_of_a_workload_an_hpa_manages_fails_naming_the_hpa_and_the_fix_and_changes_nothing()
    {
        var refused = Assert.IsType<Failed>(await Run("service.scale", ("service", Db), ("replicas", 8L)));

        Assert.Contains("statefulset 'db' is managed by horizontal pod autoscaler 'db-hpa' (min 2, max 5, current 3, desired 3): it would undo a scale to 8", refused.Error, StringComparison.Ordinal);
        Assert.Contains("Add 'hpa: adjust' to the step", refused.Error, StringComparison.Ordinal);
        Assert.False(refused.Retryable);
        Assert.Equal(3, Set()["spec"]!["replicas"]!.GetValue<int>());
        Assert.Equal(5, Hpa()["spec"]!["maxReplicas"]!.GetValue<int>());
    }

    [Fact]
    public async Task Scale_with_hpa_adjust_above_the_max_raises_the_max_and_returns_the_previous_bounds()
    {
        var scaled = Assert.IsType<Succeeded>(await Run("service.scale", ("service", Db), ("replicas", 8L), ("hpa", "adjust")));
        Assert.IsType<Succeeded>(await Run("service.wait", ("service", Db), ("timeout", "30s")));

        Assert.Equal(3L, scaled.Outputs["previous_replicas"]);
        Assert.Equal(2L, scaled.Outputs["previous_hpa_min_replicas"]);
        Assert.Equal(5L, scaled.Outputs["previous_hpa_max_replicas"]);
        Assert.Equal(2L, scaled.Outputs["hpa_min_replicas"]);
        Assert.Equal(8L, scaled.Outputs["hpa_max_replicas"]);
        Assert.Equal(8, Set()["spec"]!["replicas"]!.GetValue<int>()); // and the HPA's controller left it there
        Assert.Equal(8, Hpa()["spec"]!["maxReplicas"]!.GetValue<int>());
    }

    [Fact]
    public async Task Scale_with_hpa_adjust_below_the_min_lowers_the_min()
    {
        var scaled = Assert.IsType<Succeeded>(await Run("service.scale", ("service", Db), ("replicas", 1L), ("hpa", "adjust")));

        Assert.Equal(1L, scaled.Outputs["hpa_min_replicas"]);
        Assert.Equal(5L, scaled.Outputs["hpa_max_replicas"]);
        Assert.True(await _cluster.Server.WaitUntilAsync(_ => Set()["status"]?["replicas"]?.GetValue<int>() == 1, TimeSpan.FromSeconds(10)));
        Assert.Equal(1, Hpa()["spec"]!["minReplicas"]!.GetValue<int>());
    }

    [Fact]
    public async Task The_bounds_a_rollback_passes_back_are_restored_exactly()
    {
        var scaled = Assert.IsType<Succeeded>(await Run("service.scale", ("service", Db), ("replicas", 8L), ("hpa", "adjust")));

        var restored = Assert.IsType<Succeeded>(await Run("service.scale", ("service", Db), ("replicas", scaled.Outputs["previous_replicas"]),
            ("hpa_min_replicas", scaled.Outputs["previous_hpa_min_replicas"]), ("hpa_max_replicas", scaled.Outputs["previous_hpa_max_replicas"])));

        Assert.Equal(2, Hpa()["spec"]!["minReplicas"]!.GetValue<int>());
        Assert.Equal(5, Hpa()["spec"]!["maxReplicas"]!.GetValue<int>());
        Assert.Equal(3, Set()["spec"]!["replicas"]!.GetValue<int>());
        Assert.Equal(8L, restored.Outputs["previous_hpa_max_replicas"]);
    }

    [Theory]
    [InlineData(3L, 4L, 2L, "cannot take minReplicas 4 and maxReplicas 2 with 3 replicas")]
    [InlineData(3L, 4L, 6L, "cannot take minReplicas 4 and maxReplicas 6 with 3 replicas")]
    [InlineData(0L, null, null, "whose minReplicas cannot go below 1")]
    public async Task Bounds_where_the_min_would_exceed_the_max_or_miss_the_replicas_are_refused_and_the_hpa_is_unchanged(long replicas, long? min, long? max, string message)
    {
        var version = Hpa()["metadata"]!["resourceVersion"]!.GetValue<string>();

        var refused = Assert.IsType<Failed>(await Run("service.scale", ("service", Db), ("replicas", replicas), ("hpa", "adjust"),
            ("hpa_min_replicas", min), ("hpa_max_replicas", max)));

        Assert.Contains(message, refused.Error, StringComparison.Ordinal);
        Assert.Equal(version, Hpa()["metadata"]!["resourceVersion"]!.GetValue<string>());
        Assert.Equal(3, Set()["spec"]!["replicas"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("hpa", "yes-please")]
    [InlineData("hpa_min_replicas", "0")]
    [InlineData("hpa_max_replicas", "-3")]
    [InlineData("hpa_max_replicas", "2.5")]
    public async Task An_hpa_argument_that_is_not_what_it_must_be_fails_before_any_write(string argument, string value)
    {
        var refused = Assert.IsType<Failed>(await Run("service.scale", ("service", Db), ("replicas", 3L), (argument, value)));

        Assert.Contains("hpa must be 'adjust' or 'refuse', and hpa_min_replicas and hpa_max_replicas whole numbers ≥ 1", refused.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(_cluster.Server.Requests, r => r.Method == "PATCH" && r.Path.Contains(Ns, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Bounds_for_a_workload_no_hpa_targets_any_more_fail_naming_that_and_nothing_is_scaled()
    {
        await _cluster.Server.CreateStatefulSetAsync(Ns, "solo", "postgres:15", 2);

        var refused = Assert.IsType<Failed>(await Run("service.scale", ("service", "statefulset/solo"), ("replicas", 3L), ("hpa_min_replicas", 2L), ("hpa_max_replicas", 5L)));

        Assert.Contains("no horizontal pod autoscaler targets statefulset 'solo' now", refused.Error, StringComparison.Ordinal);
        Assert.Equal(2, _cluster.Server.Get(Ns, "statefulsets", "solo")!["spec"]!["replicas"]!.GetValue<int>());
    }

    [Fact]
    public async Task Scale_needs_permission_to_list_hpas_and_says_which()
    {
        var user = "hpa-blind-" + Ns; // a user of this test's own: denials are kept per user for the whole server
        _cluster.Server.Deny(user, "list", "horizontalpodautoscalers");
        var actions = _cluster.Actions(_cluster.Kubeconfig(user));

        var refused = Assert.IsType<Failed>(await actions["service.scale"].ExecuteAsync(
            _context.Invocation("service.scale", new Dictionary<string, object?> { ["service"] = Db, ["replicas"] = 4L }), CancellationToken.None));
        var described = Assert.IsType<Failed>(await actions["service.describe"].ExecuteAsync(
            _context.Invocation("service.describe", new Dictionary<string, object?> { ["service"] = Db }), CancellationToken.None));

        Assert.Contains("cannot list resource \"horizontalpodautoscalers\" in API group \"autoscaling\"", refused.Error, StringComparison.Ordinal);
        Assert.Contains("cannot list resource \"horizontalpodautoscalers\" in API group \"autoscaling\"", described.Error, StringComparison.Ordinal);
        Assert.Equal(3, Set()["spec"]!["replicas"]!.GetValue<int>());
    }

    private JsonObject Set() => _cluster.Server.Get(Ns, "statefulsets", "db")!;

    private JsonObject Hpa() => _cluster.Server.Get(Ns, "horizontalpodautoscalers", "db-hpa")!;

    private Task<StepOutcome> Run(string action, params (string Name, object? Value)[] arguments) =>
        _actions[action].ExecuteAsync(_context.Invocation(action, arguments.ToDictionary(a => a.Name, a => a.Value)), CancellationToken.None).AsTask();
}
