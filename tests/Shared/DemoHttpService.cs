using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Runbook.Tests.Library;

/// <summary>
/// The library cases' <c>http</c> peer: a small service on a loopback port with a readiness endpoint and a failure
/// switch, as an on-call engineer's service has. One process serves many cases at once, each under a base address of
/// its own (<c>http://127.0.0.1:PORT/c/ID</c>, a <see cref="Tenant"/>), so cases running together never share a
/// switch. Under it, <c>GET /health/ready</c> answers 200 "ready", or 503 "failing" while the switch is on;
/// <c>POST /fail</c> and <c>POST /heal</c> flip the switch. Every other request is answered 200 and recorded
/// (method, path and body), so it also stands in for the incident channel's webhooks (Slack, PagerDuty, a status
/// page) and a failure message can show what was announced. A request outside every tenant is a 404.
/// </summary>
public sealed class DemoHttpService : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentDictionary<string, Tenant> _tenants = new(StringComparer.Ordinal);
    private readonly Task _serving;

    private DemoHttpService(int port)
    {
        Url = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add(Url + "/");
        _listener.Start();
        _serving = ServeAsync();
    }

    /// <summary>The server's own address, without a trailing slash.</summary>
    public string Url { get; }

    public static DemoHttpService Start() => new(FreePort());

    /// <summary>A new base address for one case: healthy, nothing recorded.</summary>
    public Tenant NewTenant()
    {
        var id = Guid.NewGuid().ToString("N")[..12];
        var tenant = new Tenant($"{Url}/c/{id}");
        _tenants[id] = tenant;
        return tenant;
    }

    /// <summary>One case's part of the service.</summary>
    public sealed class Tenant(string url)
    {
        private readonly List<string> _requests = [];
        private volatile bool _failing;

        /// <summary>The base address the case's placeholders name, without a trailing slash.</summary>
        public string Url { get; } = url;

        public bool Failing
        {
            get => _failing;
            set => _failing = value;
        }

        /// <summary>What was sent besides the health and switch endpoints: "POST /slack {body}".</summary>
        public IReadOnlyList<string> Requests
        {
            get
            {
                lock (_requests)
                {
                    return [.. _requests];
                }
            }
        }

        internal (int Status, string Text) Answer(string method, string path, string body)
        {
            switch (method, path)
            {
                case ("GET" or "HEAD", "/health/ready"):
                    return _failing ? (503, "failing\n") : (200, "ready\n");
                case ("POST", "/fail"):
                    _failing = true;
                    return (200, "failing\n");
                case ("POST", "/heal"):
                    _failing = false;
                    return (200, "ready\n");
                default:
                    lock (_requests)
                    {
                        _requests.Add($"{method} {path} {body}");
                    }

                    return (200, "ok\n");
            }
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(async () =>
            {
                try
                {
                    await AnswerAsync(context);
                }
                catch (Exception ex) when (ex is HttpListenerException or IOException or ObjectDisposedException)
                {
                    // the client went away; other requests are served as usual
                }
            });
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var path = request.Url?.AbsolutePath ?? "/";
        string body;
        using (var reader = new StreamReader(request.InputStream, Encoding.UTF8))
        {
            body = await reader.ReadToEndAsync();
        }

        // /c/ID/rest: the tenant ID answers for /rest.
        var parts = path.Split('/', 4);
        var (status, text) = parts.Length >= 3 && parts[1] == "c" && _tenants.TryGetValue(parts[2], out var tenant)
            ? tenant.Answer(request.HttpMethod, parts.Length == 4 ? "/" + parts[3] : "/", body)
            : (404, "no such tenant\n");
        var bytes = Encoding.UTF8.GetBytes(text);
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain";
        context.Response.ContentLength64 = bytes.Length;
        await context.Response.OutputStream.WriteAsync(bytes);
        context.Response.Close();
    }

    public async ValueTask DisposeAsync()
    {
        if (_listener.IsListening)
        {
            _listener.Stop();
        }

        _listener.Close();
        try
        {
            await _serving;
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
