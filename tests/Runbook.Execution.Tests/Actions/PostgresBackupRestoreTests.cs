using System.Security.Cryptography;
using Microsoft.Extensions.Time.Testing;
using Runbook.Execution.Actions;
using Runbook.Execution.Actions.Postgres;
using Runbook.Execution.Tests.Support;

namespace Runbook.Execution.Tests.Actions;

/// <summary>
/// postgres.backup and postgres.restore against a real cluster that checks passwords: back up, damage, restore,
/// compare; and what an attacker or a bad day would try: the password on a command line, a wrong password, an
/// unreachable server, a file that is not a backup, an existing backup overwritten.
/// </summary>
[CollectionDefinition(Name)]
public sealed class PasswordPostgresCollection : ICollectionFixture<PasswordPostgresCluster>
{
    public const string Name = "PostgreSQL with passwords";
}

[Collection(PasswordPostgresCollection.Name)]
public sealed class PostgresBackupRestoreTests(PasswordPostgresCluster cluster) : IDisposable
{
    private const string Schema = """
        CREATE TABLE orders (id int PRIMARY KEY, customer text NOT NULL, total numeric(10,2), placed timestamptz);
        CREATE INDEX orders_customer ON orders (customer);
        CREATE TABLE notes (id serial PRIMARY KEY, body text);
        INSERT INTO orders SELECT g, 'customer ' || (g % 17), g * 1.25, '2026-01-01'::timestamptz + g * interval '1 hour' FROM generate_series(1, 500) g;
        INSERT INTO notes (body) VALUES ('it''s'), (E'tab\there'), (NULL), ('ünïcödé');
        """;

    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("runbook-backup-test-");

    public void Dispose() => _folder.Delete(recursive: true);

    private static Task<StepOutcome> RunAsync(IStepAction action, ActionContext ctx, Dictionary<string, object?> arguments, TimeProvider? time = null) =>
        action.ExecuteAsync(ctx.Invocation(action.Name, arguments, time), CancellationToken.None).AsTask();

    private Task<StepOutcome> BackupAsync(ActionContext ctx, string database, string path, TimeProvider? time = null, string? password = null, IStepAction? action = null) =>
        RunAsync(action ?? new PostgresBackupAction(), ctx, new()
        {
            ["connection"] = cluster.Url(database, password ?? PasswordPostgresCluster.Password),
            ["path"] = path,
        }, time);

    private Task<StepOutcome> RestoreAsync(ActionContext ctx, string database, string path) =>
        RunAsync(new PostgresRestoreAction(), ctx, new()
        {
            ["connection"] = cluster.Url("postgres"),
            ["path"] = path,
            ["database"] = database,
            ["__mutates"] = true,
        });

    private Task<List<string>> SnapshotAsync(string database) =>
        cluster.RowsAsync(database, "SELECT 'o', id::text, customer, total::text, placed::text FROM orders UNION ALL SELECT 'n', id::text, body, NULL, NULL FROM notes ORDER BY 1, 2");

    [Fact]
    public async Task A_damaged_table_is_restored_from_the_backup_with_every_row_identical()
    {
        if (!cluster.Ready())
        {
            return;
        }

        using var ctx = new ActionContext();
        var database = await cluster.CreateDatabaseAsync(Schema);
        var before = await SnapshotAsync(database);
        var backup = Assert.IsType<Succeeded>(await BackupAsync(ctx, database, Path.Combine(_folder.FullName, "orders.dump")));

        await cluster.ExecuteAsync(database, "DELETE FROM orders WHERE id % 3 = 0; UPDATE notes SET body = 'damaged'; DROP INDEX orders_customer; INSERT INTO orders VALUES (9999, 'intruder', 0, now())");
        Assert.NotEqual(before, await SnapshotAsync(database));
        var restore = Assert.IsType<Succeeded>(await RestoreAsync(ctx, database, (string)backup.Outputs["path"]!));

        Assert.Equal(before, await SnapshotAsync(database));
        Assert.Equal(["orders_customer"], await cluster.RowsAsync(database, "SELECT indexname FROM pg_indexes WHERE tablename = 'orders' AND indexname = 'orders_customer'"));
        Assert.Equal(2L, restore.Outputs["tables"]);
        Assert.Equal(2L, restore.Outputs["table_data"]);
        Assert.Equal(1L, restore.Outputs["indexes"]);
        var counts = Assert.IsType<Dictionary<string, object?>>(restore.Outputs["counts"]);
        Assert.Equal(2L, counts["table"]);
        Assert.Equal(restore.Outputs["objects"], counts.Values.Sum(v => (long)v!));
        Assert.Equal(backup.Outputs["objects"], restore.Outputs["objects"]);
    }

