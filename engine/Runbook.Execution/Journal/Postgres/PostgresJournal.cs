using System.Globalization;
using System.Text.Json;
using Npgsql;
using Runbook.Execution.Engine;

namespace Runbook.Execution.Journal.Postgres;

/// <summary>
/// The shared journal for teams: several engines, on several machines, see the same runs, approvals and
/// target leases. Each append is one transaction that locks its run's row, so sequence numbers stay
/// gap-free and ordered whoever appends.
/// </summary>
internal sealed class PostgresJournal : IJournal
{
    private const long MigrationLock = 0x52554E424F4F4B; // "RUNBOOK"
    private readonly NpgsqlDataSource _source;
    private readonly TimeProvider _time;

    private PostgresJournal(NpgsqlDataSource source, string location, TimeProvider time)
    {
        _source = source;
        _time = time;
        Location = location;
    }

    public string Location { get; }

    public static async Task<PostgresJournal> OpenAsync(string location, TimeProvider time, CancellationToken cancellationToken)
    {
        var (connectionString, display) = ConnectionStrings.FromLocation(location);
        var journal = new PostgresJournal(new NpgsqlSlimDataSourceBuilder(connectionString).Build(), display, time);
        try
        {
            await journal.MigrateAsync(cancellationToken).ConfigureAwait(false);
            return journal;
        }
        catch (Exception ex) when (ex is NpgsqlException or PostgresException or TimeoutException)
        {
            await journal.DisposeAsync().ConfigureAwait(false);
            throw new JournalException($"cannot open the journal {display}: {ex.Message} (check the server is up and the URL, user and database are right)", ex);
        }
    }

