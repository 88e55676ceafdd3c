using Runbook.Providers.Kubernetes.Tests.ApiServer;

namespace Runbook.Providers.Kubernetes.Tests.Support;

/// <summary>One test API server per test class; each test works in its own namespace so tests do not see each other's objects.</summary>
public sealed class ApiServerFixture : IAsyncLifetime
{
    private KubeApiServer? _server;

    public KubeApiServer Server => _server ?? throw new InvalidOperationException("the API server has not started");

    public async Task InitializeAsync() => _server = await KubeApiServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    public static string NewNamespace() => "ns-" + Guid.NewGuid().ToString("N")[..10];
}
