using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace Runbook.Providers.Gcp.Tests.CloudRunServer;

/// <summary>
/// A Cloud Run Admin API v2 and Cloud Logging v2 endpoint for tests, on plain HTTP at 127.0.0.1: bearer tokens
/// checked (with permissions a token can be denied), services, revisions and long-running operations in the shapes
/// of Google's discovery documents, a revision controller (a template change makes a revision that becomes Ready
/// after <see cref="CloudRunServerOptions.RevisionReadyAfter"/>, or never when its image is marked bad; traffic that
/// follows the latest ready revision or stays on named ones), 409 on a stale etag, pagination, logs with the
/// Logging filter language, and 429/503 to inject. The official JavaScript client @google-cloud/run is run against
/// it (CrossCheck/) to show it behaves like the real one.
/// </summary>
/// <example>
/// <code>
/// await using var run = await CloudRunTestServer.StartAsync();
/// run.SeedService("checkout", "europe-docker.pkg.dev/p/r/checkout:1");
/// // point a client at run.Endpoint with run.Token as its bearer token, project run.Project, region run.Region
/// await run.WaitForReadyAsync("checkout", TimeSpan.FromSeconds(10));
/// </code>
/// </example>
public sealed partial class CloudRunTestServer : IAsyncDisposable
{
    /// <summary>The principal of <see cref="Token"/>.</summary>
    public const string TesterPrincipal = "runbook-tester@runbook-test-project.iam.gserviceaccount.com";

    private readonly WebApplication _app;
    private readonly CloudRunBackend _backend;
    private readonly DiscoveryDocument _run = DiscoveryDocument.Load("run.v2.discovery.json");
    private readonly DiscoveryDocument _logging = DiscoveryDocument.Load("logging.v2.discovery.json");
    private readonly ConcurrentDictionary<string, Principal> _tokens = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly ConcurrentQueue<string> _outputProblems = new();
    private readonly TimeProvider _time;
    private readonly FaultQueue _throttle = new();
    private readonly FaultQueue _unavailable = new();
    private int _mutating;

    private CloudRunTestServer(WebApplication app, CloudRunServerOptions options)
    {
        _app = app;
        _time = options.Time ?? TimeProvider.System;
        _backend = new CloudRunBackend(Project, Region, options.RevisionReadyAfter ?? TimeSpan.FromMilliseconds(300), options.PageSize, _run, _time);
        Token = "ya29.runbook-test-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        AcceptToken(Token, TesterPrincipal);
    }

    /// <summary>http://127.0.0.1:PORT/ — the root both APIs are under: /v2/projects/… (Run) and /v2/entries:list (Logging).</summary>
    public Uri Endpoint => new(_app.Urls.First().TrimEnd('/') + "/");

    public string Project => "runbook-test-project";

    public string Region => "europe-west1";

    /// <summary>A bearer token the server accepts, for <see cref="TesterPrincipal"/>, with every permission.</summary>
    public string Token { get; }

    /// <summary>PATCH, POST and DELETE requests that named a resource (whatever they were answered); reads and entries:list are not counted.</summary>
    public int MutatingRequests => Volatile.Read(ref _mutating);

    /// <summary>Every request that reached the server, in order, as "METHOD /path?query".</summary>
    public IReadOnlyList<string> Requests => [.. _requests.Select(r => $"{r.Method} {r.Target}")];

    /// <summary>Every request with its answer's HTTP status and principal.</summary>
    public IReadOnlyList<RecordedRequest> Calls => [.. _requests];

    /// <summary>Responses the server produced that did not match the discovery document: a bug here, kept for tests to assert on.</summary>
    public IReadOnlyList<string> OutputProblems => [.. _outputProblems];

    public static async Task<CloudRunTestServer> StartAsync(CloudRunServerOptions? options = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new CloudRunTestServer(app, options ?? new CloudRunServerOptions());
        app.Run(server.HandleAsync);
        await app.StartAsync();
        return server;
    }

    /// <summary>Another bearer token the server accepts, for <paramref name="principal"/>, denied the IAM permissions named (e.g. "run.services.update").</summary>
    public void AcceptToken(string token, string principal, params string[] deniedPermissions) =>
        _tokens[token] = new Principal(principal, deniedPermissions.ToHashSet(StringComparer.Ordinal));

