using Runbook.Providers.Gcp.Tests.EndToEnd;
using Runbook.Tests.Library;

namespace Runbook.Providers.Gcp.Tests.Library;

/// <summary>
/// Every tests/library case for gcp, run with `runbook exec` (JIT build and dist/runbook) against the Cloud Run test
/// server with a service-account key whose tokens come from the identity stand-in. The test server holds one
/// project, where a service name is unique, so each case gets a server of its own (it starts in milliseconds); the
/// peers are shared by the class.
/// </summary>
public sealed class LibraryCaseTests(LibraryCaseTests.Backend backend) : IClassFixture<LibraryCaseTests.Backend>
{
    public static TheoryData<string, string> Cases() => LibraryRunner.Cases("gcp");

    [Theory]
    [MemberData(nameof(Cases))]
    public Task The_library_case_runs_on_the_cloud_run_test_server_as_it_expects(string file, string target) =>
        backend.Runner.RunAsync(file, target);

    /// <summary>The runner and its peers, shared by the class.</summary>
    public sealed class Backend : IAsyncLifetime
    {
        public LibraryCaseRunner Runner { get; } = new("gcp", () => new GcpLibraryWorld());

        public Task InitializeAsync() => Task.CompletedTask;

        public async Task DisposeAsync() => await Runner.DisposeAsync();
    }
}

/// <summary>
/// The standard fixture world on a fresh Cloud Run test server: service backend (europe-docker.pkg.dev/p/app/backend:1,
/// then deployed with :2 — the first revision is its previous — 2 minimum instances, an ERROR entry in Cloud Logging for
/// the new revision) and worker (…/worker:1). The child gets a service-account key file (GOOGLE_APPLICATION_CREDENTIALS)
/// and none of this machine's Google variables.
/// </summary>
internal sealed class GcpLibraryWorld : ILibraryWorld
{
    private const string Deployer = "deployer@runbook-test-project.iam.gserviceaccount.com";

    public string Provider => "gcp";

    public async Task<WorldInstance> SeedAsync(string folder)
    {
        var world = await World.StartAsync();
        var server = world.Server;
        server.SeedService("backend", "europe-docker.pkg.dev/p/app/backend:1", minInstances: 2, maxInstances: 10);
        server.SeedService("worker", "europe-docker.pkg.dev/p/app/worker:1", minInstances: 1, maxInstances: 2);
        await world.DeployAsync("backend", "europe-docker.pkg.dev/p/app/backend:2");
        server.Log("backend", server.Service("backend").LatestReadyRevision!, DateTimeOffset.UtcNow.AddMinutes(-1), "ERROR 502 upstream timed out (GET /api/orders)", "ERROR");
        var key = Path.Combine(folder, "keys", "deployer.json");
        Directory.CreateDirectory(Path.GetDirectoryName(key)!);
        await File.WriteAllTextAsync(key, world.Google.ServiceAccountKeyFile(Deployer, server.Project));
        var machine = System.Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(k => k.StartsWith("GOOGLE_", StringComparison.Ordinal) || k.StartsWith("CLOUDSDK_", StringComparison.Ordinal) || k.StartsWith("RUNBOOK_GCP_", StringComparison.Ordinal))
            .Select(k => (k, (string?)null));
        return new WorldInstance(
            [
                new("project", server.Project), new("region", server.Region), new("endpoint", server.Endpoint.ToString()),
                new("logging_endpoint", server.Endpoint.ToString()), new("poll_interval", "200ms"),
            ],
            [.. machine, ("GOOGLE_APPLICATION_CREDENTIALS", key), ("NO_GCE_CHECK", "true"), ("HOME", folder)],
            () => Task.FromResult($"{server.Service("backend")}\n{server.FindService("worker")}"),
            async () => await world.DisposeAsync());
    }
}
