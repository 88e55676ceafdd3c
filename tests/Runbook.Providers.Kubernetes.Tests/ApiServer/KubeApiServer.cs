using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;

namespace Runbook.Providers.Kubernetes.Tests.ApiServer;

/// <summary>A request as the server saw it, for tests that assert what a client did.</summary>
public sealed record RecordedRequest(string Method, string Path, string Query, string? ContentType, string User);

/// <summary>
/// A Kubernetes API server for tests, shaped after the apps/v1 and core/v1 OpenAPI definitions: HTTPS with
/// client-certificate and bearer-token authentication, deny rules answered with the real 403 Status, Deployments
/// (with /scale), ReplicaSets, Pods (with /log and /exec), Events; resourceVersion, generation, optimistic
/// concurrency, the three PATCH formats, watches, and a controller that rolls deployments out. kubectl and the
/// official Python client are run against it to show it behaves like the real one.
/// </summary>
public sealed partial class KubeApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TestPki _pki;
    private readonly ObjectStore _store = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, (string User, string[] Groups)> _tokens = new();
    private readonly ConcurrentDictionary<(string User, string Verb, string Resource), bool> _denied = new();
    private readonly ConcurrentDictionary<string, bool> _neverReady = new();
    private readonly ConcurrentDictionary<(string Ns, string Resource, string Name), int> _conflicts = new();
    private readonly ConcurrentDictionary<(string Ns, string Pod), List<(DateTimeOffset At, string Line)>> _logs = new();
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly Task _controller;

    private KubeApiServer(WebApplication app, TestPki pki)
    {
        _app = app;
        _pki = pki;
        var controller = new Controller(_store, image => _neverReady.ContainsKey(image), () => PodStartDelay, RecordEvent);
        _controller = Task.Run(() => controller.RunAsync(_stop.Token));
    }

    public Uri Url => new(_app.Urls.First());

    public string CaCertificatePem => _pki.CaCertificatePem;

    public TimeSpan PodStartDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    public static async Task<KubeApiServer> StartAsync(CancellationToken cancellationToken = default)
    {
        var pki = new TestPki();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(https =>
        {
            https.ServerCertificate = pki.ServerCertificate;
            https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
            https.AllowAnyClientCertificate(); // checked against the test CA per request, so a foreign one is a 401 and not a TLS failure
        })));
        var app = builder.Build();
        var server = new KubeApiServer(app, pki);
        app.UseWebSockets();
        app.Run(server.HandleAsync);
        await app.StartAsync(cancellationToken);
        return server;
    }

    public (string CertificatePem, string KeyPem) IssueClientCertificate(string user, params string[] groups) => _pki.IssueClient(user, groups);

    public void AddToken(string token, string user, params string[] groups) => _tokens[token] = (user, groups);

    public void Deny(string user, string verb, string resource) => _denied[(user, verb, resource)] = true;

    public void NeverReady(string image) => _neverReady[image] = true;

    public void ConflictNextWrites(string ns, string resource, string name, int count) => _conflicts[(ns, resource, name)] = count;

    public void AppendLog(string ns, string pod, string line) =>
        _logs.GetOrAdd((ns, pod), _ => []).Add((DateTimeOffset.UtcNow, line));

    public JsonObject? Get(string ns, string resource, string name) => _store.Get(resource, ns, name);

    public List<JsonObject> List(string ns, string resource) => _store.List(resource, ns);

    public async Task CreateDeploymentAsync(string ns, string name, string image, int replicas, int progressDeadlineSeconds = 600)
    {
        var labels = new JsonObject { ["app"] = name };
        var deployment = new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "Deployment",
            ["metadata"] = Controller.Metadata(ns, name, (JsonObject)labels.DeepClone(), null, null),
            ["spec"] = new JsonObject
            {
                ["replicas"] = replicas,
                ["progressDeadlineSeconds"] = progressDeadlineSeconds,
                ["revisionHistoryLimit"] = 10,
                ["selector"] = new JsonObject { ["matchLabels"] = labels.DeepClone() },
                ["strategy"] = new JsonObject { ["type"] = "RollingUpdate" },
                ["template"] = new JsonObject
                {
                    ["metadata"] = new JsonObject { ["labels"] = labels.DeepClone() },
                    ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "app", ["image"] = image }) },
                },
            },
            ["status"] = new JsonObject(),
        };
        _store.Put("deployments", deployment);
        await WaitUntilAsync(s => s.Get(ns, "deployments", name)?["status"]?["observedGeneration"] is not null, TimeSpan.FromSeconds(10));
    }

    public async Task<bool> WaitUntilAsync(Func<KubeApiServer, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition(this))
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.WhenAny(_store.Changed, Task.Delay(50));
        }

        return true;
    }

    private void RecordEvent(string ns, string kind, string name, string message)
    {
        var involved = _store.Get(kind switch { "Deployment" => "deployments", "ReplicaSet" => "replicasets", "StatefulSet" => "statefulsets", _ => "pods" }, ns, name);
        var reason = message switch
        {
            _ when message.StartsWith("Scaled", StringComparison.Ordinal) => "ScalingReplicaSet",
            _ when message.StartsWith("Created pod", StringComparison.Ordinal) || message.StartsWith("create Pod", StringComparison.Ordinal) => "SuccessfulCreate",
            _ when message.StartsWith("Deleted pod", StringComparison.Ordinal) || message.StartsWith("delete Pod", StringComparison.Ordinal) => "SuccessfulDelete",
            _ when message.StartsWith("Successfully assigned", StringComparison.Ordinal) => "Scheduled",
            _ => "Started",
        };
        var now = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var eventName = $"{name}.{Guid.NewGuid():N}"[..Math.Min(name.Length + 17, 250)];
        _store.Put("events", new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Event",
            ["metadata"] = Controller.Metadata(ns, eventName, [], null, null),
            ["involvedObject"] = new JsonObject
            {
                ["apiVersion"] = kind == "Pod" ? "v1" : "apps/v1",
                ["kind"] = kind,
                ["name"] = name,
                ["namespace"] = ns,
                ["uid"] = involved?["metadata"]?["uid"]?.DeepClone(),
            },
            ["reason"] = reason,
            ["message"] = message,
            ["type"] = "Normal",
            ["count"] = 1,
            ["firstTimestamp"] = now,
            ["lastTimestamp"] = now,
            ["source"] = new JsonObject { ["component"] = kind == "Pod" ? "kubelet" : $"{kind.ToLowerInvariant()}-controller" },
        });
        if (kind == "Pod" && reason == "Started")
        {
            var image = _store.Get("pods", ns, name)?["spec"]?["containers"]?[0]?["image"]?.GetValue<string>();
            AppendLog(ns, name, $"starting {image}");
            AppendLog(ns, name, "listening on :8080");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        try
        {
            await _controller;
        }
        catch (OperationCanceledException)
        {
        }

        _pki.Dispose();
        _stop.Dispose();
    }
}