    [Fact]
    public async Task The_backup_reports_the_size_and_sha256_of_the_file_it_wrote_and_leaves_no_partial_file()
    {
        if (!cluster.Ready())
        {
            return;
        }

        using var ctx = new ActionContext();
        var database = await cluster.CreateDatabaseAsync(Schema);
        var file = Path.Combine(_folder.FullName, "nested", "orders.dump");

        var backup = Assert.IsType<Succeeded>(await BackupAsync(ctx, database, file));

        Assert.Equal(file, backup.Outputs["path"]);
        Assert.Equal(new FileInfo(file).Length, backup.Outputs["bytes"]);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(file))), backup.Outputs["sha256"]);
        Assert.IsType<double>(backup.Outputs["duration"]);
        Assert.Equal(cluster.MajorVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), backup.Outputs["server_version"]);
        Assert.Equal("PGDMP", System.Text.Encoding.ASCII.GetString((await File.ReadAllBytesAsync(file))[..5]));
        Assert.Equal([file], Directory.GetFiles(Path.GetDirectoryName(file)!));
        Assert.All(backup.Outputs.Keys, key => Assert.NotNull(Runbook.Language.Actions.BuiltinActions.All.Single(a => a.Name == "postgres.backup").FindOutput(key)));
    }

    [Fact]
    public async Task A_folder_gets_a_file_named_after_the_database_and_the_run_clock()
    {
        if (!cluster.Ready())
        {
            return;
        }

        using var ctx = new ActionContext();
        var database = await cluster.CreateDatabaseAsync(Schema);
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 3, 4, 5, TimeSpan.Zero));

        var backup = Assert.IsType<Succeeded>(await BackupAsync(ctx, database, _folder.FullName + "/daily/", time));

        Assert.Equal(Path.Combine(_folder.FullName, "daily", $"{database}-20261130T030405Z.dump"), backup.Outputs["path"]);
        Assert.True(File.Exists((string)backup.Outputs["path"]!));
    }

    [Fact]
    public async Task A_dry_run_checks_the_server_and_names_the_file_but_writes_nothing()
    {
        if (!cluster.Ready())
        {
            return;
        }

        using var ctx = new ActionContext();
        var database = await cluster.CreateDatabaseAsync(Schema);
        var invocation = ctx.Invocation("postgres.backup", new Dictionary<string, object?>
        {
            ["connection"] = cluster.Url(database),
            ["path"] = Path.Combine(_folder.FullName, "dry.dump"),
        });

        var outcome = await new PostgresBackupAction().ExecuteAsync(invocation with { Context = invocation.Context with { DryRun = true } }, CancellationToken.None);

        var success = Assert.IsType<Succeeded>(outcome);
        Assert.Equal(Path.Combine(_folder.FullName, "dry.dump"), success.Outputs["path"]);
        Assert.Empty(Directory.GetFileSystemEntries(_folder.FullName));
        Assert.Contains(ctx.Lines, l => l.Text.StartsWith("dry run: would back up ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_existing_backup_is_not_overwritten_unless_the_step_says_so()
    {
        if (!cluster.Ready())
        {
            return;
        }

        using var ctx = new ActionContext();
        var database = await cluster.CreateDatabaseAsync(Schema);
        var file = Path.Combine(_folder.FullName, "keep.dump");
        await File.WriteAllTextAsync(file, "yesterday's backup");

        var failed = Assert.IsType<Failed>(await BackupAsync(ctx, database, file));

        Assert.Contains("already exists", failed.Error);
        Assert.Equal("yesterday's backup", await File.ReadAllTextAsync(file));
    }

    [Fact]
    public async Task The_password_reaches_pg_dump_in_a_private_passfile_never_on_its_command_line()
    {
        if (!cluster.Ready())
        {
            return;
        }

        // A pg_dump of our own records what a process list would show (its arguments), its environment, and the
        // passfile's mode and content, then fails; the real server answers the version query before it.
        var tools = Directory.CreateDirectory(Path.Combine(_folder.FullName, "lib", cluster.MajorVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), "bin"));
        var record = Path.Combine(_folder.FullName, "record");
        foreach (var program in new[] { "pg_dump", "pg_restore" })
        {
            var script = Path.Combine(tools.FullName, program);
            await File.WriteAllTextAsync(script, $$"""
                #!/bin/sh
                { echo "ARGS $*"; env | grep -v '^PGPASSFILE=' | sed 's/^/ENV /'; echo "MODE $(stat -c %a "$PGPASSFILE")"; printf 'FILE %s\n' "$(cat "$PGPASSFILE")"; echo "PASSFILE $PGPASSFILE"; } > '{{record}}'
                exit 3
                """);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        using var ctx = new ActionContext();
        var database = await cluster.CreateDatabaseAsync();
        var action = new PostgresBackupAction(new PostgresTools(Path.Combine(_folder.FullName, "lib"), path: null));

        var failed = Assert.IsType<Failed>(await BackupAsync(ctx, database, Path.Combine(_folder.FullName, "x.dump"), action: action));

        var lines = await File.ReadAllLinesAsync(record);
        var args = Assert.Single(lines, l => l.StartsWith("ARGS ", StringComparison.Ordinal));
        Assert.DoesNotContain("Zq7", args);
        Assert.DoesNotContain("postgres://", args);
        Assert.DoesNotContain(lines, l => l.StartsWith("ENV ", StringComparison.Ordinal) && l.Contains("Zq7", StringComparison.Ordinal));
        Assert.Contains("MODE 600", lines);
        Assert.Contains(@"FILE *:*:*:*:pw\:with\\odd@chars/Zq7", lines);
        Assert.False(File.Exists(lines.Single(l => l.StartsWith("PASSFILE ", StringComparison.Ordinal))["PASSFILE ".Length..]), "the passfile is removed when pg_dump ends");
        Assert.Contains("pg_dump", failed.Error);
        Assert.DoesNotContain("Zq7", failed.Error);
        Assert.False(File.Exists(Path.Combine(_folder.FullName, "x.dump")));
    }

    [Fact]
    public async Task A_wrong_password_fails_in_one_line_naming_the_target_but_not_the_password()
    {
        if (!cluster.Ready())
        {
            return;
        }

        using var ctx = new ActionContext();
        var database = await cluster.CreateDatabaseAsync();

        var failed = Assert.IsType<Failed>(await BackupAsync(ctx, database, Path.Combine(_folder.FullName, "x.dump"), password: "not-the-Secret-Pw"));

        Assert.Equal($"postgres.backup: postgres://postgres@127.0.0.1:{cluster.Port}/{database} refused the credentials (password authentication failed for user \"postgres\"); check the user and password in the connection secret", failed.Error);
        Assert.DoesNotContain("not-the-Secret-Pw", string.Join("\n", ctx.Lines.Select(l => l.Text)));
    }

    [Fact]
    public async Task An_unreachable_server_fails_naming_the_target_and_what_to_check()
    {
        using var ctx = new ActionContext();

        var failed = Assert.IsType<Failed>(await RunAsync(new PostgresBackupAction(), ctx, new()
        {
            ["connection"] = "postgres://postgres:Hunter2Secret@127.0.0.1:1/db",
            ["path"] = Path.Combine(_folder.FullName, "x.dump"),
        }));

        Assert.StartsWith("postgres.backup: cannot reach PostgreSQL at postgres://postgres@127.0.0.1:1/db (", failed.Error);
        Assert.EndsWith("check the host and port, and that the server accepts connections from here", failed.Error);
        Assert.DoesNotContain("Hunter2Secret", failed.Error);
        Assert.DoesNotContain('\n', failed.Error);
    }

    [Theory]
    [InlineData("not a url at all ;;; Password=Hunter2Secret")]
    [InlineData("postgres://user:Hunter2Secret@/nohost")]
    [InlineData("")]
    public void A_connection_that_is_not_one_is_refused_without_echoing_a_password(string connection)
    {
        var target = PostgresTarget.Parse(connection, null, out var problem);

        Assert.Null(target);
        Assert.NotNull(problem);
        Assert.DoesNotContain("Hunter2Secret", problem);
    }

    [Fact]
    public async Task A_file_that_is_not_a_backup_is_refused_before_anything_is_dropped()
    {
        if (!cluster.Ready())
        {
            return;
        }

        using var ctx = new ActionContext();
        var database = await cluster.CreateDatabaseAsync(Schema);
        var before = await SnapshotAsync(database);
        var bogus = Path.Combine(_folder.FullName, "bogus.dump");
        await File.WriteAllTextAsync(bogus, "DROP TABLE orders;");

        var failed = Assert.IsType<Failed>(await RestoreAsync(ctx, database, bogus));

        Assert.Contains("is not a backup pg_restore can read", failed.Error);
        Assert.EndsWith("nothing was changed", failed.Error);
        Assert.Equal(before, await SnapshotAsync(database));
    }

    [Fact]
    public async Task A_restore_into_a_database_that_does_not_exist_says_so()
    {
        if (!cluster.Ready())
        {
            return;
        }

        using var ctx = new ActionContext();
        var database = await cluster.CreateDatabaseAsync(Schema);
        var backup = Assert.IsType<Succeeded>(await BackupAsync(ctx, database, Path.Combine(_folder.FullName, "o.dump")));

        var failed = Assert.IsType<Failed>(await RestoreAsync(ctx, "no_such_db", (string)backup.Outputs["path"]!));

        Assert.Equal($"postgres.restore: database 'no_such_db' does not exist on postgres://postgres@127.0.0.1:{cluster.Port}/no_such_db; create it first (CREATE DATABASE) or name an existing one", failed.Error);
    }

    [Fact]
    public async Task The_dry_run_preview_of_a_restore_counts_what_it_would_replace_and_changes_nothing()
    {
        if (!cluster.Ready())
        {
            return;
        }

        using var ctx = new ActionContext();
        var database = await cluster.CreateDatabaseAsync(Schema);
        var backup = Assert.IsType<Succeeded>(await BackupAsync(ctx, database, Path.Combine(_folder.FullName, "o.dump")));
        await cluster.ExecuteAsync(database, "DELETE FROM orders");

        var preview = await new PostgresRestoreAction().PreviewAsync(ctx.Invocation("postgres.restore", new Dictionary<string, object?>
        {
            ["connection"] = cluster.Url("postgres"),
            ["path"] = backup.Outputs["path"],
            ["database"] = database,
        }), CancellationToken.None);

        Assert.StartsWith($"would restore {backup.Outputs["path"]} into postgres://postgres@127.0.0.1:{cluster.Port}/{database}", preview.Description);
        Assert.Contains("(2 tables, 2 with data, 1 indexes)", preview.Description);
        Assert.Equal(["0"], await cluster.RowsAsync(database, "SELECT count(*) FROM orders"));
    }

    [Theory]
    [InlineData("orders", "dbname='orders'")]
    [InlineData("host=evil.example dbname=x", "dbname='host=evil.example dbname=x'")]
    [InlineData("o'brien\\", @"dbname='o\'brien\\'")]
    public void A_database_name_reaches_pg_restore_quoted_so_it_cannot_add_connection_settings(string database, string expected)
    {
        Assert.Equal(expected, PostgresRestoreAction.Conninfo(database));
    }
}
