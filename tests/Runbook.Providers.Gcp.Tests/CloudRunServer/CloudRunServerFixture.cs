namespace Runbook.Providers.Gcp.Tests.CloudRunServer;

/// <summary>
/// One Cloud Run test server per test class; each test seeds services of its own (<see cref="NewService"/>) so tests
/// do not see each other's. On disposal it fails the class when the server ever answered off the discovery document.
/// </summary>
public sealed class CloudRunServerFixture : IAsyncLifetime
{
    private CloudRunTestServer? _server;

    public CloudRunTestServer Server => _server ?? throw new InvalidOperationException("the Cloud Run test server has not started");

    /// <summary>A service name no other test uses: the prefix, a dash and 8 random letters/digits (Cloud Run names are lower case, ≤ 49 characters).</summary>
    public static string NewService(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";

    public async Task InitializeAsync() => _server = await CloudRunTestServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            var problems = _server.OutputProblems;
            await _server.DisposeAsync();
            Assert.Empty(problems);
        }
    }
}
