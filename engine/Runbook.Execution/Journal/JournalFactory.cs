using Runbook.Execution.Journal.Sqlite;

namespace Runbook.Execution.Journal;

/// <summary>Opens the journal a location names: a SQLite file (the default) or a PostgreSQL database.</summary>
public static class JournalFactory
{
    /// <param name="location">null for the default file; a path or <c>sqlite:PATH</c>; or <c>postgres://user:pass@host:port/db</c>.</param>
    /// <param name="runbookHome">$RUNBOOK_HOME, where the default file lives (else the XDG state folder).</param>
    public static async Task<IJournal> OpenAsync(string? location, string? runbookHome, TimeProvider time, CancellationToken cancellationToken)
    {
        if (location is not null && (location.StartsWith("postgres://", StringComparison.Ordinal) || location.StartsWith("postgresql://", StringComparison.Ordinal)
            || location.Contains("Host=", StringComparison.OrdinalIgnoreCase)))
        {
            return await Postgres.PostgresJournal.OpenAsync(location, time, cancellationToken).ConfigureAwait(false);
        }

        var path = location switch
        {
            null => Path.Combine(runbookHome ?? DefaultHome(), "journal.db"),
            _ when location.StartsWith("sqlite:", StringComparison.Ordinal) => location["sqlite:".Length..],
            _ => location,
        };
        return await SqliteJournal.OpenAsync(path, time, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>$XDG_STATE_HOME/runbook, else ~/.local/state/runbook.</summary>
    public static string DefaultHome()
    {
        var state = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        if (string.IsNullOrEmpty(state))
        {
            state = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
        }

        return Path.Combine(state, "runbook");
    }
}
