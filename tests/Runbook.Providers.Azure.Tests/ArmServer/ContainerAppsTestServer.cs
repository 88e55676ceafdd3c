using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Runbook.Providers.Azure.Tests.ArmServer;

/// <summary>How the ARM test server paces itself.</summary>
/// <param name="ProvisioningTime">How long a new revision (or an application-scope change) takes to provision; a bad image fails after twice this. Default 300 ms.</param>
/// <param name="LongRunningPollInterval">What Retry-After tells a client polling a long-running operation to wait. Default 1 s (the header has whole seconds).</param>
public sealed record ArmServerOptions(TimeSpan? ProvisioningTime = null, TimeSpan? LongRunningPollInterval = null)
{
    /// <summary>The clock the revision controller runs on (a FakeTimeProvider makes time move only when a test says so).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Revisions per page of <c>GET …/revisions</c>; small by default so a client that ignores <c>nextLink</c> misses revisions and fails.</summary>
    public int RevisionPageSize { get; init; } = 3;
}

/// <summary>
/// Azure Resource Manager for Microsoft.App container apps, in process, for tests: HTTPS with a CA made in the test,
/// bearer tokens checked (401 and 403 in ARM's words), the api-version checked, containerApps and their revisions
/// and replicas as the official definitions (../shared/specs/azure) describe them, with the long-running operation
/// protocol (201/202, Azure-AsyncOperation, Location, Retry-After) and a revision controller
/// (<see cref="ContainerAppsState"/>). Faults to inject: 429 with Retry-After, 409 Conflict. The official
/// JavaScript SDK (@azure/arm-appcontainers) is run against it to show it behaves as the real one.
/// </summary>
/// <example>
/// <code>
/// await using var arm = await ContainerAppsTestServer.StartAsync();
/// arm.SeedApp("prod", "web", "registry.test/web:1", minReplicas: 2, maxReplicas: 5);
/// // point a client at arm.Endpoint with the bearer token arm.Token, trusting arm.CaCertificatePath
/// await arm.WaitForStableAsync("prod", "web", TimeSpan.FromSeconds(10));
/// </code>
/// </example>
public sealed class ContainerAppsTestServer : IAsyncDisposable
{
    /// <summary>The api-versions of Microsoft.App/containerApps the server answers: the GA versions ARM accepts, 2026-01-01 (the spec copy) and 2026-07-01 (what @azure/arm-appcontainers 4.0.0 sends).</summary>
    public static readonly IReadOnlyList<string> SupportedApiVersions = ["2022-03-01", "2022-10-01", "2023-05-01", "2024-03-01", "2025-01-01", "2026-01-01", "2026-07-01"];

    /// <summary>The principal that <see cref="Token"/> belongs to.</summary>
    public const string TesterPrincipal = "runbook-tester";

    private readonly WebApplication _app;
    private readonly TestCertificateAuthority _ca;
    private readonly ContainerAppsState _backend;
    private readonly SpecModel _spec = SpecModel.Load();
    private readonly ConcurrentDictionary<string, Principal> _tokens = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _requests = new();
    private readonly ConcurrentQueue<string> _outputProblems = new();
    private readonly object _faults = new();
    private readonly TimeSpan _pollInterval;
    private readonly int _pageSize;
    private int _throttled;
    private TimeSpan _throttleRetryAfter;
    private int _conflicts;
    private int _mutating;

    private ContainerAppsTestServer(WebApplication app, TestCertificateAuthority ca, ArmServerOptions options)
    {
        _app = app;
        _ca = ca;
        _backend = new ContainerAppsState("6d4e2a1c-3b5f-4c7d-9e8a-1f2b3c4d5e6f", options.Time, options.ProvisioningTime ?? TimeSpan.FromMilliseconds(300));
        _pollInterval = options.LongRunningPollInterval ?? TimeSpan.FromSeconds(1);
        _pageSize = Math.Max(1, options.RevisionPageSize);
        Token = "arm-test-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        AcceptToken(Token, TesterPrincipal);
        CaCertificatePath = Path.Combine(Path.GetTempPath(), $"runbook-arm-test-ca-{Guid.NewGuid():N}.pem");
        File.WriteAllText(CaCertificatePath, ca.CaCertificatePem);
    }

