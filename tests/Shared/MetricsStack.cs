using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Runbook.Tests;

/// <summary>
/// Debian's real Prometheus and Alertmanager on loopback, for the metrics actions' tests: each in its own temp
/// folder on an ephemeral port, Prometheus behind basic auth (its --web.config.file) and sending to the Alertmanager,
/// scraping a target this class serves every second. The target's samples carry their own timestamps and grow
/// exactly linearly in them, so rate(), histogram_quantile() and a burn rate have exact answers:
/// checkout serves 9 req/s with code 200 and 1 req/s with code 500 (error ratio 0.1, burn rate 100 against a 99.9%
/// objective); its latency histogram takes 5/s under 0.1s, 4/s between 0.1s and 0.5s, 1/s above (p70 = 0.3s);
/// search serves 4 req/s, none failing. Rules: HighErrorRate fires (for: 0s) per service whose 5xx rate is above
/// 0.5/s; NeverSettles stays pending (for: 1h). Without the programs every test fails naming the setup script.
/// </summary>
public sealed class MetricsStack : IAsyncLifetime
{
    public const string User = "runbook-test";
    public const string Password = "s3cret-pass";

    // bcrypt of Password: Prometheus' web config takes only a hash (fixed test fixture, cost 12).
    private const string PasswordHash = "$2b$12$s17buqyFtpB3f3Baexb74e7X1itNUC3/Utmsjk9QgLZj93QnYMnhq";

    private readonly List<Process> _processes = [];
    private readonly HttpListener _target = new();
    private readonly long _origin = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
    private string? _folder;

    public string? Unavailable { get; private set; }

    public string PrometheusUrl { get; private set; } = string.Empty;

    public string AlertmanagerUrl { get; private set; } = string.Empty;

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>Call first in every test: true, or the test fails saying how to install Prometheus and Alertmanager.</summary>
    public bool Ready() => TestDependency.Require("Prometheus and Alertmanager", Unavailable, TestDependency.InstallAll);

    public async Task InitializeAsync()
    {
        var prometheus = Which("prometheus");
        var alertmanager = Which("prometheus-alertmanager") ?? Which("alertmanager");
        if (prometheus is null || alertmanager is null)
        {
            Unavailable = $"{(prometheus is null ? "prometheus" : "prometheus-alertmanager")} is not on PATH (Debian packages prometheus and prometheus-alertmanager)";
            return;
        }

        _folder = Directory.CreateTempSubdirectory("runbook-metrics-").FullName;
        var targetPort = FreePort();
        _target.Prefixes.Add($"http://127.0.0.1:{targetPort}/");
        _target.Start();
        _ = ServeTargetAsync();

        var amPort = FreePort();
        AlertmanagerUrl = $"http://127.0.0.1:{amPort}";
        File.WriteAllText(Path.Combine(_folder, "alertmanager.yml"), """
            route: { receiver: sink, group_wait: 1s, group_interval: 1s, repeat_interval: 1h }
            receivers: [ { name: sink } ]
            """);
        Start(alertmanager, "--config.file", Path.Combine(_folder, "alertmanager.yml"), "--storage.path", Path.Combine(_folder, "am-data"),
            "--web.listen-address", $"127.0.0.1:{amPort}", "--cluster.listen-address=", "--log.level=warn");

        var promPort = FreePort();
        PrometheusUrl = $"http://127.0.0.1:{promPort}";
        File.WriteAllText(Path.Combine(_folder, "web.yml"), $"basic_auth_users:\n  {User}: '{PasswordHash}'\n");
        File.WriteAllText(Path.Combine(_folder, "rules.yml"), """
            groups:
              - name: test
                interval: 1s
                rules:
                  - alert: HighErrorRate
                    expr: sum by (service) (rate(http_requests_total{code="500"}[15s])) > 0.5
                    for: 0s
                    labels: { severity: page }
                    annotations: { summary: "5xx above 0.5/s" }
                  - alert: NeverSettles
                    expr: vector(1)
                    for: 1h
                    labels: { severity: ticket }
            """);
        File.WriteAllText(Path.Combine(_folder, "prometheus.yml"), $$"""
            global: { scrape_interval: 1s, evaluation_interval: 1s }
            rule_files: [ rules.yml ]
            alerting:
              alertmanagers: [ { static_configs: [ { targets: [ "127.0.0.1:{{amPort}}" ] } ] } ]
            scrape_configs:
              - job_name: app
                static_configs: [ { targets: [ "127.0.0.1:{{targetPort}}" ] } ]
            """);
        Start(prometheus, "--config.file", Path.Combine(_folder, "prometheus.yml"), "--storage.tsdb.path", Path.Combine(_folder, "prom-data"),
            "--web.listen-address", $"127.0.0.1:{promPort}", "--web.config.file", Path.Combine(_folder, "web.yml"), "--log.level=warn");

        await WaitUntilAsync(async () => (await GetAsync(PrometheusUrl + "/-/ready", auth: true)).IsSuccessStatusCode, "Prometheus to be ready");
        await WaitUntilAsync(async () => (await GetAsync(AlertmanagerUrl + "/-/ready", auth: false)).IsSuccessStatusCode, "Alertmanager to be ready");
    }

