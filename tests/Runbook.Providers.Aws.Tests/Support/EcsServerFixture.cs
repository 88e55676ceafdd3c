using Runbook.Providers.Aws.Tests.EcsServer;

namespace Runbook.Providers.Aws.Tests.Support;

/// <summary>One test server per test class; each test seeds its own cluster so tests do not see each other's services.</summary>
public sealed class EcsServerFixture : IAsyncLifetime
{
    private EcsTestServer? _server;

    public EcsTestServer Server => _server ?? throw new InvalidOperationException("the ECS test server has not started");

    public async Task InitializeAsync() => _server = await EcsTestServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            Assert.Empty(_server.OutputProblems);
            await _server.DisposeAsync();
        }
    }

    public static string NewCluster() => "c-" + Guid.NewGuid().ToString("N")[..10];
}