    /// <summary>https://127.0.0.1:PORT/ — the ARM root a client takes as its endpoint.</summary>
    public Uri Endpoint => new(_app.Urls.First().Replace("[::1]", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/') + "/");

    public string Subscription => _backend.Subscription;

    /// <summary>The tenant named in WWW-Authenticate challenges.</summary>
    public string Tenant { get; } = "72f988bf-86f1-41af-91ab-2d7cd011db47";

    /// <summary>A bearer token the server accepts, of the principal <see cref="TesterPrincipal"/>, allowed every action.</summary>
    public string Token { get; }

    /// <summary>The test CA as a PEM file, for SSL_CERT_FILE or NODE_EXTRA_CA_CERTS.</summary>
    public string CaCertificatePath { get; }

    /// <summary>PUT, PATCH, POST and DELETE requests that reached the server (getAuthtoken, which changes nothing, aside), however they were answered.</summary>
    public int MutatingRequests => Volatile.Read(ref _mutating);

    /// <summary>Every request in order: "PATCH /subscriptions/…/containerApps/web?api-version=2026-01-01".</summary>
    public IReadOnlyList<string> Requests => [.. _requests];

    /// <summary>Bodies the server sent that the spec does not define: a bug in the server, asserted empty by <see cref="ArmServerFixture"/>.</summary>
    public IReadOnlyList<string> OutputProblems => [.. _outputProblems];

    /// <summary>The object id ARM would report for a principal of this name (stable per name).</summary>
    public static string ObjectIdOf(string principal) => new Guid(SHA256.HashData(Encoding.UTF8.GetBytes(principal))[..16]).ToString();

    public static async Task<ContainerAppsTestServer> StartAsync(ArmServerOptions? options = null)
    {
        options ??= new ArmServerOptions();
        // TLS clients check validity against the real clock, whatever clock the revision controller runs on.
        var ca = new TestCertificateAuthority(TimeProvider.System.GetUtcNow());
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(ca.ServerCertificate)));
        var app = builder.Build();
        var server = new ContainerAppsTestServer(app, ca, options);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        return server;
    }

    /// <summary>Accepts <paramref name="token"/> as the bearer token of <paramref name="principal"/>, denied the given actions (e.g. "Microsoft.App/containerApps/write") with 403.</summary>
    public void AcceptToken(string token, string principal, params string[] deniedActions) =>
        _tokens[token] = new Principal(principal, ObjectIdOf(principal), new HashSet<string>(deniedActions, StringComparer.OrdinalIgnoreCase));

    /// <summary>An HTTP handler that trusts exactly the test CA (custom root trust, host name still checked).</summary>
    public HttpMessageHandler CreateTrustingHandler()
    {
        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        policy.CustomTrustStore.Add(_ca.CaCertificate);
        return new SocketsHttpHandler { SslOptions = { CertificateChainPolicy = policy } };
    }

    /// <summary>A container app (and its resource group) as after a finished deployment: one healthy revision with all traffic.</summary>
    public void SeedApp(string resourceGroup, string app, string image, int minReplicas = 1, int maxReplicas = 1, bool multipleRevisions = false) =>
        _backend.Seed(resourceGroup, app, image, minReplicas, maxReplicas, multipleRevisions);

    /// <summary>A revision with this image never becomes healthy: provisioning fails after a while, health Unhealthy.</summary>
    public void MarkImageBad(string image) => _backend.MarkImageBad(image);

    /// <summary>The next <paramref name="requests"/> requests (after authentication) get 429 with Retry-After and ARM's throttling body.</summary>
    public void ThrottleNext(int requests, TimeSpan retryAfter)
    {
        lock (_faults)
        {
            _throttled = requests;
            _throttleRetryAfter = retryAfter;
        }
    }

    /// <summary>The next <paramref name="requests"/> writes (PUT, PATCH, POST) to a container app get 409 Conflict: an operation in progress.</summary>
    public void ConflictNext(int requests)
    {
        lock (_faults)
        {
            _conflicts = requests;
        }
    }

