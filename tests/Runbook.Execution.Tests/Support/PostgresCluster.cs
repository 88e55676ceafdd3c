using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Runbook.Execution.Tests.Support;

/// <summary>
/// A throwaway PostgreSQL cluster for the tests that need the real server: initdb into a temp folder, a
/// free loopback port, removed at the end. As root the server runs as the postgres user. Without PostgreSQL
/// the tests that need it fail, naming the command that installs it (<see cref="Runbook.Tests.TestDependency"/>).
/// </summary>
public sealed class PostgresCluster : IAsyncLifetime
{
    private string? _folder;
    private string? _bin;

    public string? Unavailable { get; private set; }

    public int Port { get; private set; }

    public string ConnectionString(string database = "postgres") =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Pooling=false";

    public string Url(string database) => $"postgres://postgres@127.0.0.1:{Port}/{database}";

    /// <summary>A fresh, empty database for one test.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = "t" + Guid.NewGuid().ToString("N")[..12];
        await using var connection = new NpgsqlConnection(ConnectionString());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await command.ExecuteNonQueryAsync();
        return name;
    }

    /// <summary>Call first in every test that needs the server: true, or the test fails saying how to install PostgreSQL.</summary>
    public bool Ready() => Runbook.Tests.TestDependency.Require("PostgreSQL", Unavailable, Runbook.Tests.TestDependency.InstallAll);

    public async Task InitializeAsync()
    {
        _bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb"))).Order().LastOrDefault()
            : null;
        if (_bin is null)
        {
            Unavailable = "no initdb under /usr/lib/postgresql (Debian's postgresql package is not installed)";
            return;
        }

        if (IsRoot && !UserExists("postgres"))
        {
            Unavailable = "there is no postgres user to run the server as (root may not)";
            return;
        }

        _folder = Directory.CreateTempSubdirectory("runbook-pg-").FullName;
        var data = Path.Combine(_folder, "data");
        Port = FreePort();
        Run("chmod", "777", _folder);
        await RunAsPostgres(Path.Combine(_bin, "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync");
        await RunAsPostgres(Path.Combine(_bin, "pg_ctl"), "-D", data, "-l", Path.Combine(_folder, "log"), "-w", "-t", "60",
            "-o", $"-p {Port} -k {_folder} -c listen_addresses=127.0.0.1 -c fsync=off", "start");
    }

    public async Task DisposeAsync()
    {
        if (_bin is not null && _folder is not null && Directory.Exists(Path.Combine(_folder, "data")))
        {
            await RunAsPostgres(Path.Combine(_bin, "pg_ctl"), "-D", Path.Combine(_folder, "data"), "-m", "immediate", "-w", "stop");
        }

        if (_folder is not null)
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private static bool IsRoot => Environment.UserName == "root";

    private static bool UserExists(string name) =>
        File.ReadLines("/etc/passwd").Any(line => line.StartsWith(name + ":", StringComparison.Ordinal));

    private static async Task RunAsPostgres(string program, params string[] args)
    {
        var (file, all) = IsRoot ? ("runuser", (string[])["-u", "postgres", "--", program, .. args]) : (program, args);
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in all)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} failed ({process.ExitCode}): {error}");
        }
    }

    private static void Run(string program, params string[] args)
    {
        using var process = Process.Start(program, args);
        process.WaitForExit();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresCluster>
{
    public const string Name = "PostgreSQL";
}
