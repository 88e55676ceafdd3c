using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using Runbook.Execution.Actions.Files;
using Runbook.Execution.Actions.Tls;
using StackExchange.Redis;

namespace Runbook.Execution.Actions.Redis;

/// <summary>
/// A Redis server from the step's secret input: <c>redis://[user:password@]host[:port][/db]</c>, or
/// <c>rediss://</c> for TLS (the server's certificate checked against the system's roots, or against a private CA
/// given as <c>ca_file</c>). Connects with StackExchange.Redis, fails fast when the server cannot be reached,
/// and turns the library's errors into one line naming the target without its password.
/// </summary>
internal sealed class RedisTarget
{
    private RedisTarget(string host, int port, int database, string? user, string? password, bool tls, TimeSpan timeout)
    {
        (Host, Port, Database, User, Password, Tls, Timeout) = (host, port, database, user, password, tls, timeout);
    }

    public string Host { get; }

    public int Port { get; }

    public int Database { get; }

    public string? User { get; }

    public string? Password { get; }

    public bool Tls { get; }

    public TimeSpan Timeout { get; }

    /// <summary>The private CA that rediss:// trusts instead of the system's roots; null for the system's.</summary>
    public X509Certificate2Collection? TrustedCas { get; private init; }

    private TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The target a redis.* step names: its connection, timeout and ca_file.</summary>
    public static RedisTarget? From(StepInvocation invocation, out string? problem)
    {
        var target = Parse(invocation.GetString("connection"), RedisTimeout.Of(invocation), out problem);
        if (target is null || invocation.GetString("ca_file") is not { } caFile)
        {
            return target;
        }

        if (!target.Tls)
        {
            problem = $"'ca_file' is given but {target.Display} is not TLS; write rediss:// to connect with TLS";
            return null;
        }

        try
        {
            return new RedisTarget(target.Host, target.Port, target.Database, target.User, target.Password, target.Tls, target.Timeout)
            {
                TrustedCas = TrustedCertificates.Read(caFile, invocation.Context.WorkingDirectory),
                Time = invocation.Context.Time,
            };
        }
        catch (ContainedFileException ex)
        {
            problem = ex.Message;
            return null;
        }
    }

    /// <summary>redis://user@host:port/db, never the password: what messages name.</summary>
    public string Display => $"{(Tls ? "rediss" : "redis")}://{(User is null ? string.Empty : User + "@")}{Host}:{Port}/{Database}";

    public static RedisTarget? Parse(string? connection, TimeSpan timeout, out string? problem)
    {
        problem = null;
        const string Form = "write redis://[user:password@]host:6379[/db], or rediss:// for TLS";
        if (string.IsNullOrWhiteSpace(connection))
        {
            problem = $"'connection' is empty; {Form}";
            return null;
        }

        if (!Uri.TryCreate(connection.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("redis" or "rediss") || string.IsNullOrEmpty(uri.Host))
        {
            problem = $"'connection' is not a Redis URL; {Form}";
            return null;
        }

        var path = uri.AbsolutePath.Trim('/');
        var database = 0;
        if (path.Length > 0 && (!int.TryParse(path, NumberStyles.None, CultureInfo.InvariantCulture, out database) || database > 15_999))
        {
            problem = $"the database in the Redis URL must be a number (/0, /2), not '/{Uri.UnescapeDataString(path)}'";
            return null;
        }

        // redis://:password@host (no user) and redis://user:password@host both occur; a lone word is a password (as redis-cli reads it).
        string? user = null, password = null;
        if (uri.UserInfo.Length > 0)
        {
            var parts = uri.UserInfo.Split(':', 2);
            (user, password) = parts.Length == 2
                ? (parts[0].Length > 0 ? Uri.UnescapeDataString(parts[0]) : null, Uri.UnescapeDataString(parts[1]))
                : (null, Uri.UnescapeDataString(parts[0]));
        }

        var host = uri.HostNameType == UriHostNameType.IPv6 ? uri.Host.Trim('[', ']') : uri.Host;
        return new RedisTarget(host, uri.Port > 0 ? uri.Port : 6379, database, user, password, uri.Scheme == "rediss", timeout);
    }

    /// <summary>A connection for one step; the caller disposes it.</summary>
    public async Task<ConnectionMultiplexer> ConnectAsync()
    {
        var milliseconds = (int)Math.Clamp(Timeout.TotalMilliseconds, 100, int.MaxValue);
        var options = new ConfigurationOptions
        {
            User = User,
            Password = Password,
            DefaultDatabase = Database,
            Ssl = Tls,
            SslHost = Tls ? Host : null,
            AbortOnConnectFail = true,
            ConnectRetry = 1,
            ConnectTimeout = milliseconds,
            SyncTimeout = milliseconds,
            AsyncTimeout = milliseconds,
            AllowAdmin = true, // the action's own rule decides what may be sent, not the library's admin list
            ClientName = "runbook",
            IncludeDetailInExceptions = false,

            // Off: the library's tie-breaker GET and configuration-channel subscription would count as a keyspace
            // miss and a client on the server being inspected, skewing the hit rate redis.info reports.
            TieBreaker = string.Empty,
            ConfigurationChannel = string.Empty,
        };
        if (TrustedCas is { } cas)
        {
            options.CertificateValidation += (_, certificate, chain, errors) => TrustedCertificates.Accepts(certificate, chain, errors, cas, Time);
        }

        options.EndPoints.Add(Host, Port);
        return await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false);
    }

    /// <summary>One line for a failure to connect or to run a command, naming the target and the fix, with the password scrubbed.</summary>
    public string Describe(string action, Exception ex)
    {
        var detail = Scrub(ex.Message.Split('\n')[0].Trim());
        if (Tls && Causes(ex).OfType<global::System.Security.Authentication.AuthenticationException>().FirstOrDefault() is { } handshake)
        {
            return TrustedCas is null
                ? $"{action}: the TLS handshake with {Display} failed ({Scrub(handshake.Message)}); check that the server's certificate is valid for {Host} and trusted by this machine (a private CA: give its certificate as ca_file)"
                : $"{action}: the TLS handshake with {Display} failed ({Scrub(handshake.Message)}); check that the server's certificate is valid for {Host} and issued by the CA in ca_file";
        }

        return ex switch
        {
            RedisConnectionException { FailureType: ConnectionFailureType.AuthenticationFailure } =>
                $"{action}: {Display} refused the credentials; check the user and password in the connection secret",
            RedisConnectionException when detail.Contains("NOAUTH", StringComparison.Ordinal) || detail.Contains("WRONGPASS", StringComparison.Ordinal) =>
                $"{action}: {Display} refused the credentials; check the user and password in the connection secret",
            RedisConnectionException or RedisTimeoutException or TimeoutException =>
                $"{action}: cannot reach Redis at {Display} ({detail}); check the host, port and TLS (rediss://), and that the server accepts connections from here",
            RedisServerException =>
                $"{action}: {Display} answered: {detail}",
            _ => $"{action}: {Display}: {detail}",
        };
    }

    private static IEnumerable<Exception> Causes(Exception ex)
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            yield return e;
        }
    }

    public string Scrub(string text) =>
        string.IsNullOrEmpty(Password) ? text : text.Replace(Password, "***", StringComparison.Ordinal);
}
