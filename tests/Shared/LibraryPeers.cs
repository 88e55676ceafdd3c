using System.Globalization;
using Npgsql;
using Runbook.Execution.Tests.Support;

namespace Runbook.Tests.Library;

/// <summary>
/// The real programs library cases name in <c>peers:</c>, each started the first time a case of the test class needs
/// it and kept until the class ends: a throwaway PostgreSQL cluster (a fresh database per case), redis-server
/// (emptied per case), Prometheus with Alertmanager (<see cref="MetricsStack"/>) and the demo HTTP service (healthy
/// and with nothing recorded at the start of each case). A peer that cannot start fails the case naming the command
/// that installs it.
/// </summary>
public sealed class LibraryPeers : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private PostgresCluster? _postgres;
    private RedisServer? _redis;
    private MetricsStack? _metrics;
    private DemoHttpService? _http;

    public DemoHttpService? Http => _http;

    /// <summary>Starts what <paramref name="peers"/> names and is not running yet, prepares each for a new case, and returns the placeholders' values.</summary>
    public async Task<IReadOnlyDictionary<string, string>> PrepareAsync(IReadOnlyCollection<string> peers)
    {
        await _gate.WaitAsync();
        try
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            if (peers.Contains("http"))
            {
                _http ??= DemoHttpService.Start();
                _http.Reset();
                values["http.url"] = _http.Url;
            }

            if (peers.Contains("postgres"))
            {
                if (_postgres is null)
                {
                    _postgres = new PostgresCluster();
                    await _postgres.InitializeAsync();
                }

                _postgres.Ready();
                var database = await _postgres.CreateDatabaseAsync();
                values["postgres.url"] = _postgres.Url(database);
                values["postgres.database"] = database;
            }

            if (peers.Contains("redis"))
            {
                if (_redis is null)
                {
                    _redis = new RedisServer();
                    await _redis.InitializeAsync();
                }

                _redis.Ready();
                await _redis.CliAsync("FLUSHALL");
                values["redis.url"] = _redis.Url();
            }

            if (peers.Contains("prometheus") || peers.Contains("alertmanager"))
            {
                if (_metrics is null)
                {
                    _metrics = new MetricsStack();
                    await _metrics.InitializeAsync();
                }

                _metrics.Ready();
                await _metrics.WaitForDataAsync("http_requests_total");
                values["prometheus.url"] = _metrics.PrometheusUrl;
                values["prometheus.user"] = MetricsStack.User;
                values["prometheus.password"] = MetricsStack.Password;
                values["alertmanager.url"] = _metrics.AlertmanagerUrl;
            }

            return values;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Applies a case's <c>break:</c> before its run.</summary>
    public void Break(IReadOnlyDictionary<string, string> breaks)
    {
        foreach (var (what, how) in breaks)
        {
            if (what == "http" && how == "fail")
            {
                _http!.Failing = true;
            }
        }
    }

    /// <summary>What the peers hold after a run, for a failure message.</summary>
    public async Task<string> DescribeAsync(IReadOnlyDictionary<string, string> values)
    {
        var lines = new List<string>();
        if (_http is not null)
        {
            lines.Add($"http peer {_http.Url}: {(_http.Failing ? "failing" : "ready")}; requests it recorded:");
            lines.AddRange(_http.Requests.Select(r => "  " + r));
        }

        if (_postgres is not null && values.TryGetValue("postgres.database", out var database))
        {
            await using var connection = new NpgsqlConnection(_postgres.ConnectionString(database));
            await connection.OpenAsync();
            await using var count = new NpgsqlCommand("select count(*) from pg_stat_activity", connection);
            lines.Add($"postgres {_postgres.Url(database)}: {Convert.ToString(await count.ExecuteScalarAsync(), CultureInfo.InvariantCulture)} sessions");
        }

        return string.Join('\n', lines);
    }

    public async ValueTask DisposeAsync()
    {
        if (_http is not null)
        {
            await _http.DisposeAsync();
        }

        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }

        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }

        if (_metrics is not null)
        {
            await _metrics.DisposeAsync();
        }

        _gate.Dispose();
    }
}
