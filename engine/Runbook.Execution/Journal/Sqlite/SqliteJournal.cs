using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Runbook.Execution.Engine;

namespace Runbook.Execution.Journal.Sqlite;

/// <summary>
/// The default journal: one SQLite file in WAL mode. An append that <see cref="JournalDurability"/> says must be
/// durable commits with synchronous=FULL (the log is synced before the append returns, and with it every append
/// before it); the others commit with synchronous=NORMAL and ride on the next sync. A kill -9 at any instant
/// leaves every completed append readable (the operating system holds what is not yet synced). Appends are serialised.
/// </summary>
internal sealed class SqliteJournal : IJournal
{
    private readonly SqliteConnection _connection;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>The connection's synchronous setting now: FULL (true) or NORMAL; changed only between transactions.</summary>
    private bool _synchronousFull = true;

    private SqliteJournal(SqliteConnection connection, string path, TimeProvider time)
    {
        _connection = connection;
        _time = time;
        Location = path;
    }

    public string Location { get; }

    public static async Task<SqliteJournal> OpenAsync(string path, TimeProvider time, CancellationToken cancellationToken)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, DefaultTimeout = 30 }.ToString());
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            var journal = new SqliteJournal(connection, path, time);
            await journal.ExecuteAsync("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=30000; PRAGMA foreign_keys=ON;", cancellationToken).ConfigureAwait(false);
            await journal.MigrateAsync(cancellationToken).ConfigureAwait(false);
            return journal;
        }
        catch (Exception ex) when (ex is SqliteException or IOException or UnauthorizedAccessException)
        {
            throw new JournalException($"cannot open the journal {path}: {ex.Message} (check the path and its permissions, or pass --journal)", ex);
        }
    }

    private async Task MigrateAsync(CancellationToken cancellationToken)
    {
        // The usual case, a journal already at this schema, is one read: no write lock (which would wait behind
        // another engine's append) and no DDL. Only a new or older journal takes the migration path below.
        if (await CurrentVersionAsync(cancellationToken).ConfigureAwait(false) == JournalSchema.Version)
        {
            return;
        }

        await ExecuteAsync("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL);", cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await _connection.BeginTransactionAsync(System.Data.IsolationLevel.Serializable, cancellationToken).ConfigureAwait(false);
        var current = Convert.ToInt32(await ScalarAsync("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", transaction, cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
        if (current > JournalSchema.Version)
        {
            throw new JournalException($"the journal {Location} was written by a newer runbook (schema {current}, this one knows {JournalSchema.Version}); upgrade runbook");
        }

        for (var version = current + 1; version <= JournalSchema.Version; version++)
        {
            await ExecuteAsync(JournalSchema.Migrations[version - 1], cancellationToken, transaction).ConfigureAwait(false);
            await using var record = Command("INSERT INTO schema_migrations (version, applied_at) VALUES ($v, $at)", transaction);
            record.Parameters.AddWithValue("$v", version);
            record.Parameters.AddWithValue("$at", JournalSchema.Time(_time.GetUtcNow()));
            await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The journal's schema version, or null when it has no migrations table yet (a new file).</summary>
    private async Task<int?> CurrentVersionAsync(CancellationToken cancellationToken)
    {
        await using var exists = Command("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'");
        if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null)
        {
            return null;
        }

        await using var version = Command("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
        return Convert.ToInt32(await version.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    public async Task<JournalEntry> AppendAsync(string runId, JournalEventKind kind, string? stepId, string data, CancellationToken cancellationToken = default) =>
        (await AppendAsync(runId, null, kind, stepId, data, cancellationToken).ConfigureAwait(false))!;

    public Task<JournalEntry?> AppendIfLatestAsync(string runId, long afterSequence, JournalEventKind kind, string? stepId, string data, CancellationToken cancellationToken = default) =>
        AppendAsync(runId, afterSequence, kind, stepId, data, cancellationToken);

    private async Task<JournalEntry?> AppendAsync(string runId, long? afterSequence, JournalEventKind kind, string? stepId, string data, CancellationToken cancellationToken)
    {
        using var doc = JsonDocument.Parse(data);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await SynchronousAsync(JournalDurability.MustSync(kind, doc.RootElement), cancellationToken).ConfigureAwait(false);
            var at = _time.GetUtcNow();
            await using var transaction = (SqliteTransaction)await _connection.BeginTransactionAsync(System.Data.IsolationLevel.Serializable, cancellationToken).ConfigureAwait(false);
            var last = await ScalarAsync("SELECT last_seq FROM runs WHERE run_id = $run", transaction, cancellationToken, ("$run", runId)).ConfigureAwait(false);
            if (afterSequence is { } expected && (last is null || Convert.ToInt64(last, CultureInfo.InvariantCulture) != expected))
            {
                await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                return null;
            }

            long seq;
            if (last is null)
            {
                seq = 1;
                var root = doc.RootElement;
                await using var insert = Command("""
                    INSERT INTO runs (run_id, playbook, provider, initiator, dry_run, status, started_at, updated_at, last_seq)
                    VALUES ($run, $playbook, $provider, $initiator, $dry, 'running', $at, $at, 0)
                    """, transaction);
                insert.Parameters.AddWithValue("$run", runId);
                insert.Parameters.AddWithValue("$playbook", JournalRows.Text(root, "playbook"));
                insert.Parameters.AddWithValue("$provider", JournalRows.Text(root, "provider"));
                insert.Parameters.AddWithValue("$initiator", JournalRows.Text(root, "initiator"));
                insert.Parameters.AddWithValue("$dry", JournalRows.DryRun(root));
                insert.Parameters.AddWithValue("$at", JournalSchema.Time(at));
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                seq = Convert.ToInt64(last, CultureInfo.InvariantCulture) + 1;
            }

            await using (var insertEvent = Command("INSERT INTO events (run_id, seq, at, kind, step_id, data) VALUES ($run, $seq, $at, $kind, $step, $data)", transaction))
            {
                insertEvent.Parameters.AddWithValue("$run", runId);
                insertEvent.Parameters.AddWithValue("$seq", seq);
                insertEvent.Parameters.AddWithValue("$at", JournalSchema.Time(at));
                insertEvent.Parameters.AddWithValue("$kind", kind.ToString());
                insertEvent.Parameters.AddWithValue("$step", (object?)stepId ?? DBNull.Value);
                insertEvent.Parameters.AddWithValue("$data", data);
                await insertEvent.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            var status = JournalSchema.StatusAfter(kind, doc.RootElement);
            await using (var update = Command("""
                UPDATE runs SET last_seq = $seq, updated_at = $at,
                    status = COALESCE($status, status),
                    finished_at = CASE WHEN $finished = 1 THEN $at ELSE finished_at END
                WHERE run_id = $run
                """, transaction))
            {
                update.Parameters.AddWithValue("$seq", seq);
                update.Parameters.AddWithValue("$at", JournalSchema.Time(at));
                update.Parameters.AddWithValue("$status", status is { } s ? s.ToName() : DBNull.Value);
                update.Parameters.AddWithValue("$finished", kind == JournalEventKind.RunFinished ? 1 : 0);
                update.Parameters.AddWithValue("$run", runId);
                await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return new JournalEntry(runId, seq, at, kind, stepId, data);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<IReadOnlyList<JournalEntry>> ReadAsync(string runId, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = Command("SELECT seq, at, kind, step_id, data FROM events WHERE run_id = $run ORDER BY seq");
            command.Parameters.AddWithValue("$run", runId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var entries = new List<JournalEntry>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                entries.Add(new JournalEntry(runId, reader.GetInt64(0), JournalSchema.ParseTime(reader.GetString(1)),
                    Enum.Parse<JournalEventKind>(reader.GetString(2)), reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetString(4)));
            }

            return entries;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<IReadOnlyList<RunSummary>> ListRunsAsync(RunQuery query, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = Command("""
                SELECT run_id, playbook, provider, initiator, dry_run, status, started_at, updated_at, finished_at FROM runs
                WHERE ($playbook IS NULL OR playbook = $playbook) AND ($status IS NULL OR status = $status)
                  AND ($provider IS NULL OR provider = $provider) AND ($since IS NULL OR started_at >= $since)
                ORDER BY started_at DESC, run_id DESC LIMIT $limit
                """);
            command.Parameters.AddWithValue("$playbook", (object?)query.Playbook ?? DBNull.Value);
            command.Parameters.AddWithValue("$status", query.Status is { } s ? s.ToName() : DBNull.Value);
            command.Parameters.AddWithValue("$provider", (object?)query.Provider ?? DBNull.Value);
            command.Parameters.AddWithValue("$since", query.Since is { } since ? JournalSchema.Time(since) : DBNull.Value);
            command.Parameters.AddWithValue("$limit", query.Limit);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var runs = new List<RunSummary>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                runs.Add(new RunSummary(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt64(4) != 0,
                    RunStatuses.Parse(reader.GetString(5)), JournalSchema.ParseTime(reader.GetString(6)), JournalSchema.ParseTime(reader.GetString(7)),
                    reader.IsDBNull(8) ? null : JournalSchema.ParseTime(reader.GetString(8))));
            }

            return runs;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<string?> ResolveRunIdAsync(string prefix, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = Command("SELECT run_id FROM runs WHERE substr(run_id, 1, length($prefix)) = $prefix LIMIT 2");
            command.Parameters.AddWithValue("$prefix", prefix);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var found = new List<string>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                found.Add(reader.GetString(0));
            }

            return found.Count == 1 ? found[0] : found.Find(id => id == prefix);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<LeaseResult> TryAcquireLeaseAsync(string target, string runId, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await SynchronousAsync(full: true, cancellationToken).ConfigureAwait(false);
            var now = _time.GetUtcNow();
            await using var command = Command("""
                INSERT INTO leases (target, run_id, expires_at) VALUES ($target, $run, $expires)
                ON CONFLICT (target) DO UPDATE SET run_id = excluded.run_id, expires_at = excluded.expires_at
                WHERE leases.expires_at < $now OR leases.run_id = excluded.run_id
                """);
            command.Parameters.AddWithValue("$target", target);
            command.Parameters.AddWithValue("$run", runId);
            command.Parameters.AddWithValue("$expires", JournalSchema.Time(now + ttl));
            command.Parameters.AddWithValue("$now", JournalSchema.Time(now));
            var changed = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            if (changed > 0)
            {
                return new LeaseResult(true, null);
            }

            var leases = await LeasesAsync("WHERE target = $target", cancellationToken, ("$target", target)).ConfigureAwait(false);
            var holder = leases.Count > 0 ? leases[0] : null;
            return new LeaseResult(false, holder);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<bool> RenewLeaseAsync(string target, string runId, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await SynchronousAsync(full: true, cancellationToken).ConfigureAwait(false);
            await using var command = Command("UPDATE leases SET expires_at = $expires WHERE target = $target AND run_id = $run");
            command.Parameters.AddWithValue("$expires", JournalSchema.Time(_time.GetUtcNow() + ttl));
            command.Parameters.AddWithValue("$target", target);
            command.Parameters.AddWithValue("$run", runId);
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task ReleaseLeaseAsync(string target, string runId, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await SynchronousAsync(full: true, cancellationToken).ConfigureAwait(false);
            await using var command = Command("DELETE FROM leases WHERE target = $target AND run_id = $run");
            command.Parameters.AddWithValue("$target", target);
            command.Parameters.AddWithValue("$run", runId);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<IReadOnlyList<Lease>> ListLeasesAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await LeasesAsync("WHERE expires_at >= $now ORDER BY target", cancellationToken, ("$now", JournalSchema.Time(_time.GetUtcNow()))).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<IReadOnlyList<Lease>> LeasesAsync(string where, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var command = Command($"SELECT target, run_id, expires_at FROM leases {where}");
        JournalRows.Bind(command, parameters);
        return await JournalRows.ReadLeasesAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// FULL or NORMAL for the next transaction. In WAL mode NORMAL skips the sync at commit; the next FULL commit
    /// syncs the log file, which carries every frame written before it (docs/execution.md, the durability rule).
    /// </summary>
    private async Task SynchronousAsync(bool full, CancellationToken cancellationToken)
    {
        if (full != _synchronousFull)
        {
            await ExecuteAsync(full ? "PRAGMA synchronous=FULL;" : "PRAGMA synchronous=NORMAL;", cancellationToken).ConfigureAwait(false);
            _synchronousFull = full;
        }
    }

    private SqliteCommand Command(string sql, SqliteTransaction? transaction = null)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken, SqliteTransaction? transaction = null)
    {
        await using var command = Command(sql, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<object?> ScalarAsync(string sql, SqliteTransaction transaction, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var command = Command(sql, transaction);
        JournalRows.Bind(command, parameters);

        var result = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return result is DBNull ? null : result;
    }

    public async ValueTask DisposeAsync()
    {
        await _connection.DisposeAsync().ConfigureAwait(false);
        _gate.Dispose();
    }
}