    /// <summary>
    /// A line the container wrote to its console, served by the log stream of the revision's replica number
    /// <paramref name="replica"/> (0 is the first; a replica that does not exist serves nothing), stamped
    /// <paramref name="at"/> (now by default). Lines keep the order they were written in.
    /// </summary>
    public void WriteLog(string resourceGroup, string app, string revision, string line, DateTimeOffset? at = null, int replica = 0, string? container = null) =>
        _backend.AppendLog(resourceGroup, app, revision, replica, container, at, line);

    public ContainerAppSnapshot App(string resourceGroup, string app) => _backend.Read(() =>
    {
        var state = _backend.App(resourceGroup, app);
        var weights = _backend.Weights(state);
        var scale = state.Template["scale"] as JsonObject;
        return new ContainerAppSnapshot(state.ResourceGroup, state.Name, (string)state.Template["containers"]![0]!["image"]!,
            (int?)scale?["minReplicas"] ?? 0, (int?)scale?["maxReplicas"] ?? 10, state.ProvisioningState, state.Mode,
            state.Revisions[^1].Name, ContainerAppsState.LatestReady(state)?.Name,
            [.. state.Revisions.Select(r => new RevisionSnapshot(r.Name, r.Image, r.Active, weights.GetValueOrDefault(r.Name), ProvisioningState(r),
                HealthState(r), RunningState(r), _backend.Replicas(state, r, weights), r.Created, r.Restarts, r.Error))]);
    });

    /// <summary>Waits until no operation on the app is in progress and no revision is still provisioning.</summary>
    public async Task WaitForStableAsync(string resourceGroup, string app, TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        while (true)
        {
            var stable = _backend.Read(() =>
            {
                var state = _backend.App(resourceGroup, app);
                return state.Pending is not { Status: OperationStatus.InProgress } && state.Revisions.All(r => r.Status != RevisionStatus.Provisioning);
            });
            if (stable)
            {
                return;
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20), limit.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"container app {resourceGroup}/{app} did not become stable within {timeout}: {App(resourceGroup, app)}");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _ca.Dispose();
        File.Delete(CaCertificatePath);
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var method = request.Method.ToUpperInvariant();
        _requests.Enqueue($"{method} {request.Path}{request.QueryString}");
        var segments = request.Path.Value!.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var isGetAuthToken = segments.Length > 0 && segments[^1].Equals("getAuthtoken", StringComparison.OrdinalIgnoreCase);
        if (method is "PUT" or "PATCH" or "POST" or "DELETE" && !isGetAuthToken)
        {
            Interlocked.Increment(ref _mutating);
        }

        context.Response.Headers["x-ms-request-id"] = Guid.NewGuid().ToString();
        context.Response.Headers["x-ms-correlation-request-id"] = request.Headers["x-ms-correlation-request-id"].FirstOrDefault() ?? Guid.NewGuid().ToString();
        if (request.Headers["x-ms-client-request-id"].FirstOrDefault() is { } clientRequestId
            && string.Equals(request.Headers["x-ms-return-client-request-id"].FirstOrDefault(), "true", StringComparison.OrdinalIgnoreCase))
        {
            context.Response.Headers["x-ms-client-request-id"] = clientRequestId; // echoed when asked, as ARM does
        }
        try
        {
            if (LogStreamRoute.Parse(segments) is { } logStream)
            {
                // The log stream is the Container Apps data plane, not ARM: its own host in Azure, the app's token from
                // getAuthtoken, no api-version.
                await LogStreamAsync(context, logStream);
                return;
            }

            var principal = Authenticate(request);
            Throttle();
            var route = Route.Parse(segments, method);
            var apiVersion = CheckApiVersion(request, route);
            if (!string.Equals(route.Subscription, Subscription, StringComparison.OrdinalIgnoreCase))
            {
                throw ArmError.SubscriptionNotFound(route.Subscription);
            }

            if (principal.Denied.Contains(route.Action))
            {
                throw ArmError.AuthorizationFailed(principal.Name, principal.ObjectId, route.Action, route.Scope);
            }

            if (method is "PUT" or "PATCH" or "POST" && route.App is not null && !isGetAuthToken)
            {
                InjectConflict(route.App);
            }

            await DispatchAsync(context, route, apiVersion);
        }
        catch (ArmError error)
        {
            foreach (var (name, value) in error.Headers)
            {
                context.Response.Headers[name] = value;
            }

            await WriteAsync(context, error.Status, error.Body(), SpecModel.ErrorResponse);
        }
        catch (Exception bug) when (bug is not OperationCanceledException)
        {
            // A bug in the server, not a behaviour of ARM: answered as ARM answers its own failures, and kept so that
            // the fixture fails the test class instead of a client seeing a 500 nobody explains.
            _outputProblems.Enqueue($"{method} {request.Path}: the server threw {bug}");
            await WriteAsync(context, HttpStatusCode.InternalServerError,
                new ArmError(HttpStatusCode.InternalServerError, "InternalServerError", "Encountered internal server error. Diagnostic information: " + bug.Message).Body(),
                SpecModel.ErrorResponse);
        }
    }

