using Runbook.Execution.Actions;
using Runbook.Providers.Kubernetes.Tests.Support;

namespace Runbook.Providers.Kubernetes.Tests.Objects;

/// <summary>kubernetes.top against the test API server's metrics.k8s.io: typed numbers from quantities, totals, and a cluster without metrics-server.</summary>
public sealed class TopTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    private readonly ObjectBench _bench = new(Cluster.Fresh(fixture.Server));

    private string Ns => _bench.Ns;

    private static IReadOnlyList<IReadOnlyDictionary<string, object?>> Items(Succeeded top) =>
        [.. Assert.IsAssignableFrom<IEnumerable<object?>>(top.Outputs["items"]).Cast<IReadOnlyDictionary<string, object?>>()];

    [Fact]
    public async Task Pod_usage_is_summed_over_containers_with_cpu_in_millicores_and_memory_in_bytes()
    {
        await _bench.Cluster.Server.CreateDeploymentAsync(Ns, "web", "web:1", 2);
        Assert.True(await _bench.Cluster.Server.WaitUntilAsync(s => s.List(Ns, "pods").Count == 2, TimeSpan.FromSeconds(10)));
        var pods = _bench.Cluster.Server.List(Ns, "pods").Select(p => p["metadata"]!["name"]!.GetValue<string>()).Order(StringComparer.Ordinal).ToList();
        _bench.Cluster.Server.SetPodUsage(Ns, pods[0], ("app", "250m", "64Mi"), ("sidecar", "1500000n", "512Ki"));
        _bench.Cluster.Server.SetPodUsage(Ns, pods[1], ("app", "1", "1G"));

        var top = Assert.IsType<Succeeded>(await _bench.Run("kubernetes.top", ("kind", "pods"), ("selector", "app=web")));

        var items = Items(top);
        Assert.Equal(pods, items.Select(i => (string)i["name"]!));
        Assert.Equal(251.5, (double)items[0]["cpu"]!, 6);
        Assert.Equal(64L * 1024 * 1024 + 512 * 1024, items[0]["memory"]);
        Assert.Equal(2L, items[0]["containers"]);
        Assert.Equal(1000.0, (double)items[1]["cpu"]!, 6);
        Assert.Equal(1_000_000_000L, items[1]["memory"]);
        Assert.Equal(1251.5, (double)top.Outputs["total_cpu"]!, 6);
        Assert.Equal(64L * 1024 * 1024 + 512 * 1024 + 1_000_000_000L, top.Outputs["total_memory"]);
        Assert.Equal(2L, top.Outputs["count"]);
    }

    [Fact]
    public async Task Nodes_are_read_by_selector_and_sorted_by_cpu_largest_first()
    {
        var prefix = Ns + "-node";
        _bench.Cluster.Server.AddNode($"{prefix}-a", "4", "16Gi", "500m", "2Gi", ("pool", prefix));
        _bench.Cluster.Server.AddNode($"{prefix}-b", "4", "16Gi", "3200m", "1Gi", ("pool", prefix));

        var top = Assert.IsType<Succeeded>(await _bench.Run("kubernetes.top", ("kind", "nodes"), ("selector", $"pool={prefix}"), ("sort_by", "cpu")));

        var items = Items(top);
        Assert.Equal(new[] { $"{prefix}-b", $"{prefix}-a" }, items.Select(i => (string)i["name"]!));
        Assert.Equal(3200.0, (double)items[0]["cpu"]!, 6);
        Assert.Equal(2L * 1024 * 1024 * 1024, items[1]["memory"]);
        Assert.Equal(3L * 1024 * 1024 * 1024, top.Outputs["total_memory"]);
    }

    [Fact]
    public async Task A_cluster_without_metrics_server_fails_naming_it()
    {
        _bench.Cluster.Server.MetricsServerInstalled = false;
        try
        {
            var failed = Assert.IsType<Failed>(await _bench.Run("kubernetes.top", ("kind", "pods")));
            var badKind = Assert.IsType<Failed>(await _bench.Run("kubernetes.top", ("kind", "deployments")));

            Assert.Contains("the metrics API (metrics.k8s.io/v1beta1) is not available", failed.Error, StringComparison.Ordinal);
            Assert.Contains("install metrics-server", failed.Error, StringComparison.Ordinal);
            Assert.Contains("write pods or nodes", badKind.Error, StringComparison.Ordinal);
        }
        finally
        {
            _bench.Cluster.Server.MetricsServerInstalled = true;
        }
    }
}
