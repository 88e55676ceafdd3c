namespace Runbook.Providers.Azure.Tests.ArmServer;

/// <summary>One ARM test server per test class; each test works in its own resource group so tests do not see each other's apps.</summary>
public sealed class ArmServerFixture : IAsyncLifetime
{
    private ContainerAppsTestServer? _server;

    public ContainerAppsTestServer Server => _server ?? throw new InvalidOperationException("the ARM test server has not started");

    public async Task InitializeAsync() => _server = await ContainerAppsTestServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            var problems = _server.OutputProblems;
            await _server.DisposeAsync();
            Assert.True(problems.Count == 0, "the ARM test server sent bodies the spec does not define:\n" + string.Join("\n", problems));
        }
    }

    public static string NewResourceGroup() => "rg-" + Guid.NewGuid().ToString("N")[..10];
}