    private async Task DispatchAsync(HttpContext context, Route route, string apiVersion)
    {
        var rg = route.ResourceGroup;
        var app = route.App;
        switch (route.Kind)
        {
            case RouteKind.Apps:
                var apps = _backend.Apps(rg);
                await WriteAsync(context, HttpStatusCode.OK, new JsonObject { ["value"] = new JsonArray([.. _backend.Read(() => apps.Select(RenderApp).ToArray())]) },
                    SpecModel.ContainerAppCollection);
                break;
            case RouteKind.App when route.Method == "GET":
                await WriteAsync(context, HttpStatusCode.OK, _backend.Read(() => RenderApp(_backend.App(rg!, app!))), SpecModel.ContainerApp);
                break;
            case RouteKind.App:
                var body = await ReadBodyAsync(context.Request);
                var replace = route.Method == "PUT";
                var (operation, created) = _backend.Update(rg!, app!, body, replace);
                var rendered = _backend.Read(() => RenderApp(_backend.App(rg!, app!)));
                if (operation is null)
                {
                    await WriteAsync(context, HttpStatusCode.OK, rendered, SpecModel.ContainerApp);
                    break;
                }

                context.Response.Headers["Azure-AsyncOperation"] = OperationUrl("containerappOperationStatuses", operation.Id, apiVersion);
                context.Response.Headers["Location"] = OperationUrl("containerappOperationResults", operation.Id, apiVersion);
                context.Response.Headers["Retry-After"] = ArmError.Seconds(_pollInterval);
                await WriteAsync(context, replace || created ? HttpStatusCode.Created : HttpStatusCode.Accepted, rendered, SpecModel.ContainerApp);
                break;
            case RouteKind.Revisions:
                await WriteAsync(context, HttpStatusCode.OK, RevisionPage(context.Request, rg!, app!, apiVersion), SpecModel.RevisionCollection);
                break;
            case RouteKind.Revision:
                await WriteAsync(context, HttpStatusCode.OK, _backend.Read(() =>
                {
                    var state = _backend.App(rg!, app!);
                    return RenderRevision(state, _backend.Revision(rg!, app!, route.Revision!), _backend.Weights(state));
                }), SpecModel.Revision);
                break;
            case RouteKind.RevisionAction:
                switch (route.ActionName)
                {
                    case "activate":
                        _backend.Activate(rg!, app!, route.Revision!);
                        break;
                    case "deactivate":
                        _backend.Deactivate(rg!, app!, route.Revision!);
                        break;
                    default:
                        _backend.Restart(rg!, app!, route.Revision!);
                        break;
                }

                context.Response.StatusCode = StatusCodes.Status200OK;
                break;
            case RouteKind.Replicas:
                await WriteAsync(context, HttpStatusCode.OK, _backend.Read(() =>
                {
                    var state = _backend.App(rg!, app!);
                    var revision = _backend.Revision(rg!, app!, route.Revision!);
                    return new JsonObject { ["value"] = new JsonArray([.. RenderReplicas(state, revision)]) };
                }), SpecModel.ReplicaCollection);
                break;
            case RouteKind.Replica:
                await WriteAsync(context, HttpStatusCode.OK, _backend.Read(() =>
                {
                    var state = _backend.App(rg!, app!);
                    var revision = _backend.Revision(rg!, app!, route.Revision!);
                    return RenderReplicas(state, revision).FirstOrDefault(r => string.Equals((string?)r["name"], route.Replica, StringComparison.OrdinalIgnoreCase))
                        ?? throw ArmError.ResourceNotFound("Microsoft.App/containerApps/revisions/replicas", $"{app}/{route.Revision}/{route.Replica}", rg!);
                }), SpecModel.Replica);
                break;
            case RouteKind.OperationStatus:
                var status = _backend.Operation(route.OperationId!);
                if (status.Status == OperationStatus.InProgress)
                {
                    context.Response.Headers["Retry-After"] = ArmError.Seconds(_pollInterval);
                }

                await WriteAsync(context, HttpStatusCode.OK, _backend.Read(() => RenderOperation(status)), SpecModel.OperationStatus);
                break;
            case RouteKind.OperationResult:
                var result = _backend.Operation(route.OperationId!);
                switch (result.Status)
                {
                    case OperationStatus.InProgress:
                        context.Response.Headers["Location"] = OperationUrl("containerappOperationResults", result.Id, apiVersion);
                        context.Response.Headers["Retry-After"] = ArmError.Seconds(_pollInterval);
                        context.Response.StatusCode = StatusCodes.Status202Accepted;
                        break;
                    case OperationStatus.Failed:
                        throw result.Error!;
                    default:
                        await WriteAsync(context, HttpStatusCode.OK, _backend.Read(() => RenderApp(result.App)), SpecModel.ContainerApp);
                        break;
                }

                break;
            case RouteKind.AuthToken:
                var owner = _backend.App(rg!, app!);
                var (logToken, expires) = _backend.IssueLogStreamToken(rg!, app!);
                await WriteAsync(context, HttpStatusCode.OK, new JsonObject
                {
                    ["id"] = AppId(owner),
                    ["name"] = owner.Name,
                    ["type"] = "Microsoft.App/containerApps/authtoken",
                    ["location"] = ContainerAppsState.LocationDisplayName,
                    ["properties"] = new JsonObject { ["token"] = logToken, ["expires"] = Timestamp(expires) },
                }, SpecModel.ContainerAppAuthToken);
                break;
        }
    }

