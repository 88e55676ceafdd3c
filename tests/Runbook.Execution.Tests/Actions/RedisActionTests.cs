using Runbook.Execution.Actions;
using Runbook.Execution.Actions.Redis;
using Runbook.Execution.Tests.Support;
using Runbook.Tests;

namespace Runbook.Execution.Tests.Actions;

/// <summary>
/// redis.info, redis.command and redis.delete_keys against a real redis-server with a password: typed INFO
/// numbers, a command's items as single arguments, read-only steps that refuse a mutating command before it is
/// sent, pattern deletion by SCAN (checked in the server's own command statistics), and errors that name the
/// target without the password.
/// </summary>
[CollectionDefinition(Name)]
public sealed class RedisCollection : ICollectionFixture<RedisServer>
{
    public const string Name = "Redis";
}

[Collection(RedisCollection.Name)]
public sealed class RedisActionTests(RedisServer redis)
{
    private static Task<StepOutcome> RunAsync(IStepAction action, Dictionary<string, object?> arguments)
    {
        using var ctx = new ActionContext();
        return action.ExecuteAsync(ctx.Invocation(action.Name, arguments), CancellationToken.None).AsTask();
    }

    private Task<StepOutcome> CommandAsync(int database, bool mutates, params object?[] command) =>
        RunAsync(new RedisCommandAction(), new() { ["connection"] = redis.Url(database), ["command"] = command.ToList(), ["__mutates"] = mutates });

    /// <summary>Each test works in a database of its own (1-15), so tests in parallel never see each other's keys.</summary>
    private static int Db(int n) => n;

    [Fact]
    public async Task Info_gives_hit_rate_memory_and_clients_as_typed_numbers()
    {
        if (!redis.Ready())
        {
            return;
        }

        await redis.CliAsync("-n", "1", "SET", "info:a", "1");
        await redis.CliAsync("CONFIG", "RESETSTAT");
        await redis.CliAsync("-n", "1", "GET", "info:a");
        await redis.CliAsync("-n", "1", "GET", "info:a");
        await redis.CliAsync("-n", "1", "GET", "info:a");
        await redis.CliAsync("-n", "1", "GET", "info:missing");

        var info = Assert.IsType<Succeeded>(await RunAsync(new RedisInfoAction(), new() { ["connection"] = redis.Url(Db(1)) }));

        Assert.Equal(3L, info.Outputs["keyspace_hits"]);
        Assert.Equal(1L, info.Outputs["keyspace_misses"]);
        Assert.Equal(0.75, info.Outputs["hit_rate"]);
        Assert.IsType<long>(info.Outputs["used_memory"]);
        Assert.Equal(0L, info.Outputs["maxmemory"]);
        Assert.Null(info.Outputs["memory_ratio"]);
        Assert.Equal("noeviction", info.Outputs["maxmemory_policy"]);
        Assert.IsType<long>(info.Outputs["connected_clients"]);
        Assert.Equal("master", info.Outputs["role"]);
        var keyspace = Assert.IsType<Dictionary<string, object?>>(info.Outputs["keyspace"]);
        Assert.Equal(1L, Assert.IsType<Dictionary<string, object?>>(keyspace["db1"])["keys"]);
        var sections = Assert.IsType<Dictionary<string, object?>>(info.Outputs["sections"]);
        Assert.IsType<long>(Assert.IsType<Dictionary<string, object?>>(sections["memory"])["used_memory_rss"]);
        Assert.All(info.Outputs.Keys, key => Assert.NotNull(Runbook.Language.Actions.BuiltinActions.All.Single(a => a.Name == "redis.info").FindOutput(key)));
    }

