using Npgsql;

namespace Runbook.Execution.Journal.Postgres;

/// <summary>postgres:// URLs (as every other tool writes them) to Npgsql connection strings, and a display form without the password.</summary>
public static class ConnectionStrings
{
    public static (string ConnectionString, string Display) FromLocation(string location)
    {
        if (!location.StartsWith("postgres://", StringComparison.Ordinal) && !location.StartsWith("postgresql://", StringComparison.Ordinal))
        {
            var parsed = new NpgsqlConnectionStringBuilder(location);
            return (location, $"postgres://{parsed.Username}@{parsed.Host}:{parsed.Port}/{parsed.Database}");
        }

        if (!Uri.TryCreate(location, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            throw new JournalException($"'{Redact(location)}' is not a PostgreSQL URL; write postgres://user:password@host:5432/database");
        }

        var userInfo = uri.UserInfo.Split(':', 2);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.Port > 0 ? uri.Port : 5432,
            Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')) is { Length: > 0 } db ? db : "postgres",
            Username = userInfo.Length > 0 && userInfo[0].Length > 0 ? Uri.UnescapeDataString(userInfo[0]) : null,
            Password = userInfo.Length > 1 ? Uri.UnescapeDataString(userInfo[1]) : null,
        };
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            var key = Uri.UnescapeDataString(kv[0]);
            builder[key == "sslmode" ? "SSL Mode" : key] = kv.Length > 1 ? Uri.UnescapeDataString(kv[1]) : string.Empty;
        }

        return (builder.ConnectionString, $"postgres://{builder.Username}@{builder.Host}:{builder.Port}/{builder.Database}");
    }

    /// <summary>A connection string or URL with any password replaced by ***.</summary>
    public static string Redact(string text) =>
        System.Text.RegularExpressions.Regex.Replace(text, @"(://[^:/@]*:)[^@]*@|(Password=)[^;]*", m => m.Groups[1].Success ? m.Groups[1].Value + "***@" : m.Groups[2].Value + "***",
            System.Text.RegularExpressions.RegexOptions.IgnoreCase);
}
