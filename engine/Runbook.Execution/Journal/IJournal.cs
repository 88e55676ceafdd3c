namespace Runbook.Execution.Journal;

/// <summary>
/// The append-only record of every state change of every run: the source of truth that resume, history,
/// show and rollback read. An append is visible to every reader when the call returns, and on disk too when
/// <see cref="JournalDurability"/> says it must be (else it rides on the next sync); a kill -9 at any instant leaves
/// the journal readable with every completed append in it.
/// </summary>
public interface IJournal : IAsyncDisposable
{
    /// <summary>Where it is, for messages (a file path, or a PostgreSQL URL without its password).</summary>
    string Location { get; }

    /// <summary>
    /// Appends one event and returns it with its sequence number and time. <paramref name="data"/> is a JSON
    /// object whose secrets the caller has already masked.
    /// </summary>
    Task<JournalEntry> AppendAsync(string runId, JournalEventKind kind, string? stepId, string data, CancellationToken cancellationToken = default);

    /// <summary>
    /// Appends one event only if the run's last event is still <paramref name="afterSequence"/>; null (and nothing
    /// written) when another process appended in between. Settling a dead run uses it, so it never overwrites a
    /// resume that just began.
    /// </summary>
    Task<JournalEntry?> AppendIfLatestAsync(string runId, long afterSequence, JournalEventKind kind, string? stepId, string data, CancellationToken cancellationToken = default);

    /// <summary>Every event of a run, in sequence order.</summary>
    Task<IReadOnlyList<JournalEntry>> ReadAsync(string runId, CancellationToken cancellationToken = default);

    /// <summary>Runs, newest first, filtered.</summary>
    Task<IReadOnlyList<RunSummary>> ListRunsAsync(RunQuery query, CancellationToken cancellationToken = default);

    /// <summary>The full id of the one run whose id starts with <paramref name="prefix"/>, or null.</summary>
    Task<string?> ResolveRunIdAsync(string prefix, CancellationToken cancellationToken = default);

    /// <summary>
    /// Takes the lease on a target (<c>provider/service</c>) for a run, or returns the lease that another
    /// run holds and has not let expire. Works across machines when the journal is shared.
    /// </summary>
    Task<LeaseResult> TryAcquireLeaseAsync(string target, string runId, TimeSpan ttl, CancellationToken cancellationToken = default);

    /// <summary>Extends a lease the run holds; false if it was lost (expired and taken by another run).</summary>
    Task<bool> RenewLeaseAsync(string target, string runId, TimeSpan ttl, CancellationToken cancellationToken = default);

    Task ReleaseLeaseAsync(string target, string runId, CancellationToken cancellationToken = default);

    /// <summary>Leases not yet expired.</summary>
    Task<IReadOnlyList<Lease>> ListLeasesAsync(CancellationToken cancellationToken = default);
}