    /// <summary>
    /// GET …/containers/{c}/logstream?tailLines=N&amp;follow=false&amp;output=json|text, as the Container Apps log
    /// stream serves it: the app's token from getAuthtoken, the last N lines (20 by default, at most 300), one per
    /// line — JSON <c>{"TimeStamp","Log"}</c> by default or text "TIMESTAMP LOG" — and with follow=true the lines
    /// written afterwards until the client goes away.
    /// </summary>
    private async Task LogStreamAsync(HttpContext context, LogStreamRoute route)
    {
        var request = context.Request;
        var header = request.Headers.Authorization.FirstOrDefault() ?? string.Empty;
        var token = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : string.Empty;
        if (!_backend.OpensLogStream(token, route.ResourceGroup, route.App))
        {
            throw new ArmError(HttpStatusCode.Unauthorized, "Unauthorized",
                $"The log stream of container app '{route.App}' needs a bearer token from POST …/containerApps/{route.App}/getAuthtoken; this one is missing, expired or for another app.");
        }

        if (request.Method != "GET")
        {
            throw new ArmError(HttpStatusCode.MethodNotAllowed, "HttpMethodNotAllowed", $"The log stream answers GET only, not {request.Method}.");
        }

        var tail = 20;
        if (request.Query["tailLines"].FirstOrDefault() is { } tailText && (!int.TryParse(tailText, out tail) || tail < 0 || tail > 300))
        {
            throw new ArmError(HttpStatusCode.BadRequest, "InvalidTailLines", $"tailLines must be a whole number from 0 to 300, not '{tailText}'.");
        }

        var follow = request.Query["follow"].FirstOrDefault() is { } followText && bool.TryParse(followText, out var f) && f;
        var json = !string.Equals(request.Query["output"].FirstOrDefault(), "text", StringComparison.OrdinalIgnoreCase);
        var lines = ReadLogs(route);
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "text/plain; charset=utf-8";
        foreach (var line in lines.Skip(Math.Max(0, lines.Count - tail)))
        {
            await context.Response.WriteAsync(Render(line, json), context.RequestAborted);
        }

        var sent = lines.Count;
        while (follow && !context.RequestAborted.IsCancellationRequested)
        {
            await context.Response.Body.FlushAsync(context.RequestAborted);
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            lines = ReadLogs(route);
            foreach (var line in lines.Skip(sent))
            {
                await context.Response.WriteAsync(Render(line, json), context.RequestAborted);
            }

            sent = lines.Count;
        }

        static string Render(LogLine line, bool json) => json
            ? new JsonObject { ["TimeStamp"] = Timestamp(line.At), ["Log"] = line.Text }.ToJsonString() + "\n"
            : $"{Timestamp(line.At)} {line.Text}\n";
    }