    /// <summary>
    /// A service that has been serving for a day: generation 1, one Ready revision {service}-00001-xyz running
    /// <paramref name="image"/> with the given scaling, 100 % of traffic following the latest ready revision.
    /// </summary>
    public void SeedService(string service, string image, int minInstances = 1, int maxInstances = 10) =>
        _backend.Seed(service, image, minInstances, maxInstances);

    /// <summary>A revision running this image never becomes Ready: its Ready condition turns False with HEALTH_CHECK_CONTAINER_ERROR and Cloud Run's message.</summary>
    public void MarkImageBad(string image) => _backend.MarkImageBad(image);

    /// <summary>The next <paramref name="requests"/> authenticated requests (with this HTTP method only, when given) get 429 RESOURCE_EXHAUSTED.</summary>
    public void ThrottleNext(int requests, string? httpMethod = null) => _throttle.Add(requests, httpMethod);

    /// <summary>The next <paramref name="requests"/> authenticated requests (with this HTTP method only, when given) get 503 UNAVAILABLE.</summary>
    public void UnavailableNext(int requests, string? httpMethod = null) => _unavailable.Add(requests, httpMethod);

    /// <summary>A line the revision wrote to stdout (besides the startup lines each revision writes by itself).</summary>
    public void Log(string service, string revision, DateTimeOffset at, string text, string severity = "DEFAULT") =>
        _backend.Log(service, revision, at, text, severity);

    /// <summary>Every log entry the server holds, in the order written.</summary>
    public IReadOnlyList<LogEntrySnapshot> LogEntries => _backend.Logs();

    /// <summary>The service as the server holds it now; throws when there is none.</summary>
    public ServiceSnapshot Service(string service) =>
        _backend.Snapshot(service) ?? throw new InvalidOperationException($"the Cloud Run test server has no service '{service}'");

    /// <summary>The service as the server holds it now, or null when there is none.</summary>
    public ServiceSnapshot? FindService(string service) => _backend.Snapshot(service);

    /// <summary>
    /// Waits until the service has no change in flight and is Ready; throws at once when its last change failed
    /// (it will not become Ready by itself), and TimeoutException after <paramref name="timeout"/>.
    /// </summary>
    public async Task WaitForReadyAsync(string service, TimeSpan timeout)
    {
        var deadline = _time.GetUtcNow() + timeout;
        while (true)
        {
            var now = _backend.Snapshot(service);
            if (now is { Reconciling: false, Ready: true })
            {
                return;
            }

            if (now is { Reconciling: false, Ready: false })
            {
                throw new InvalidOperationException($"service {service} failed and will not become Ready: {now}");
            }

            if (_time.GetUtcNow() >= deadline)
            {
                throw new TimeoutException($"service {service} did not become Ready within {timeout}: {now?.ToString() ?? "no such service"}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), _time);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>Counted faults: the next N matching requests get the fault.</summary>
    private sealed class FaultQueue
    {
        private readonly List<(string? Method, int Left)> _pending = [];

        public void Add(int count, string? method)
        {
            lock (_pending)
            {
                _pending.Add((method, count));
            }
        }

        public bool Take(string method)
        {
            lock (_pending)
            {
                var index = _pending.FindIndex(p => p.Left > 0 && (p.Method is null || string.Equals(p.Method, method, StringComparison.OrdinalIgnoreCase)));
                if (index < 0)
                {
                    return false;
                }

                _pending[index] = (_pending[index].Method, _pending[index].Left - 1);
                return true;
            }
        }
    }

    private sealed record Principal(string Name, IReadOnlySet<string> Denied);
}

/// <summary>How a test server starts.</summary>
/// <param name="RevisionReadyAfter">How long a new revision takes to become Ready (or to fail); 300 ms unless set.</param>
/// <param name="PageSize">At most this many items per page of every list, whatever the client asks (0: the client's pageSize or the API's default).</param>
/// <param name="Time">The clock for timestamps and readiness; the real one unless a test fakes it.</param>
public sealed record CloudRunServerOptions(TimeSpan? RevisionReadyAfter = null, int PageSize = 0, TimeProvider? Time = null);

/// <summary>One request as the server saw it and answered it.</summary>
public sealed record RecordedRequest(string Method, string Target, int Status, string? Principal, bool Mutating);