    [Fact]
    public async Task Info_counts_the_keys_a_full_cache_evicted()
    {
        await using var small = await RedisServer.StartAsync("--maxmemory", "2mb", "--maxmemory-policy", "allkeys-lru");
        if (!small.Ready())
        {
            return;
        }

        var value = new string('x', 10_000);
        for (var i = 0; i < 400; i++)
        {
            await RunAsync(new RedisCommandAction(), new() { ["connection"] = small.Url(), ["command"] = new List<object?> { "SET", $"big:{i}", value }, ["__mutates"] = true });
        }

        var info = Assert.IsType<Succeeded>(await RunAsync(new RedisInfoAction(), new() { ["connection"] = small.Url() }));

        Assert.True((long)info.Outputs["evicted_keys"]! > 0, $"evicted_keys = {info.Outputs["evicted_keys"]}");
        Assert.Equal(2L * 1024 * 1024, info.Outputs["maxmemory"]);
        Assert.IsType<double>(info.Outputs["memory_ratio"]);
        Assert.Equal("allkeys-lru", info.Outputs["maxmemory_policy"]);
    }

    [Fact]
    public async Task Each_item_of_a_command_is_one_argument_so_a_hostile_value_stays_a_value()
    {
        if (!redis.Ready())
        {
            return;
        }

        const string hostile = "x\r\nFLUSHALL\r\n*1\r\n$8\r\nFLUSHALL\r\n DEL canary";
        await redis.CliAsync("-n", "2", "SET", "canary", "alive");

        var set = await CommandAsync(Db(2), true, "SET", "hostile", hostile);
        var get = Assert.IsType<Succeeded>(await CommandAsync(Db(2), false, "GET", "hostile"));

        Assert.Equal("OK", Assert.IsType<Succeeded>(set).Outputs["result"]);
        Assert.Equal(hostile, get.Outputs["result"]);
        Assert.Equal("alive", await redis.CliAsync("-n", "2", "GET", "canary"));
    }

    [Fact]
    public async Task Replies_come_back_typed_integers_lists_and_nil()
    {
        if (!redis.Ready())
        {
            return;
        }

        await redis.CliAsync("-n", "3", "RPUSH", "list", "a", "b");

        Assert.Equal(2L, Assert.IsType<Succeeded>(await CommandAsync(Db(3), false, "LLEN", "list")).Outputs["result"]);
        Assert.Equal(new List<object?> { "a", "b" }, Assert.IsType<Succeeded>(await CommandAsync(Db(3), false, "LRANGE", "list", 0L, -1L)).Outputs["result"]);
        Assert.Null(Assert.IsType<Succeeded>(await CommandAsync(Db(3), false, "GET", "nothing")).Outputs["result"]);
        Assert.Equal(-2L, Assert.IsType<Succeeded>(await CommandAsync(Db(3), false, "TTL", "nothing")).Outputs["result"]);
    }

    [Theory]
    [InlineData("DEL")]
    [InlineData("del")]
    [InlineData("UNLINK")]
    [InlineData("EXPIRE")]
    public async Task A_mutating_command_in_a_read_only_step_is_refused_before_it_is_sent(string verb)
    {
        if (!redis.Ready())
        {
            return;
        }

        await redis.CliAsync("-n", "4", "SET", "kept", "v");

        var failed = Assert.IsType<Failed>(await CommandAsync(Db(4), false, verb, "kept", "1"));

        Assert.Equal($"redis.command: {verb.ToUpperInvariant()} changes data, and this step is read-only (an assess or gather step, or 'mutates: false'); refused before anything was sent", failed.Error);
        Assert.Equal("v", await redis.CliAsync("-n", "4", "GET", "kept"));
        Assert.Equal("-1", await redis.CliAsync("-n", "4", "TTL", "kept"));
    }

    [Fact]
    public async Task A_config_set_computed_at_run_time_is_refused_in_a_read_only_step()
    {
        if (!redis.Ready())
        {
            return;
        }

        var failed = Assert.IsType<Failed>(await CommandAsync(Db(0), false, "config", "set", "maxmemory", "1"));

        Assert.StartsWith("redis.command: CONFIG changes data", failed.Error);
        Assert.Equal("0", (await redis.CliAsync("CONFIG", "GET", "maxmemory")).Split('\n')[^1].Trim());
    }