    private List<LogLine> ReadLogs(LogStreamRoute route) => _backend.Read(() =>
    {
        var state = _backend.App(route.ResourceGroup, route.App);
        var revision = _backend.Revision(route.ResourceGroup, route.App, route.Revision);
        var names = ContainerAppsState.ReplicaNames(revision, _backend.Replicas(state, revision, _backend.Weights(state)));
        var replica = names.ToList().FindIndex(n => string.Equals(n, route.Replica, StringComparison.OrdinalIgnoreCase));
        if (replica < 0)
        {
            throw ArmError.ResourceNotFound("Microsoft.App/containerApps/revisions/replicas", $"{route.App}/{revision.Name}/{route.Replica}", route.ResourceGroup);
        }

        if (!revision.Template["containers"]!.AsArray().Any(c => string.Equals((string?)c?["name"], route.Container, StringComparison.Ordinal)))
        {
            throw new ArmError(HttpStatusCode.NotFound, "ContainerNotFound", $"Replica '{route.Replica}' has no container '{route.Container}'.");
        }

        return state.Logs.Where(l => string.Equals(l.Revision, revision.Name, StringComparison.OrdinalIgnoreCase) && l.Replica == replica
            && string.Equals(l.Container, route.Container, StringComparison.Ordinal)).ToList();
    });

    private JsonObject RevisionPage(HttpRequest request, string rg, string app, string apiVersion)
    {
        if (request.Query.ContainsKey("$filter"))
        {
            throw ArmError.InvalidProperty("InvalidFilter", "The ARM test server does not implement $filter on revisions; list them all and filter on the client.");
        }

        var skip = int.TryParse(request.Query["$skiptoken"].FirstOrDefault(), out var n) && n > 0 ? n : 0;
        return _backend.Read(() =>
        {
            var state = _backend.App(rg, app);
            var weights = _backend.Weights(state);
            var page = state.Revisions.Skip(skip).Take(_pageSize).Select(r => RenderRevision(state, r, weights)).ToArray();
            var result = new JsonObject { ["value"] = new JsonArray(page) };
            if (skip + _pageSize < state.Revisions.Count)
            {
                result["nextLink"] = $"{Endpoint}subscriptions/{Subscription}/resourceGroups/{state.ResourceGroup}/providers/Microsoft.App/containerApps/{state.Name}/revisions"
                    + $"?api-version={apiVersion}&$skiptoken={skip + _pageSize}";
            }

            return result;
        });
    }

