using Runbook.Cli.Tests.Support;
using Runbook.Execution.Tests.Support;

namespace Runbook.Cli.Tests.EndToEnd;

[CollectionDefinition(Name)]
public sealed class DataServersCollection : ICollectionFixture<PasswordPostgresCluster>, ICollectionFixture<RedisServer>
{
    public const string Name = "Data action servers";
}

/// <summary>
/// postgres.backup and postgres.restore, redis.info, redis.command and redis.delete_keys as an operator runs them, on
/// both builds, against a real PostgreSQL cluster and redis-server with passwords passed as secret inputs: the
/// passwords appear in no byte the engine prints.
/// </summary>
[Collection(DataServersCollection.Name)]
public sealed class DataActionTests(PasswordPostgresCluster postgres, RedisServer redis) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("runbook-data-e2e-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Journal => Path.Combine(_folder, "journal.db");

    private string Write(string name, string yaml)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, yaml);
        return path;
    }

    /// <summary>Neither server's password is in what the runs printed, nor in any byte of the journal's files.</summary>
    private void NoPassword(params CliResult[] results)
    {
        var journal = Directory.GetFiles(_folder, "journal.db*").Select(f => System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(f)));
        foreach (var text in results.Select(r => r.Out + r.Error).Concat(journal))
        {
            Assert.DoesNotContain("Zq7", text, StringComparison.Ordinal);
            Assert.DoesNotContain("Qx9", text, StringComparison.Ordinal);
        }
    }

    private static string RunId(string output) =>
        System.Text.RegularExpressions.Regex.Match(output, @"\d{8}-\d{6}-[0-9a-f]{6}").Value;

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public async Task A_backup_then_an_approved_restore_brings_a_damaged_table_back(CliTarget cli)
    {
        if (!postgres.Ready())
        {
            return;
        }

        var database = await postgres.CreateDatabaseAsync("CREATE TABLE orders (id int PRIMARY KEY, customer text); INSERT INTO orders SELECT g, 'c' || g FROM generate_series(1, 300) g;");
        var before = await postgres.RowsAsync(database, "SELECT * FROM orders ORDER BY id");
        var playbook = Write("restore.yaml", """
            apiVersion: runbook/v1
            kind: Playbook
            name: backup-restore
            inputs:
              database_url: { type: secret, from: env:DATABASE_URL }
              database: { type: string }
            phases:
              gather:
                - id: backup
                  uses: postgres.backup
                  with:
                    connection: "${{ inputs.database_url }}"
                    path: backups/
                - id: verified
                  uses: assert
                  with:
                    condition: "${{ steps.backup.outputs.bytes > 0 && steps.backup.outputs.objects >= 2 }}"
              resolve:
                - id: restore
                  uses: postgres.restore
                  approval: { approvers: [bob] }
                  with:
                    connection: "${{ inputs.database_url }}"
                    path: "${{ steps.backup.outputs.path }}"
                    database: "${{ inputs.database }}"
                - id: restored
                  uses: assert
                  with:
                    condition: "${{ steps.restore.outputs.tables == 1 && steps.restore.outputs.table_data == 1 }}"
            """);
        cli = cli.With("DATABASE_URL", postgres.Url(database));

        var waiting = cli.Run("exec", playbook, "--journal", Journal, "--input", $"database={database}");
        await postgres.ExecuteAsync(database, "DELETE FROM orders WHERE id > 100; UPDATE orders SET customer = 'damaged'");
        var runId = RunId(waiting.Out);
        var approve = cli.Run("approve", runId, "restore", "--as", "bob", "--journal", Journal);
        var done = cli.Run("resume", runId, "--journal", Journal);

        Assert.True(waiting.ExitCode == 3, waiting.Out + waiting.Error);
        Assert.Equal(0, approve.ExitCode);
        Assert.True(done.ExitCode == 0, done.Out + done.Error);
        Assert.Equal(before, await postgres.RowsAsync(database, "SELECT * FROM orders ORDER BY id"));
        Assert.Single(Directory.GetFiles(Path.Combine(_folder, "backups"), $"{database}-*.dump"));
        NoPassword(waiting, approve, done);
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public async Task Redis_info_gives_numbers_an_assert_can_compare(CliTarget cli)
    {
        if (!redis.Ready())
        {
            return;
        }

        await redis.CliAsync("-n", "11", "MSET", "a", "1", "b", "2", "c", "3");
        var playbook = Write("info.yaml", """
            apiVersion: runbook/v1
            kind: Playbook
            name: cache-health
            inputs:
              redis_url: { type: secret, from: env:REDIS_URL }
            phases:
              assess:
                - id: cache
                  uses: redis.info
                  with:
                    connection: "${{ inputs.redis_url }}"
                - id: typed
                  uses: assert
                  with:
                    condition: "${{ steps.cache.outputs.keyspace.db11.keys == 3 && steps.cache.outputs.used_memory > 1000 && steps.cache.outputs.connected_clients >= 1 && steps.cache.outputs.evicted_keys == 0 }}"
            """);

        var run = cli.With("REDIS_URL", redis.Url(11)).Run("exec", playbook, "--journal", Journal);

        Assert.True(run.ExitCode == 0, run.Out + run.Error);
        NoPassword(run);
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public async Task Redis_command_reads_in_assess_writes_in_mitigate_and_a_delete_in_assess_is_refused_by_validate(CliTarget cli)
    {
        if (!redis.Ready())
        {
            return;
        }

        await redis.CliAsync("-n", "12", "SET", "feature:checkout", "off");
        const string Playbook = """
            apiVersion: runbook/v1
            kind: Playbook
            name: flag
            inputs:
              redis_url: { type: secret, from: env:REDIS_URL }
              value: { type: string, default: "on; FLUSHALL" }
            phases:
              assess:
                - id: current
                  uses: redis.command
                  with:
                    connection: "${{ inputs.redis_url }}"
                    command: [GET, "feature:checkout"]
              mitigate:
                - id: turn_on
                  uses: redis.command
                  with:
                    connection: "${{ inputs.redis_url }}"
                    command: [SET, "feature:checkout", "${{ inputs.value }}"]
                  rollback:
                    uses: redis.command
                    with:
                      connection: "${{ inputs.redis_url }}"
                      command: [SET, "feature:checkout", "${{ steps.current.outputs.result }}"]
            """;
        cli = cli.With("REDIS_URL", redis.Url(12));

        var run = cli.Run("exec", Write("flag.yaml", Playbook), "--journal", Journal);
        var refused = cli.Run("validate", Write("bad.yaml", Playbook.Replace("[GET, \"feature:checkout\"]", "[DEL, \"feature:checkout\"]", StringComparison.Ordinal)));

        Assert.True(run.ExitCode == 0, run.Out + run.Error);
        Assert.Equal("on; FLUSHALL", await redis.CliAsync("-n", "12", "GET", "feature:checkout"));
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("error RB0301: step 'current' mutates, but 'assess' is read-only", refused.Out, StringComparison.Ordinal);
        NoPassword(run, refused);
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public async Task Delete_keys_counts_in_a_dry_run_and_deletes_only_the_pattern_in_a_run(CliTarget cli)
    {
        if (!redis.Ready())
        {
            return;
        }

        await redis.CliAsync(["-n", "13", "MSET", .. Enumerable.Range(0, 50).SelectMany(i => new[] { $"session:{i}", "v" }), "config:main", "keep"]);
        var playbook = Write("clear.yaml", """
            apiVersion: runbook/v1
            kind: Playbook
            name: clear-sessions
            inputs:
              redis_url: { type: secret, from: env:REDIS_URL }
            phases:
              mitigate:
                - id: clear
                  uses: redis.delete_keys
                  irreversible: true
                  approval: { approvers: [bob] }
                  with:
                    connection: "${{ inputs.redis_url }}"
                    pattern: "session:*"
                    batch_size: 7
              resolve:
                - id: all_gone
                  uses: assert
                  with:
                    condition: "${{ steps.clear.outputs.deleted == 50 }}"
            """);
        cli = cli.With("REDIS_URL", redis.Url(13));

        var dry = cli.Run("exec", playbook, "--journal", Journal, "--dry-run");
        var countAfterDryRun = await redis.CliAsync("-n", "13", "DBSIZE");
        var waiting = cli.Run("exec", playbook, "--journal", Journal);
        var runId = RunId(waiting.Out);
        cli.Run("approve", runId, "clear", "--as", "bob", "--journal", Journal);
        var done = cli.Run("resume", runId, "--journal", Journal);

        Assert.Contains("would delete 50 keys matching 'session:*'", dry.Out, StringComparison.Ordinal);
        Assert.Equal("51", countAfterDryRun);
        Assert.True(done.ExitCode == 0, done.Out + done.Error);
        Assert.Equal("1", await redis.CliAsync("-n", "13", "DBSIZE"));
        NoPassword(dry, waiting, done);
    }
}