    [Fact]
    public async Task An_error_reply_fails_the_step_in_one_line_with_the_server_s_words()
    {
        if (!redis.Ready())
        {
            return;
        }

        await redis.CliAsync("-n", "14", "SET", "name", "not a number");

        var failed = Assert.IsType<Failed>(await CommandAsync(Db(14), true, "INCR", "name"));

        Assert.Equal($"redis.command: redis://127.0.0.1:{redis.Port}/14 answered: ERR value is not an integer or out of range", failed.Error);
        Assert.False(failed.Retryable);
    }

    [Fact]
    public async Task Keys_is_never_sent_even_by_a_mutating_step()
    {
        if (!redis.Ready())
        {
            return;
        }

        var failed = Assert.IsType<Failed>(await CommandAsync(Db(5), true, "KEYS", "*"));

        Assert.StartsWith("redis.command: KEYS is never sent: KEYS walks every key", failed.Error);
    }

    [Fact]
    public async Task Delete_keys_removes_only_the_matching_keys_with_scan_and_unlink_never_keys()
    {
        if (!redis.Ready())
        {
            return;
        }

        for (var i = 0; i < 1234; i += 200)
        {
            await redis.CliAsync(["-n", "6", "MSET", .. Enumerable.Range(i, Math.Min(200, 1234 - i)).SelectMany(n => new[] { $"session:{n}", "v" })]);
        }

        await redis.CliAsync("-n", "6", "MSET", "sessions-index", "keep", "user:1", "keep", "session", "keep");
        var keysBefore = CommandCalls(await redis.CliAsync("INFO", "commandstats"), "keys");

        var deleted = Assert.IsType<Succeeded>(await RunAsync(new RedisDeleteKeysAction(), new()
        {
            ["connection"] = redis.Url(Db(6)),
            ["pattern"] = "session:*",
            ["batch_size"] = 100L,
            ["__mutates"] = true,
        }));

        Assert.Equal(1234L, deleted.Outputs["deleted"]);
        Assert.Equal("3", await redis.CliAsync("-n", "6", "DBSIZE"));
        var stats = await redis.CliAsync("INFO", "commandstats");
        Assert.Equal(keysBefore, CommandCalls(stats, "keys"));
        Assert.True(CommandCalls(stats, "scan") >= 12, stats);
        Assert.True(CommandCalls(stats, "unlink") >= 12, stats);
    }

    [Fact]
    public async Task A_dry_run_counts_the_keys_that_would_go_and_deletes_none()
    {
        if (!redis.Ready())
        {
            return;
        }

        await redis.CliAsync("-n", "7", "MSET", "cache:a", "1", "cache:b", "2", "cache:c", "3", "other", "4");
        using var ctx = new ActionContext();

        var preview = await new RedisDeleteKeysAction().PreviewAsync(ctx.Invocation("redis.delete_keys", new Dictionary<string, object?>
        {
            ["connection"] = redis.Url(Db(7)),
            ["pattern"] = "cache:*",
        }), CancellationToken.None);

        Assert.Equal($"would delete 3 keys matching 'cache:*' in redis://127.0.0.1:{redis.Port}/7", preview.Description);
        Assert.Equal("4", await redis.CliAsync("-n", "7", "DBSIZE"));
    }

    [Fact]
    public async Task More_matching_keys_than_max_keys_fails_and_deletes_nothing()
    {
        if (!redis.Ready())
        {
            return;
        }

        await redis.CliAsync("-n", "8", "MSET", "tmp:a", "1", "tmp:b", "2", "tmp:c", "3");

        var failed = Assert.IsType<Failed>(await RunAsync(new RedisDeleteKeysAction(), new()
        {
            ["connection"] = redis.Url(Db(8)),
            ["pattern"] = "tmp:*",
            ["max_keys"] = 2L,
            ["__mutates"] = true,
        }));

        Assert.Equal($"redis.delete_keys: 3 keys match 'tmp:*' in redis://127.0.0.1:{redis.Port}/8, more than max_keys (2); nothing was deleted", failed.Error);
        Assert.Equal("3", await redis.CliAsync("-n", "8", "DBSIZE"));
    }

