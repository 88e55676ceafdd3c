using System.Text;
using Npgsql;
using Runbook.Execution.Journal.Postgres;

namespace Runbook.Execution.Actions.Postgres;

/// <summary>
/// A PostgreSQL server as pg_dump and pg_restore reach it: the connection from the step's secret input (a
/// postgres:// URL or key=value), turned into libpq environment variables and a 0600 passfile. The password
/// never goes on a command line, where <c>ps</c> would show it to every user of the machine.
/// </summary>
internal sealed class PostgresTarget
{
    private PostgresTarget(NpgsqlConnectionStringBuilder builder, string display)
    {
        Builder = builder;
        Display = display;
    }

    public NpgsqlConnectionStringBuilder Builder { get; }

    /// <summary>postgres://user@host:port/db, without the password: what messages and logs name.</summary>
    public string Display { get; }

    public string Database => Builder.Database ?? "postgres";

    public string? Password => Builder.Password;

    /// <summary>The target, or null with the reason (never holding the password) when the text is not a connection.</summary>
    public static PostgresTarget? Parse(string? connection, string? database, out string? problem)
    {
        problem = null;
        if (string.IsNullOrWhiteSpace(connection))
        {
            problem = "'connection' is empty; pass a postgres://user:password@host:5432/db URL from a secret input";
            return null;
        }

        try
        {
            var (text, _) = ConnectionStrings.FromLocation(connection);
            var builder = new NpgsqlConnectionStringBuilder(text) { Pooling = false, ApplicationName = "runbook" };
            if (!string.IsNullOrEmpty(database))
            {
                builder.Database = database;
            }

            builder.Database ??= "postgres";
            return new PostgresTarget(builder, $"postgres://{builder.Username}@{builder.Host}:{builder.Port}/{builder.Database}");
        }
        catch (Exception ex) when (ex is ArgumentException or Journal.JournalException or FormatException)
        {
            problem = $"'connection' is not a PostgreSQL URL or key=value connection string ({ConnectionStrings.Redact(Scrub(ex.Message, connection))}); write postgres://user:password@host:5432/db";
            return null;
        }
    }

    /// <summary>The server's major version (16 for 16.4), which picks the matching pg_dump; also proves the connection and credentials work.</summary>
    public async Task<int> ServerMajorVersionAsync(CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(Builder.ConnectionString) { Timeout = Math.Min(Builder.Timeout, 15) };
        await using var source = new NpgsqlSlimDataSourceBuilder(builder.ConnectionString).Build();
        await using var connection = await source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return connection.PostgreSqlVersion.Major;
    }

    /// <summary>
    /// The libpq environment for pg_dump/pg_restore: host, port, user, database, TLS mode, and PGPASSFILE naming a
    /// file only this user can read. PGPASSWORD from the engine's own environment is removed, so only this target's
    /// credentials apply.
    /// </summary>
    public Dictionary<string, string?> Environment(string passFile)
    {
        var env = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["PGHOST"] = Builder.Host,
            ["PGPORT"] = Builder.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["PGUSER"] = Builder.Username,
            ["PGDATABASE"] = Database,
            ["PGAPPNAME"] = "runbook",
            ["PGCONNECT_TIMEOUT"] = "15",
            ["PGPASSFILE"] = passFile,
            ["PGPASSWORD"] = null,
            ["PGSERVICE"] = null,
        };
        if (Builder.SslMode != SslMode.Prefer)
        {
            env["PGSSLMODE"] = Builder.SslMode switch
            {
                SslMode.Disable => "disable",
                SslMode.Allow => "allow",
                SslMode.Require => "require",
                SslMode.VerifyCA => "verify-ca",
                SslMode.VerifyFull => "verify-full",
                _ => "prefer",
            };
        }

        return env;
    }

    /// <summary>Writes a libpq passfile (mode 0600, created so) holding the password for any host, port, database and user.</summary>
    public void WritePassFile(string path)
    {
        var line = "*:*:*:*:" + Escape(Password ?? string.Empty) + "\n";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var stream = new FileStream(path, options);
        stream.Write(Encoding.UTF8.GetBytes(line));
    }

    /// <summary>Text from a program or library with this target's password taken out, for messages and logs.</summary>
    public string Scrub(string text) => Scrub(text, Password);

    private static string Scrub(string text, string? secret) =>
        string.IsNullOrEmpty(secret) ? text : text.Replace(secret, "***", StringComparison.Ordinal);

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace(":", "\\:", StringComparison.Ordinal);
}
