using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Runbook.Execution.Tests.Support;

/// <summary>
/// A throwaway PostgreSQL cluster that checks passwords (scram-sha-256 over TCP), for the backup and restore
/// tests: pg_dump must get the password some way other than its command line, and a wrong one must be refused.
/// The password holds ':' and '\', which a libpq passfile must escape. As root the server runs as postgres.
/// </summary>
public sealed class PasswordPostgresCluster : IAsyncLifetime
{
    /// <summary>The superuser's password: ':' and '\' test the passfile's escaping, '@' and '/' the URL's.</summary>
    public const string Password = "pw:with\\odd@chars/Zq7";

    private string? _folder;

    public string? Unavailable { get; private set; }

    public string? Bin { get; private set; }

    public int Port { get; private set; }

    public int MajorVersion => int.Parse(Path.GetFileName(Path.GetDirectoryName(Bin!))!, System.Globalization.CultureInfo.InvariantCulture);

    public string ConnectionString(string database = "postgres") =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Password={Password.Replace(";", ";;", StringComparison.Ordinal)};Database={database};Pooling=false";

    public string Url(string database, string password = Password) =>
        $"postgres://postgres:{Uri.EscapeDataString(password)}@127.0.0.1:{Port}/{database}";

    public bool Ready() => Runbook.Tests.TestDependency.Require("PostgreSQL", Unavailable, Runbook.Tests.TestDependency.InstallAll);

    public async Task<string> CreateDatabaseAsync(string? sql = null)
    {
        var name = "t" + Guid.NewGuid().ToString("N")[..12];
        await ExecuteAsync("postgres", $"CREATE DATABASE {name}");
        if (sql is not null)
        {
            await ExecuteAsync(name, sql);
        }

        return name;
    }

    public async Task ExecuteAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Every row of a query, each as text, in the order the query gives.</summary>
    public async Task<List<string>> RowsAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(string.Join("|", Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "NULL" : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture))));
        }

        return rows;
    }

    public async Task InitializeAsync()
    {
        Bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb"))).Order().LastOrDefault()
            : null;
        if (Bin is null)
        {
            Unavailable = "no initdb under /usr/lib/postgresql (Debian's postgresql package is not installed)";
            return;
        }

        if (IsRoot && !File.ReadLines("/etc/passwd").Any(line => line.StartsWith("postgres:", StringComparison.Ordinal)))
        {
            Unavailable = "there is no postgres user to run the server as (root may not)";
            return;
        }

        _folder = Directory.CreateTempSubdirectory("runbook-pgpw-").FullName;
        var data = Path.Combine(_folder, "data");
        var pwfile = Path.Combine(_folder, "pw");
        await File.WriteAllTextAsync(pwfile, Password + "\n");
        Port = FreePort();
        using (var chmod = Process.Start("chmod", ["-R", "777", _folder]))
        {
            await chmod.WaitForExitAsync();
        }

        await RunAsPostgres(Path.Combine(Bin, "initdb"), "-D", data, "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256",
            $"--pwfile={pwfile}", "-E", "UTF8", "--no-sync");
        await RunAsPostgres(Path.Combine(Bin, "pg_ctl"), "-D", data, "-l", Path.Combine(_folder, "log"), "-w", "-t", "60",
            "-o", $"-p {Port} -k {_folder} -c listen_addresses=127.0.0.1 -c fsync=off", "start");
    }

    public async Task DisposeAsync()
    {
        if (Bin is not null && _folder is not null && Directory.Exists(Path.Combine(_folder, "data")))
        {
            await RunAsPostgres(Path.Combine(Bin, "pg_ctl"), "-D", Path.Combine(_folder, "data"), "-m", "immediate", "-w", "stop");
        }

        if (_folder is not null)
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private static bool IsRoot => Environment.UserName == "root";

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

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
