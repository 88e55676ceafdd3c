using Runbook.Execution.Actions;
using Runbook.Providers.Kubernetes.Tests.Support;
using Runbook.Providers.Tests;

namespace Runbook.Providers.Kubernetes.Tests;

/// <summary>The provider conformance suite against the test API server: deployments web (web:1, one replica) and stuck (never ready).</summary>
public sealed class KubernetesConformanceTests(ApiServerFixture fixture) : ProviderConformance, IClassFixture<ApiServerFixture>, IAsyncLifetime
{
    private readonly Cluster _cluster = Cluster.Fresh(fixture.Server);

    protected override string Service => "web";

    protected override string Unhealthy => "stuck";

    protected override string Image1 => "registry.local/web:1";

    protected override string Image2 => "registry.local/web:2";

    public async Task InitializeAsync()
    {
        _cluster.Server.NeverReady("registry.local/web:broken");
        await _cluster.Server.CreateDeploymentAsync(_cluster.Namespace, "web", Image1, 1);
        await _cluster.Server.CreateDeploymentAsync(_cluster.Namespace, "stuck", "registry.local/web:broken", 1);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    protected override IReadOnlyDictionary<string, IStepAction> Actions() => _cluster.Actions();

    protected override IReadOnlyDictionary<string, IStepAction> ActionsAgainstAnUnreachableBackend()
    {
        var config = _cluster.Files.Write(_cluster.Server, "unreachable.config", "nowhere", _cluster.Namespace, "alice", "    token: abc",
            cluster: "    server: https://127.0.0.1:1\n    insecure-skip-tls-verify: true");
        return _cluster.Actions(config);
    }

    protected override async Task<(string Error, bool Retryable)> ScaleWithoutPermissionAsync()
    {
        _cluster.Server.Deny("bob", "patch", "deployments/scale");
        var failed = Assert.IsType<Failed>(await Run(_cluster.Actions(_cluster.Kubeconfig("bob")), "service.scale", ("service", Service), ("replicas", 2L)));
        return (failed.Error, failed.Retryable);
    }
}