    /// <summary>Polls Prometheus until the query returns at least one sample: scrapes have landed, no sleeping on hope.</summary>
    public Task WaitForDataAsync(string query) => WaitUntilAsync(async () =>
    {
        using var response = await GetAsync($"{PrometheusUrl}/api/v1/query?query={Uri.EscapeDataString(query)}", auth: true);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return doc.RootElement.GetProperty("data").GetProperty("result").GetArrayLength() > 0;
    }, $"Prometheus to have data for {query}");

    /// <summary>Polls Alertmanager until it holds an alert with this name (Prometheus has sent it).</summary>
    public Task WaitForAlertmanagerAlertAsync(string name) => WaitUntilAsync(async () =>
    {
        using var response = await GetAsync($"{AlertmanagerUrl}/api/v2/alerts?filter={Uri.EscapeDataString($"alertname=\"{name}\"")}", auth: false);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return doc.RootElement.GetArrayLength() > 0;
    }, $"Alertmanager to receive {name}");

    /// <summary>A silence's state as Alertmanager reports it (active, expired, pending).</summary>
    public async Task<string?> SilenceStateAsync(string id)
    {
        using var response = await GetAsync($"{AlertmanagerUrl}/api/v2/silence/{id}", auth: false);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return doc.RootElement.GetProperty("status").GetProperty("state").GetString();
    }

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, int seconds = 90)
    {
        var deadline = Stopwatch.StartNew();
        Exception? last = null;
        while (deadline.Elapsed < TimeSpan.FromSeconds(seconds))
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or JsonException or TaskCanceledException or KeyNotFoundException or InvalidOperationException)
            {
                last = ex;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"gave up waiting for {what} after {seconds}s{(last is null ? string.Empty : ": " + last.Message)}");
    }

    private async Task<HttpResponseMessage> GetAsync(string url, bool auth)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (auth)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{Password}")));
        }

        return await Http.SendAsync(request);
    }

    private async Task ServeTargetAsync()
    {
        while (_target.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _target.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            var body = Encoding.UTF8.GetBytes(Exposition(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
            context.Response.ContentType = "text/plain; version=0.0.4";
            context.Response.ContentLength64 = body.Length;
            await context.Response.OutputStream.WriteAsync(body);
            context.Response.Close();
        }
    }

    /// <summary>The target's metrics at time <paramref name="ms"/>: every counter is base + rate × seconds since start, stamped with ms.</summary>
    private string Exposition(long ms)
    {
        var seconds = (ms - _origin) / 1000.0;
        var text = new StringBuilder();
        void Counter(string name, string labels, double perSecond) =>
            text.Append(CultureInfo.InvariantCulture, $"{name}{{{labels}}} {1000 + (perSecond * seconds)} {ms}\n");

        text.Append("# TYPE http_requests_total counter\n");
        Counter("http_requests_total", "service=\"checkout\",code=\"200\"", 9);
        Counter("http_requests_total", "service=\"checkout\",code=\"500\"", 1);
        Counter("http_requests_total", "service=\"search\",code=\"200\"", 4);
        Counter("http_requests_total", "service=\"search\",code=\"500\"", 0);
        text.Append("# TYPE http_request_duration_seconds histogram\n");
        Counter("http_request_duration_seconds_bucket", "service=\"checkout\",le=\"0.1\"", 5);
        Counter("http_request_duration_seconds_bucket", "service=\"checkout\",le=\"0.5\"", 9);
        Counter("http_request_duration_seconds_bucket", "service=\"checkout\",le=\"+Inf\"", 10);
        Counter("http_request_duration_seconds_sum", "service=\"checkout\"", 2.5);
        Counter("http_request_duration_seconds_count", "service=\"checkout\"", 10);
        return text.ToString();
    }

    private void Start(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _folder };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes.Add(process);
    }

    public async Task DisposeAsync()
    {
        foreach (var process in _processes)
        {
            try
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
            catch (InvalidOperationException)
            {
            }

            process.Dispose();
        }

        if (_target.IsListening)
        {
            _target.Stop();
        }

        _target.Close();
        Http.Dispose();
        if (_folder is not null)
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private static string? Which(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':').Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