    [Theory]
    [InlineData("*")]
    [InlineData("**")]
    [InlineData("")]
    public async Task A_pattern_matching_every_key_is_refused(string pattern)
    {
        var failed = Assert.IsType<Failed>(await RunAsync(new RedisDeleteKeysAction(), new()
        {
            ["connection"] = "redis://127.0.0.1:1/0",
            ["pattern"] = pattern,
            ["__mutates"] = true,
        }));

        Assert.Contains("matches every key; to empty the database use redis.command [FLUSHDB] with an approval", failed.Error);
    }

    [Fact]
    public async Task A_wrong_password_is_refused_in_one_line_without_the_password()
    {
        if (!redis.Ready())
        {
            return;
        }

        var failed = Assert.IsType<Failed>(await RunAsync(new RedisInfoAction(), new() { ["connection"] = redis.Url(0, "Wrong-Secret-77") }));

        Assert.Equal($"redis.info: redis://127.0.0.1:{redis.Port}/0 refused the credentials; check the user and password in the connection secret", failed.Error);
    }

    [Fact]
    public async Task An_unreachable_server_fails_naming_the_target_and_what_to_check_without_the_password()
    {
        var failed = Assert.IsType<Failed>(await RunAsync(new RedisInfoAction(), new() { ["connection"] = "redis://admin:Hunter2Secret@127.0.0.1:1/0", ["timeout"] = "2s" }));

        Assert.StartsWith("redis.info: cannot reach Redis at redis://admin@127.0.0.1:1/0 (", failed.Error);
        Assert.EndsWith("check the host, port and TLS (rediss://), and that the server accepts connections from here", failed.Error);
        Assert.DoesNotContain("Hunter2Secret", failed.Error);
        Assert.DoesNotContain('\n', failed.Error);
    }

    [Theory]
    [InlineData("http://127.0.0.1:6379")]
    [InlineData("127.0.0.1:6379")]
    [InlineData("redis://:Hunter2Secret@127.0.0.1:6379/notanumber")]
    [InlineData("")]
    public async Task A_connection_that_is_not_a_redis_url_is_refused_without_the_password(string connection)
    {
        var failed = Assert.IsType<Failed>(await RunAsync(new RedisInfoAction(), new() { ["connection"] = connection }));

        Assert.StartsWith("redis.info: ", failed.Error);
        Assert.DoesNotContain("Hunter2Secret", failed.Error);
        Assert.False(failed.Retryable);
    }

    [Fact]
    public async Task The_database_in_the_url_is_the_one_used()
    {
        if (!redis.Ready())
        {
            return;
        }

        await redis.CliAsync("-n", "9", "SET", "where", "nine");

        Assert.Equal("nine", Assert.IsType<Succeeded>(await CommandAsync(Db(9), false, "GET", "where")).Outputs["result"]);
        Assert.Null(Assert.IsType<Succeeded>(await CommandAsync(Db(10), false, "GET", "where")).Outputs["result"]);
    }

    private static long CommandCalls(string commandStats, string command) =>
        commandStats.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith($"cmdstat_{command}:calls=", StringComparison.Ordinal)) is { } line
            ? long.Parse(line.Split('=', ',')[1], System.Globalization.CultureInfo.InvariantCulture)
            : 0;
}

