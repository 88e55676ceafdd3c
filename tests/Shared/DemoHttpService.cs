using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Runbook.Tests.Library;

/// <summary>
/// The library cases' <c>http</c> peer: a small service on a loopback port with a readiness endpoint and a failure
/// switch, as an on-call engineer's service has. <c>GET /health/ready</c> answers 200 "ready", or 503 "failing" while
/// the switch is on; <c>POST /fail</c> and <c>POST /heal</c> flip the switch. Every other request is answered 200 and
/// recorded (method, path and body), so it also stands in for the incident channel's webhooks (Slack, PagerDuty, a
/// status page) and a case can check what was announced.
/// </summary>
public sealed class DemoHttpService : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly List<string> _requests = [];
    private readonly Task _serving;
    private volatile bool _failing;

    private DemoHttpService(int port)
    {
        Url = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add(Url + "/");
        _listener.Start();
        _serving = ServeAsync();
    }

    /// <summary>The base address, without a trailing slash.</summary>
    public string Url { get; }

    public bool Failing
    {
        get => _failing;
        set => _failing = value;
    }

    /// <summary>What was sent to the service besides its health and switch endpoints: "POST /slack {body}".</summary>
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

    public static DemoHttpService Start() => new(FreePort());

    /// <summary>Healthy again, nothing recorded: the state every case starts from.</summary>
    public void Reset()
    {
        _failing = false;
        lock (_requests)
        {
            _requests.Clear();
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

            try
            {
                await AnswerAsync(context);
            }
            catch (Exception ex) when (ex is HttpListenerException or IOException or ObjectDisposedException)
            {
                // the client went away; the next request is served as usual
            }
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

        var (status, text) = (request.HttpMethod, path) switch
        {
            ("GET" or "HEAD", "/health/ready") => _failing ? (503, "failing\n") : (200, "ready\n"),
            ("POST", "/fail") => Switch(failing: true),
            ("POST", "/heal") => Switch(failing: false),
            _ => Record(request.HttpMethod, path, body),
        };
        var bytes = Encoding.UTF8.GetBytes(text);
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain";
        context.Response.ContentLength64 = bytes.Length;
        await context.Response.OutputStream.WriteAsync(bytes);
        context.Response.Close();
    }

    private (int, string) Switch(bool failing)
    {
        _failing = failing;
        return (200, failing ? "failing\n" : "ready\n");
    }

    private (int, string) Record(string method, string path, string body)
    {
        lock (_requests)
        {
            _requests.Add($"{method} {path} {body}");
        }

        return (200, "ok\n");
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
