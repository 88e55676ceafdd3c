using System.Globalization;
using Npgsql;
using Runbook.Execution.Tests.Support;

namespace Runbook.Tests.Library;

/// <summary>
/// The real programs library cases name in <c>peers:</c>, each started the first time a case of the test class needs
/// it and kept until the class ends: a throwaway PostgreSQL cluster, redis-server, Prometheus with Alertmanager
/// (<see cref="MetricsStack"/>) and the demo HTTP service. Each case gets its own part of them, so cases can run at
/// the same time: a fresh database, one of Redis's 16 databases (emptied, held until the case ends), and an http
/// tenant (healthy, nothing recorded). A peer that cannot start fails the case naming the command that installs it.
/// </summary>
public sealed class LibraryPeers : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly SemaphoreSlim _redisDatabases = new(16, 16);
    private readonly bool[] _redisInUse = new bool[16];
    private PostgresCluster? _postgres;
    private RedisServer? _redis;
    private MetricsStack? _metrics;
    private DemoHttpService? _http;

    /// <summary>Starts what <paramref name="peers"/> names and is not running yet, and gives one case its part of each.</summary>
    public async Task<CasePeers> PrepareAsync(IReadOnlyCollection<string> peers)
    {
        await StartAsync(peers);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        DemoHttpService.Tenant? tenant = null;
        int? redisDatabase = null;
        string? database = null;
        if (peers.Contains("http"))
        {
            tenant = _http!.NewTenant();
            values["http.url"] = tenant.Url;
        }

        if (peers.Contains("postgres"))
        {
            database = await _postgres!.CreateDatabaseAsync();
            if (database.Length > Placeholders.DatabaseNameLength)
            {
                // the case files' derived names (${postgres.database}_dr) were checked against this length
                throw new InvalidOperationException($"the case database '{database}' is longer than Placeholders.DatabaseNameLength ({Placeholders.DatabaseNameLength}); raise it there");
            }

            values["postgres.url"] = _postgres.Url(database);
            values["postgres.database"] = database;
        }

        if (peers.Contains("redis"))
        {
            redisDatabase = await TakeRedisDatabaseAsync();
            await _redis!.CliAsync("-n", redisDatabase.Value.ToString(CultureInfo.InvariantCulture), "FLUSHDB");
            values["redis.url"] = _redis.Url(redisDatabase.Value);
        }

        if (peers.Contains("prometheus") || peers.Contains("alertmanager"))
        {
            values["prometheus.url"] = _metrics!.PrometheusUrl;
            values["prometheus.user"] = MetricsStack.User;
            values["prometheus.password"] = MetricsStack.Password;
            values["alertmanager.url"] = _metrics.AlertmanagerUrl;
        }

        return new CasePeers(this, values, tenant, redisDatabase, database);
    }

    private async Task StartAsync(IReadOnlyCollection<string> peers)
    {
        await _gate.WaitAsync();
        try
        {
            if (peers.Contains("http"))
            {
                _http ??= DemoHttpService.Start();
            }

            if (peers.Contains("postgres"))
            {
                if (_postgres is null)
                {
                    _postgres = new PostgresCluster();
                    await _postgres.InitializeAsync();
                }

                _postgres.Ready();
            }

            if (peers.Contains("redis"))
            {
                if (_redis is null)
                {
                    _redis = new RedisServer();
                    await _redis.InitializeAsync();
                }

                _redis.Ready();
            }

            if (peers.Contains("prometheus") || peers.Contains("alertmanager"))
            {
                if (_metrics is null)
                {
                    _metrics = new MetricsStack();
                    await _metrics.InitializeAsync();
                    if (_metrics.Unavailable is null)
                    {
                        await _metrics.WaitForDataAsync("http_requests_total");
                    }
                }

                _metrics.Ready();
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<int> TakeRedisDatabaseAsync()
    {
        await _redisDatabases.WaitAsync();
        lock (_redisInUse)
        {
            var free = Array.IndexOf(_redisInUse, false);
            _redisInUse[free] = true;
            return free;
        }
    }

    internal void ReleaseRedisDatabase(int database)
    {
        lock (_redisInUse)
        {
            _redisInUse[database] = false;
        }

        _redisDatabases.Release();
    }

    internal async Task<string> SessionsAsync(string database)
    {
        await using var connection = new NpgsqlConnection(_postgres!.ConnectionString(database));
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("select count(*) from pg_stat_activity where datname = current_database()", connection);
        return $"postgres {_postgres.Url(database)}: {Convert.ToString(await count.ExecuteScalarAsync(), CultureInfo.InvariantCulture)} sessions on the case's database";
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
        _redisDatabases.Dispose();
    }
}

/// <summary>One case's part of the peers: the placeholders' values, its http tenant, its Redis database.</summary>
public sealed class CasePeers(LibraryPeers peers, IReadOnlyDictionary<string, string> values, DemoHttpService.Tenant? http, int? redisDatabase, string? database) : IDisposable
{
    private bool _released;

    public IReadOnlyDictionary<string, string> Values { get; } = values;

    public DemoHttpService.Tenant? Http { get; } = http;

    /// <summary>Applies a case's <c>break:</c> before its run.</summary>
    public void Break(IReadOnlyDictionary<string, string> breaks)
    {
        foreach (var (what, how) in breaks)
        {
            if (what == "http" && how == "fail")
            {
                Http!.Failing = true;
            }
        }
    }

    /// <summary>What the case's part of the peers holds after its run, for a failure message.</summary>
    public async Task<string> DescribeAsync()
    {
        var lines = new List<string>();
        if (Http is not null)
        {
            lines.Add($"http peer {Http.Url}: {(Http.Failing ? "failing" : "ready")}; requests it recorded:");
            lines.AddRange(Http.Requests.Select(r => "  " + r));
        }

        if (database is not null)
        {
            lines.Add(await peers.SessionsAsync(database));
        }

        if (redisDatabase is { } db)
        {
            lines.Add($"redis database {db}");
        }

        return string.Join('\n', lines);
    }

    public void Dispose()
    {
        if (!_released && redisDatabase is { } db)
        {
            _released = true;
            peers.ReleaseRedisDatabase(db);
        }
    }
}