    private async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await Execute(connection, transaction, "SELECT pg_advisory_xact_lock(@lock)", cancellationToken, ("lock", MigrationLock)).ConfigureAwait(false);
        await Execute(connection, transaction, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)", cancellationToken).ConfigureAwait(false);
        var current = Convert.ToInt32(await Scalar(connection, transaction, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
        if (current > JournalSchema.Version)
        {
            throw new JournalException($"the journal {Location} was written by a newer runbook (schema {current}, this one knows {JournalSchema.Version}); upgrade runbook");
        }

        for (var version = current + 1; version <= JournalSchema.Version; version++)
        {
            await Execute(connection, transaction, JournalSchema.Migrations[version - 1], cancellationToken).ConfigureAwait(false);
            await Execute(connection, transaction, "INSERT INTO schema_migrations (version, applied_at) VALUES (@v, @at)", cancellationToken,
                ("v", version), ("at", JournalSchema.Time(_time.GetUtcNow()))).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<JournalEntry> AppendAsync(string runId, JournalEventKind kind, string? stepId, string data, CancellationToken cancellationToken = default) =>
        (await AppendAsync(runId, null, kind, stepId, data, cancellationToken).ConfigureAwait(false))!;

    public Task<JournalEntry?> AppendIfLatestAsync(string runId, long afterSequence, JournalEventKind kind, string? stepId, string data, CancellationToken cancellationToken = default) =>
        AppendAsync(runId, afterSequence, kind, stepId, data, cancellationToken);

    private async Task<JournalEntry?> AppendAsync(string runId, long? afterSequence, JournalEventKind kind, string? stepId, string data, CancellationToken cancellationToken)
    {
        using var doc = JsonDocument.Parse(data);
        var at = _time.GetUtcNow();
        var time = JournalSchema.Time(at);
        await using var connection = await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var root = doc.RootElement;
        if (!JournalDurability.MustSync(kind, root))
        {
            // Rides on the next synchronous commit, which flushes the WAL up to itself and so this commit too
            // (docs/execution.md, the durability rule); visible to every other session at once either way.
            await Execute(connection, transaction, "SET LOCAL synchronous_commit TO OFF", cancellationToken).ConfigureAwait(false);
        }
        if (afterSequence is null)
        {
            await Execute(connection, transaction, """
                INSERT INTO runs (run_id, playbook, provider, initiator, dry_run, status, started_at, updated_at, last_seq)
                VALUES (@run, @playbook, @provider, @initiator, @dry, 'running', @at, @at, 0)
                ON CONFLICT (run_id) DO NOTHING
                """, cancellationToken, ("run", runId), ("playbook", JournalRows.Text(root, "playbook")), ("provider", JournalRows.Text(root, "provider")),
                ("initiator", JournalRows.Text(root, "initiator")), ("dry", JournalRows.DryRun(root)),
                ("at", time)).ConfigureAwait(false);
        }

        var last = await Scalar(connection, transaction, "SELECT last_seq FROM runs WHERE run_id = @run FOR UPDATE", cancellationToken, ("run", runId))
            .ConfigureAwait(false);
        if (afterSequence is { } expected && (last is null or DBNull || Convert.ToInt64(last, CultureInfo.InvariantCulture) != expected))
        {
            await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
            return null; // another process appended first, or there is no such run
        }

        var seq = Convert.ToInt64(last, CultureInfo.InvariantCulture) + 1;

        await Execute(connection, transaction, "INSERT INTO events (run_id, seq, at, kind, step_id, data) VALUES (@run, @seq, @at, @kind, @step, @data)",
            cancellationToken, ("run", runId), ("seq", seq), ("at", time), ("kind", kind.ToString()), ("step", (object?)stepId ?? DBNull.Value), ("data", data)).ConfigureAwait(false);
        var status = JournalSchema.StatusAfter(kind, root);
        await Execute(connection, transaction, """
            UPDATE runs SET last_seq = @seq, updated_at = @at, status = COALESCE(@status, status),
                finished_at = CASE WHEN @finished THEN @at ELSE finished_at END
            WHERE run_id = @run
            """, cancellationToken, ("seq", seq), ("at", time), ("status", status is { } s ? s.ToName() : DBNull.Value),
            ("finished", kind == JournalEventKind.RunFinished), ("run", runId)).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new JournalEntry(runId, seq, at, kind, stepId, data);
    }

    public async Task<IReadOnlyList<JournalEntry>> ReadAsync(string runId, CancellationToken cancellationToken = default)
    {
        await using var command = _source.CreateCommand("SELECT seq, at, kind, step_id, data FROM events WHERE run_id = @run ORDER BY seq");
        command.Parameters.AddWithValue("run", runId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var entries = new List<JournalEntry>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            entries.Add(new JournalEntry(runId, reader.GetInt64(0), JournalSchema.ParseTime(reader.GetString(1)),
                Enum.Parse<JournalEventKind>(reader.GetString(2)), reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetString(4)));
        }

        return entries;
    }

    public async Task<IReadOnlyList<RunSummary>> ListRunsAsync(RunQuery query, CancellationToken cancellationToken = default)
    {
        await using var command = _source.CreateCommand("""
            SELECT run_id, playbook, provider, initiator, dry_run, status, started_at, updated_at, finished_at FROM runs
            WHERE (@playbook::text IS NULL OR playbook = @playbook) AND (@status::text IS NULL OR status = @status)
              AND (@provider::text IS NULL OR provider = @provider) AND (@since::text IS NULL OR started_at >= @since)
            ORDER BY started_at DESC, run_id DESC LIMIT @limit
            """);
        command.Parameters.AddWithValue("playbook", (object?)query.Playbook ?? DBNull.Value);
        command.Parameters.AddWithValue("status", query.Status is { } s ? s.ToName() : DBNull.Value);
        command.Parameters.AddWithValue("provider", (object?)query.Provider ?? DBNull.Value);
        command.Parameters.AddWithValue("since", query.Since is { } since ? JournalSchema.Time(since) : DBNull.Value);
        command.Parameters.AddWithValue("limit", query.Limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var runs = new List<RunSummary>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            runs.Add(new RunSummary(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                Convert.ToInt64(reader.GetValue(4), CultureInfo.InvariantCulture) != 0, RunStatuses.Parse(reader.GetString(5)),
                JournalSchema.ParseTime(reader.GetString(6)), JournalSchema.ParseTime(reader.GetString(7)),
                reader.IsDBNull(8) ? null : JournalSchema.ParseTime(reader.GetString(8))));
        }

        return runs;
    }

    public async Task<string?> ResolveRunIdAsync(string prefix, CancellationToken cancellationToken = default)
    {
        await using var command = _source.CreateCommand("SELECT run_id FROM runs WHERE left(run_id, length(@prefix)) = @prefix LIMIT 2");
        command.Parameters.AddWithValue("prefix", prefix);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var found = new List<string>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            found.Add(reader.GetString(0));
        }

        return found.Count == 1 ? found[0] : found.Find(id => id == prefix);
    }

    public async Task<LeaseResult> TryAcquireLeaseAsync(string target, string runId, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow();
        await using var command = _source.CreateCommand("""
            INSERT INTO leases (target, run_id, expires_at) VALUES (@target, @run, @expires)
            ON CONFLICT (target) DO UPDATE SET run_id = excluded.run_id, expires_at = excluded.expires_at
            WHERE leases.expires_at < @now OR leases.run_id = excluded.run_id
            """);
        command.Parameters.AddWithValue("target", target);
        command.Parameters.AddWithValue("run", runId);
        command.Parameters.AddWithValue("expires", JournalSchema.Time(now + ttl));
        command.Parameters.AddWithValue("now", JournalSchema.Time(now));
        if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0)
        {
            return new LeaseResult(true, null);
        }

        var leases = await LeasesAsync("WHERE target = @target", cancellationToken, ("target", target)).ConfigureAwait(false);
        var holder = leases.Count > 0 ? leases[0] : null;
        return new LeaseResult(false, holder);
    }

    public async Task<bool> RenewLeaseAsync(string target, string runId, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        await using var command = _source.CreateCommand("UPDATE leases SET expires_at = @expires WHERE target = @target AND run_id = @run");
        command.Parameters.AddWithValue("expires", JournalSchema.Time(_time.GetUtcNow() + ttl));
        command.Parameters.AddWithValue("target", target);
        command.Parameters.AddWithValue("run", runId);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    public async Task ReleaseLeaseAsync(string target, string runId, CancellationToken cancellationToken = default)
    {
        await using var command = _source.CreateCommand("DELETE FROM leases WHERE target = @target AND run_id = @run");
        command.Parameters.AddWithValue("target", target);
        command.Parameters.AddWithValue("run", runId);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task<IReadOnlyList<Lease>> ListLeasesAsync(CancellationToken cancellationToken = default) =>
        LeasesAsync("WHERE expires_at >= @now ORDER BY target", cancellationToken, ("now", JournalSchema.Time(_time.GetUtcNow())));

    private async Task<IReadOnlyList<Lease>> LeasesAsync(string where, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var command = _source.CreateCommand($"SELECT target, run_id, expires_at FROM leases {where}");
        JournalRows.Bind(command, parameters);
        return await JournalRows.ReadLeasesAsync(command, cancellationToken).ConfigureAwait(false);
    }

    private static async Task Execute(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        JournalRows.Bind(command, parameters);

        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<object?> Scalar(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        JournalRows.Bind(command, parameters);

        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => _source.DisposeAsync();
}
