using System.Globalization;

namespace Runbook.Execution.Journal;

/// <summary>
/// The journal's tables and their versioned migrations, shared by SQLite and PostgreSQL (plain SQL both
/// accept). A migration is never edited once released: add the next one.
/// </summary>
internal static class JournalSchema
{
    public static readonly string[] Migrations =
    [
        """
        CREATE TABLE runs (
            run_id TEXT PRIMARY KEY,
            playbook TEXT NOT NULL,
            provider TEXT NOT NULL,
            initiator TEXT NOT NULL,
            dry_run INTEGER NOT NULL,
            status TEXT NOT NULL,
            started_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            finished_at TEXT NULL,
            last_seq BIGINT NOT NULL
        );
        CREATE TABLE events (
            run_id TEXT NOT NULL,
            seq BIGINT NOT NULL,
            at TEXT NOT NULL,
            kind TEXT NOT NULL,
            step_id TEXT NULL,
            data TEXT NOT NULL,
            PRIMARY KEY (run_id, seq)
        );
        CREATE TABLE leases (
            target TEXT PRIMARY KEY,
            run_id TEXT NOT NULL,
            expires_at TEXT NOT NULL
        );
        CREATE INDEX runs_started ON runs (started_at);
        """,
    ];

    public static int Version => Migrations.Length;

    /// <summary>Times are stored as fixed-width ISO-8601 UTC text, so text order is time order in both databases.</summary>
    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    public static DateTimeOffset ParseTime(string text) =>
        DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    /// <summary>What an event does to its run's row: the new status, if it changes.</summary>
    public static RunStatus? StatusAfter(JournalEventKind kind, System.Text.Json.JsonElement data) => kind switch
    {
        JournalEventKind.RunStarted or JournalEventKind.RunResumed => RunStatus.Running,
        JournalEventKind.RunPaused => RunStatus.AwaitingApproval,
        JournalEventKind.RunInterrupted => RunStatus.Interrupted,
        JournalEventKind.RunFinished => Engine.RunStatuses.Parse(data.TryGetProperty("status", out var s) ? s.GetString() ?? "failed" : "failed"),
        _ => null,
    };
}