/// <summary>
/// rediss:// speaks TLS and checks the server's certificate: one this machine does not trust is refused, saying so; a
/// private CA given as ca_file is trusted instead of the system's roots, and only for a certificate with the right name.
/// </summary>
public sealed class RedisTlsTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("runbook-redis-tls-");

    public void Dispose() => _folder.Delete(recursive: true);

    [Fact]
    public async Task A_server_certificate_this_machine_does_not_trust_fails_the_step_naming_the_tls_handshake()
    {
        using var key = System.Security.Cryptography.RSA.Create(2048);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=127.0.0.1", key,
            System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var certFile = Path.Combine(_folder.FullName, "server.crt");
        var keyFile = Path.Combine(_folder.FullName, "server.key");
        await File.WriteAllTextAsync(certFile, certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(keyFile, key.ExportPkcs8PrivateKeyPem());
        var tlsPort = FreePort();
        await using var server = await RedisServer.StartAsync("--tls-port", tlsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--tls-cert-file", certFile, "--tls-key-file", keyFile, "--tls-ca-cert-file", certFile, "--tls-auth-clients", "no");
        if (!server.Ready())
        {
            return;
        }

        using var ctx = new ActionContext();
        var outcome = await new RedisInfoAction().ExecuteAsync(ctx.Invocation("redis.info", new Dictionary<string, object?>
        {
            ["connection"] = $"rediss://:{Uri.EscapeDataString(RedisServer.Password)}@127.0.0.1:{tlsPort}/0",
            ["timeout"] = "5s",
        }), CancellationToken.None);

        var failed = Assert.IsType<Failed>(outcome);
        Assert.StartsWith($"redis.info: the TLS handshake with rediss://127.0.0.1:{tlsPort}/0 failed (", failed.Error);
        Assert.EndsWith("check that the server's certificate is valid for 127.0.0.1 and trusted by this machine (a private CA: give its certificate as ca_file)", failed.Error);
        Assert.DoesNotContain("Qx9", failed.Error);
    }

    [Fact]
    public async Task A_server_certificate_from_the_private_ca_in_ca_file_is_trusted_and_the_step_reads_the_server()
    {
        using var certificates = new TestCertificates(DateTimeOffset.UtcNow);
        using var leaf = certificates.Leaf("redis.internal", TimeSpan.FromDays(30), null, "127.0.0.1");
        await using var server = await StartTlsServerAsync(leaf, certificates.CaPem);
        await File.WriteAllTextAsync(Path.Combine(_folder.FullName, "ca.pem"), certificates.CaPem);

        using var ctx = new ActionContext();
        var outcome = await new RedisCommandAction().ExecuteAsync(ctx.Invocation("redis.command", new Dictionary<string, object?>
        {
            ["connection"] = $"rediss://:{Uri.EscapeDataString(RedisServer.Password)}@127.0.0.1:{server.TlsPort}/0",
            ["command"] = new List<object?> { "ECHO", "over tls" },
            ["ca_file"] = "ca.pem",
            ["timeout"] = "5s",
        }, folder: _folder.FullName), CancellationToken.None);

        var succeeded = Assert.IsType<Succeeded>(outcome);
        Assert.Equal("over tls", succeeded.Outputs["result"]);
    }

    [Fact]
    public async Task A_certificate_from_the_private_ca_for_another_name_is_refused()
    {
        using var certificates = new TestCertificates(DateTimeOffset.UtcNow);
        using var leaf = certificates.Leaf("cache.other", TimeSpan.FromDays(30), null, "cache.other");
        await using var server = await StartTlsServerAsync(leaf, certificates.CaPem);
        await File.WriteAllTextAsync(Path.Combine(_folder.FullName, "ca.pem"), certificates.CaPem);

        var failed = await InfoAsync(server.TlsPort, "ca.pem");

        Assert.StartsWith($"redis.info: the TLS handshake with rediss://127.0.0.1:{server.TlsPort}/0 failed (", failed.Error);
        Assert.EndsWith("check that the server's certificate is valid for 127.0.0.1 and issued by the CA in ca_file", failed.Error);
    }

    [Fact]
    public async Task A_certificate_from_another_ca_than_the_one_in_ca_file_is_refused()
    {
        using var served = new TestCertificates(DateTimeOffset.UtcNow);
        using var other = new TestCertificates(DateTimeOffset.UtcNow);
        using var leaf = served.Leaf("redis.internal", TimeSpan.FromDays(30), null, "127.0.0.1");
        await using var server = await StartTlsServerAsync(leaf, served.CaPem);
        await File.WriteAllTextAsync(Path.Combine(_folder.FullName, "ca.pem"), other.CaPem);

        var failed = await InfoAsync(server.TlsPort, "ca.pem");

        Assert.Contains("the TLS handshake with", failed.Error);
        Assert.EndsWith("issued by the CA in ca_file", failed.Error);
        Assert.DoesNotContain("Qx9", failed.Error);
    }

    [Fact]
    public async Task An_expired_certificate_from_the_private_ca_is_refused()
    {
        using var certificates = new TestCertificates(DateTimeOffset.UtcNow);
        using var leaf = certificates.Leaf("redis.internal", TimeSpan.FromDays(-1), TimeSpan.FromDays(90), "127.0.0.1");
        await using var server = await StartTlsServerAsync(leaf, certificates.CaPem);
        await File.WriteAllTextAsync(Path.Combine(_folder.FullName, "ca.pem"), certificates.CaPem);

        var failed = await InfoAsync(server.TlsPort, "ca.pem");

        Assert.EndsWith("issued by the CA in ca_file", failed.Error);
    }

    [Theory]
    [InlineData("../outside.pem", "'..' leaves the playbook's folder")]
    [InlineData("missing.pem", "missing.pem")]
    [InlineData("not-pem.pem", "holds no certificate")]
    public async Task A_ca_file_that_cannot_be_used_fails_the_step_before_connecting(string caFile, string expected)
    {
        await File.WriteAllTextAsync(Path.Combine(_folder.FullName, "not-pem.pem"), "hello");

        var failed = await InfoAsync(port: 1, caFile);

        Assert.Contains(expected, failed.Error);
        Assert.False(failed.Retryable);
    }

    [Fact]
    public async Task A_ca_file_with_a_plain_redis_url_is_refused_rather_than_silently_ignored()
    {
        using var ctx = new ActionContext();
        var outcome = await new RedisInfoAction().ExecuteAsync(ctx.Invocation("redis.info", new Dictionary<string, object?>
        {
            ["connection"] = "redis://:pw@127.0.0.1:1/0",
            ["ca_file"] = "ca.pem",
        }, folder: _folder.FullName), CancellationToken.None);

        var failed = Assert.IsType<Failed>(outcome);
        Assert.Equal("redis.info: 'ca_file' is given but redis://127.0.0.1:1/0 is not TLS; write rediss:// to connect with TLS", failed.Error);
    }

    private async Task<Failed> InfoAsync(int port, string caFile)
    {
        using var ctx = new ActionContext();
        var outcome = await new RedisInfoAction().ExecuteAsync(ctx.Invocation("redis.info", new Dictionary<string, object?>
        {
            ["connection"] = $"rediss://:{Uri.EscapeDataString(RedisServer.Password)}@127.0.0.1:{port}/0",
            ["ca_file"] = caFile,
            ["timeout"] = "5s",
        }, folder: _folder.FullName), CancellationToken.None);
        return Assert.IsType<Failed>(outcome);
    }

    private sealed record TlsServer(RedisServer Server, int TlsPort) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => new(Server.DisposeAsync());
    }

    private async Task<TlsServer> StartTlsServerAsync(System.Security.Cryptography.X509Certificates.X509Certificate2 leaf, string caPem)
    {
        var name = Guid.NewGuid().ToString("N");
        var certFile = Path.Combine(_folder.FullName, name + ".crt");
        var keyFile = Path.Combine(_folder.FullName, name + ".key");
        var caFile = Path.Combine(_folder.FullName, name + "-ca.crt");
        await File.WriteAllTextAsync(certFile, leaf.ExportCertificatePem());
        using (var key = System.Security.Cryptography.X509Certificates.ECDsaCertificateExtensions.GetECDsaPrivateKey(leaf)!)
        {
            await File.WriteAllTextAsync(keyFile, key.ExportPkcs8PrivateKeyPem());
        }

        await File.WriteAllTextAsync(caFile, caPem);
        var tlsPort = FreePort();
        var server = await RedisServer.StartAsync("--tls-port", tlsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--tls-cert-file", certFile, "--tls-key-file", keyFile, "--tls-ca-cert-file", caFile, "--tls-auth-clients", "no");
        server.Ready();
        return new TlsServer(server, tlsPort);
    }

    private static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
