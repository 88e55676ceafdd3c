using System.Collections.Immutable;
using Runbook.Execution.Actions;
using Runbook.Providers.Gcp.Tests.CloudRunServer;
using Runbook.Providers.Tests;

namespace Runbook.Providers.Gcp.Tests.Provider;

/// <summary>
/// The shared provider conformance suite, run by the gcp provider against the Cloud Run test server (services of their
/// own per test). The service that never becomes healthy is on a second server whose revisions take an hour to become
/// Ready (a container still starting, not one that failed: a failed revision ends a wait at once, see
/// CloudRunBackendTests); requests for it are routed there, every other request to the first server.
/// </summary>
public sealed class GcpConformanceTests(CloudRunServerFixture fixture) : ProviderConformance, IClassFixture<CloudRunServerFixture>, IAsyncLifetime
{
    private readonly CloudRunTestServer _server = fixture.Server;
    private readonly string _service = CloudRunServerFixture.NewService("web");
    private readonly string _stuck = CloudRunServerFixture.NewService("stuck");
    private CloudRunTestServer? _slow;

    protected override string Service => _service;

    protected override string Unhealthy => _stuck;

    protected override string Image1 => "europe-docker.pkg.dev/runbook-test-project/apps/web:1";

    protected override string Image2 => "europe-docker.pkg.dev/runbook-test-project/apps/web:2";

    public async Task InitializeAsync()
    {
        _server.SeedService(_service, Image1, minInstances: 1);
        _slow = await CloudRunTestServer.StartAsync(new CloudRunServerOptions(RevisionReadyAfter: TimeSpan.FromHours(1)));
        _slow.AcceptToken(_server.Token, CloudRunTestServer.TesterPrincipal);
        _slow.SeedService(_stuck, Image1);
        await GcpTarget.Backend(_slow).DeployAsync(_stuck, "europe-docker.pkg.dev/runbook-test-project/apps/stuck:2", CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        if (_slow is not null)
        {
            Assert.Empty(_slow.OutputProblems);
            await _slow.DisposeAsync();
        }
    }

    protected override IReadOnlyDictionary<string, IStepAction>? Actions() =>
        GcpTarget.Actions(_server, handler: new StuckRouter($"/services/{_stuck}", _slow!.Endpoint));

    protected override IReadOnlyDictionary<string, IStepAction> ActionsAgainstAnUnreachableBackend() =>
        GcpTarget.Actions(_server, GcpTarget.Settings(new Uri("http://127.0.0.1:9/"), _server.Region, ImmutableDictionary<string, string>.Empty, ("timeout", "1s")));

    protected override async Task<(string Error, bool Retryable)> ScaleWithoutPermissionAsync()
    {
        _server.AcceptToken("conformance-reader", "reader@runbook-test-project.iam.gserviceaccount.com", "run.services.update");
        var actions = GcpTarget.Actions(_server, token: "conformance-reader");
        var failed = Assert.IsType<Failed>(await Run(actions, "service.scale", ("service", Service), ("replicas", 2L)));
        return (failed.Error, failed.Retryable);
    }

    /// <summary>Sends requests whose path names the stuck service to the slow server, the rest where they were going.</summary>
    private sealed class StuckRouter(string path, Uri slow) : DelegatingHandler(new SocketsHttpHandler())
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri!.AbsolutePath.Contains(path, StringComparison.Ordinal))
            {
                request.RequestUri = new Uri(slow, request.RequestUri.PathAndQuery);
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