    private Principal Authenticate(HttpRequest request)
    {
        var header = request.Headers.Authorization.FirstOrDefault();
        if (string.IsNullOrEmpty(header))
        {
            throw ArmError.MissingAuthorization(Tenant);
        }

        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) || !_tokens.TryGetValue(header[scheme.Length..].Trim(), out var principal))
        {
            throw ArmError.InvalidAuthenticationToken(Tenant);
        }

        return principal;
    }

    private void Throttle()
    {
        lock (_faults)
        {
            if (_throttled > 0)
            {
                _throttled--;
                throw ArmError.TooManyRequests(_throttleRetryAfter);
            }
        }
    }

    private void InjectConflict(string app)
    {
        lock (_faults)
        {
            if (_conflicts > 0)
            {
                _conflicts--;
                throw ArmError.OperationInProgress(app);
            }
        }
    }

    private static string CheckApiVersion(HttpRequest request, Route route)
    {
        var values = request.Query["api-version"];
        var apiVersion = values.FirstOrDefault();
        if (string.IsNullOrEmpty(apiVersion))
        {
            throw ArmError.MissingApiVersion();
        }

        if (values.Count > 1 || !System.Text.RegularExpressions.Regex.IsMatch(apiVersion, @"^\d{4}-\d{2}-\d{2}(-preview)?$"))
        {
            throw ArmError.InvalidApiVersion(apiVersion, SupportedApiVersions);
        }

        if (!SupportedApiVersions.Contains(apiVersion))
        {
            throw ArmError.NoRegisteredProvider(ContainerAppsState.Location, apiVersion, route.ResourceType, SupportedApiVersions);
        }

        return apiVersion;
    }

    private string OperationUrl(string kind, string id, string apiVersion) =>
        $"{Endpoint}subscriptions/{Subscription}/providers/Microsoft.App/locations/{ContainerAppsState.Location}/{kind}/{id}?api-version={apiVersion}";

    private async Task<JsonObject> ReadBodyAsync(HttpRequest request)
    {
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync();
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(text);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw ArmError.InvalidRequestContent(e.Message);
        }

        if (node is not JsonObject body)
        {
            throw ArmError.InvalidRequestContent("the body must be a JSON object (a ContainerApp)");
        }

        // ARM deserializes strictly: a member the API does not define is an error, not something silently dropped.
        if (_spec.Check(body, SpecModel.ContainerApp, strictEnums: false) is [var first, ..])
        {
            throw ArmError.InvalidRequestContent(first);
        }

        return body;
    }

    private async Task WriteAsync(HttpContext context, HttpStatusCode status, JsonObject body, string definition)
    {
        foreach (var problem in _spec.Check(body, definition))
        {
            _outputProblems.Enqueue($"{context.Request.Method} {context.Request.Path}: {problem}");
        }

        context.Response.StatusCode = (int)status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.WriteAsync(body.ToJsonString());
    }

    private string AppId(AppState state) => $"/subscriptions/{Subscription}/resourceGroups/{state.ResourceGroup}/providers/Microsoft.App/containerApps/{state.Name}";

    private static string DefaultDomain(AppState state) =>
        $"{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(state.EnvironmentId)))[..10]}.{ContainerAppsState.Location}.azurecontainerapps.io";

    private JsonObject RenderApp(AppState state)
    {
        var configuration = (JsonObject)state.Configuration.DeepClone();
        if (configuration["ingress"] is JsonObject ingress)
        {
            ingress["fqdn"] = $"{state.Name}.{DefaultDomain(state)}";
        }

        var latest = state.Revisions.Count > 0 ? state.Revisions[^1] : null;
        var properties = new JsonObject
        {
            ["provisioningState"] = state.ProvisioningState,
            ["runningStatus"] = state.Pending is { Status: OperationStatus.InProgress } ? "Progressing" : "Running",
            ["managedEnvironmentId"] = state.EnvironmentId,
            ["environmentId"] = state.EnvironmentId,
            ["workloadProfileName"] = "Consumption",
            ["latestRevisionName"] = latest?.Name,
            ["latestReadyRevisionName"] = ContainerAppsState.LatestReady(state)?.Name,
            ["latestRevisionFqdn"] = latest is null ? null : $"{latest.Name}.{DefaultDomain(state)}",
            ["customDomainVerificationId"] = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(AppId(state)))),
            ["configuration"] = configuration,
            ["template"] = state.Template.DeepClone(),
            ["outboundIpAddresses"] = new JsonArray("20.0.0.1", "20.0.0.2"),
            ["eventStreamEndpoint"] = $"https://{ContainerAppsState.Location}.azurecontainerapps.dev/subscriptions/{Subscription}/resourceGroups/{state.ResourceGroup}/containerApps/{state.Name}/eventstream",
        };
        var app = new JsonObject
        {
            ["id"] = AppId(state),
            ["name"] = state.Name,
            ["type"] = "Microsoft.App/containerApps",
            ["location"] = ContainerAppsState.LocationDisplayName,
        };
        if (state.Tags is not null)
        {
            app["tags"] = state.Tags.DeepClone();
        }

        app["systemData"] = new JsonObject
        {
            ["createdBy"] = TesterPrincipal,
            ["createdByType"] = "User",
            ["createdAt"] = Timestamp(state.Created),
        };
        app["properties"] = properties;
        return app;
    }

    private JsonObject RenderRevision(AppState state, RevisionState revision, IReadOnlyDictionary<string, int> weights)
    {
        var template = (JsonObject)revision.Template.DeepClone();
        if (state.Template["scale"] is JsonNode scale)
        {
            template["scale"] = scale.DeepClone(); // scale is application scope: every revision runs with the app's
        }

        var properties = new JsonObject
        {
            ["createdTime"] = Timestamp(revision.Created),
            ["lastActiveTime"] = Timestamp(revision.Active ? _backend.Now : revision.LastActive ?? revision.Created),
            ["fqdn"] = $"{revision.Name}.{DefaultDomain(state)}",
            ["template"] = template,
            ["active"] = revision.Active,
            ["replicas"] = _backend.Replicas(state, revision, weights),
            ["trafficWeight"] = weights.GetValueOrDefault(revision.Name),
            ["healthState"] = HealthState(revision),
            ["provisioningState"] = ProvisioningState(revision),
            ["runningState"] = RunningState(revision),
        };
        if (revision.Error is not null)
        {
            properties["provisioningError"] = revision.Error;
        }

        return new JsonObject
        {
            ["id"] = $"{AppId(state)}/revisions/{revision.Name}",
            ["name"] = revision.Name,
            ["type"] = "Microsoft.App/containerApps/revisions",
            ["properties"] = properties,
        };
    }

    private IEnumerable<JsonObject> RenderReplicas(AppState state, RevisionState revision)
    {
        var count = _backend.Replicas(state, revision, _backend.Weights(state));
        var started = revision.RestartedAt ?? revision.SettledAt ?? revision.Created;
        foreach (var name in ContainerAppsState.ReplicaNames(revision, count))
        {
            var id = $"{AppId(state)}/revisions/{revision.Name}/replicas/{name}";
            yield return new JsonObject
            {
                ["id"] = id,
                ["name"] = name,
                ["type"] = "Microsoft.App/containerApps/revisions/replicas",
                ["properties"] = new JsonObject
                {
                    ["createdTime"] = Timestamp(started),
                    ["runningState"] = "Running",
                    ["containers"] = new JsonArray([.. revision.Template["containers"]!.AsArray().OfType<JsonObject>().Select(c => new JsonObject
                    {
                        ["name"] = (string?)c["name"],
                        ["containerId"] = "containerd://" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{name}/{c["name"]}"))),
                        ["ready"] = true,
                        ["started"] = true,
                        ["restartCount"] = 0,
                        ["runningState"] = "Running",
                        ["logStreamEndpoint"] = $"{Endpoint}subscriptions/{Subscription}/resourceGroups/{state.ResourceGroup}/containerApps/{state.Name}"
                            + $"/revisions/{revision.Name}/replicas/{name}/containers/{c["name"]}/logstream",
                        ["execEndpoint"] = $"wss://{Endpoint.Authority}/subscriptions/{Subscription}/resourceGroups/{state.ResourceGroup}/containerApps/{state.Name}"
                            + $"/revisions/{revision.Name}/replicas/{name}/containers/{c["name"]}/exec",
                    })]),
                },
            };
        }
    }

    private JsonObject RenderOperation(Operation operation)
    {
        var status = new JsonObject
        {
            ["id"] = $"/subscriptions/{Subscription}/providers/Microsoft.App/locations/{ContainerAppsState.Location}/containerappOperationStatuses/{operation.Id}",
            ["name"] = operation.Id,
            ["status"] = operation.Status.ToString(),
            ["startTime"] = Timestamp(operation.Started),
        };
        if (operation.Ended is { } ended)
        {
            status["endTime"] = Timestamp(ended);
        }

        if (operation.Error is { } error)
        {
            status["error"] = error.Detail();
        }

        return status;
    }

    private static string ProvisioningState(RevisionState revision) => revision.Status.ToString();

    private static string HealthState(RevisionState revision) => revision.Status switch
    {
        RevisionStatus.Failed => "Unhealthy",
        RevisionStatus.Provisioned when revision.Active => "Healthy",
        _ => "None",
    };

    private static string RunningState(RevisionState revision) => revision.Status switch
    {
        RevisionStatus.Failed => "Failed",
        _ when !revision.Active => "Stopped",
        RevisionStatus.Provisioning => "Processing",
        _ => "Running",
    };

    private static string Timestamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    private sealed record Principal(string Name, string ObjectId, HashSet<string> Denied);
}
