using Microsoft.Extensions.Time.Testing;
using Runbook.Execution.Journal;

namespace Runbook.Execution.Tests.Journal;

/// <summary>What every journal must do, run against SQLite and against a real PostgreSQL.</summary>
public abstract class JournalContract
{
    protected FakeTimeProvider Time { get; } = new(DateTimeOffset.Parse("2026-11-24T03:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>A journal over a fresh store; a second call opens another instance over the same store.</summary>
    protected abstract Task<IJournal?> OpenAsync();

    private const string Started = """{"playbook":"p","provider":"compose","initiator":"alice","dry_run":false}""";

    [Fact]
    public async Task Appends_come_back_in_order_with_consecutive_sequence_numbers()
    {
        await using var journal = await OpenAsync();
        if (journal is null)
        {
            return;
        }

        await journal.AppendAsync("r1", JournalEventKind.RunStarted, null, Started);
        await journal.AppendAsync("r1", JournalEventKind.StepStarted, "a", """{"attempt":1}""");
        await journal.AppendAsync("r1", JournalEventKind.StepSucceeded, "a", """{"outputs":{"x":"ü ✓"}}""");

        var entries = await journal.ReadAsync("r1");
        Assert.Equal([1L, 2L, 3L], entries.Select(e => e.Sequence));
        Assert.Equal([JournalEventKind.RunStarted, JournalEventKind.StepStarted, JournalEventKind.StepSucceeded], entries.Select(e => e.Kind));
        Assert.Equal("""{"outputs":{"x":"ü ✓"}}""", entries[2].Data);
        Assert.Equal(Time.GetUtcNow(), entries[0].At);
    }

    [Fact]
    public async Task A_conditional_append_writes_nothing_when_another_process_appended_first()
    {
        await using var journal = await OpenAsync();
        await using var other = await OpenAsync();
        if (journal is null || other is null)
        {
            return;
        }

        var started = await journal.AppendAsync("r3", JournalEventKind.RunStarted, null, Started);
        await other.AppendAsync("r3", JournalEventKind.RunResumed, null, "{}");

        var stale = await journal.AppendIfLatestAsync("r3", started.Sequence, JournalEventKind.RunInterrupted, null, "{}");
        var current = await journal.AppendIfLatestAsync("r3", started.Sequence + 1, JournalEventKind.RunInterrupted, null, "{}");
        var unknownRun = await journal.AppendIfLatestAsync("no-such-run", 0, JournalEventKind.RunInterrupted, null, "{}");

        Assert.Null(stale);
        Assert.Equal(3, current!.Sequence);
        Assert.Null(unknownRun);
        Assert.Equal([JournalEventKind.RunStarted, JournalEventKind.RunResumed, JournalEventKind.RunInterrupted], (await journal.ReadAsync("r3")).Select(e => e.Kind));
        Assert.Empty(await journal.ReadAsync("no-such-run"));
    }

    [Fact]
    public async Task Concurrent_appends_get_distinct_consecutive_sequence_numbers()
    {
        await using var journal = await OpenAsync();
        await using var other = await OpenAsync();
        if (journal is null || other is null)
        {
            return;
        }

        await journal.AppendAsync("r2", JournalEventKind.RunStarted, null, Started);
        await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
            (i % 2 == 0 ? journal : other).AppendAsync("r2", JournalEventKind.StepStarted, $"s{i}", "{}")));

        var entries = await journal.ReadAsync("r2");
        Assert.Equal(Enumerable.Range(1, 41).Select(i => (long)i), entries.Select(e => e.Sequence));
        Assert.Equal(40, entries.Select(e => e.StepId).Where(s => s is not null).Distinct().Count());
    }

    [Fact]
    public async Task The_runs_list_follows_each_run_through_its_states_with_filters()
    {
        await using var journal = await OpenAsync();
        if (journal is null)
        {
            return;
        }

        await journal.AppendAsync("20261124-030000-aaaaaa", JournalEventKind.RunStarted, null, Started);
        await journal.AppendAsync("20261124-030000-aaaaaa", JournalEventKind.RunPaused, null, """{"awaiting":"x"}""");
        Time.Advance(TimeSpan.FromMinutes(1));
        await journal.AppendAsync("20261124-030100-bbbbbb", JournalEventKind.RunStarted, null, Started.Replace("compose", "kubernetes", StringComparison.Ordinal));
        await journal.AppendAsync("20261124-030100-bbbbbb", JournalEventKind.RunFinished, null, """{"status":"rolled_back"}""");

        var all = await journal.ListRunsAsync(new RunQuery());
        var paused = await journal.ListRunsAsync(new RunQuery(Status: RunStatus.AwaitingApproval));
        var kubernetes = await journal.ListRunsAsync(new RunQuery(Provider: "kubernetes"));

        Assert.Equal(["20261124-030100-bbbbbb", "20261124-030000-aaaaaa"], all.Select(r => r.RunId));
        Assert.Equal(RunStatus.RolledBack, all[0].Status);
        Assert.NotNull(all[0].FinishedAt);
        Assert.Equal("20261124-030000-aaaaaa", Assert.Single(paused).RunId);
        Assert.Equal("20261124-030100-bbbbbb", Assert.Single(kubernetes).RunId);
    }

    [Fact]
    public async Task A_unique_prefix_finds_a_run_and_an_ambiguous_one_does_not()
    {
        await using var journal = await OpenAsync();
        if (journal is null)
        {
            return;
        }

        await journal.AppendAsync("20261124-030000-aaaaaa", JournalEventKind.RunStarted, null, Started);
        await journal.AppendAsync("20261124-030000-abbbbb", JournalEventKind.RunStarted, null, Started);

        Assert.Equal("20261124-030000-aaaaaa", await journal.ResolveRunIdAsync("20261124-030000-aa"));
        Assert.Null(await journal.ResolveRunIdAsync("20261124-030000-a"));
        Assert.Null(await journal.ResolveRunIdAsync("nothing"));
    }

    [Fact]
    public async Task A_lease_is_held_renewed_released_and_expires_when_its_run_dies()
    {
        await using var journal = await OpenAsync();
        if (journal is null)
        {
            return;
        }

        var ttl = TimeSpan.FromMinutes(2);
        Assert.True((await journal.TryAcquireLeaseAsync("kubernetes/api", "run-a", ttl)).Acquired);
        var refused = await journal.TryAcquireLeaseAsync("kubernetes/api", "run-b", ttl);
        Assert.False(refused.Acquired);
        Assert.Equal("run-a", refused.Holder!.RunId);

        Time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(await journal.RenewLeaseAsync("kubernetes/api", "run-a", ttl));
        Time.Advance(TimeSpan.FromMinutes(1.5));
        Assert.False((await journal.TryAcquireLeaseAsync("kubernetes/api", "run-b", ttl)).Acquired);
        Assert.Equal("run-a", Assert.Single(await journal.ListLeasesAsync()).RunId);

        Time.Advance(TimeSpan.FromMinutes(1)); // run-a stopped renewing: crashed
        Assert.Empty(await journal.ListLeasesAsync());
        Assert.True((await journal.TryAcquireLeaseAsync("kubernetes/api", "run-b", ttl)).Acquired);
        Assert.False(await journal.RenewLeaseAsync("kubernetes/api", "run-a", ttl));

        await journal.ReleaseLeaseAsync("kubernetes/api", "run-b");
        Assert.True((await journal.TryAcquireLeaseAsync("kubernetes/api", "run-c", ttl)).Acquired);
    }

    [Fact]
    public async Task Opening_twice_migrates_once_and_keeps_the_data()
    {
        await using (var first = await OpenAsync())
        {
            if (first is null)
            {
                return;
            }

            await first.AppendAsync("r9", JournalEventKind.RunStarted, null, Started);
        }

        await using var second = await OpenAsync();
        Assert.Single(await second!.ReadAsync("r9"));
    }
}

public sealed class SqliteJournalTests : JournalContract, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("runbook-journal-").FullName;

    protected override async Task<IJournal?> OpenAsync() =>
        await JournalFactory.OpenAsync(Path.Combine(_folder, "journal.db"), null, Time, CancellationToken.None);

    [Fact]
    public async Task The_default_journal_lives_under_runbook_home()
    {
        await using var journal = await JournalFactory.OpenAsync(null, _folder, Time, CancellationToken.None);
        Assert.Equal(Path.Combine(_folder, "journal.db"), journal.Location);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}

[Collection(Support.PostgresCollection.Name)]
public sealed class PostgresJournalTests(Support.PostgresCluster cluster) : JournalContract, IAsyncLifetime
{
    private string? _database;

    protected override async Task<IJournal?> OpenAsync() =>
        cluster.Ready() ? await JournalFactory.OpenAsync(cluster.Url(_database!), null, Time, CancellationToken.None) : null;

    public async Task InitializeAsync() => _database = cluster.Ready() ? await cluster.CreateDatabaseAsync() : null;

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task The_location_never_shows_the_password()
    {
        if (!cluster.Ready())
        {
            return;
        }

        var url = $"postgres://postgres:hunter2secret@127.0.0.1:{cluster.Port}/{_database}";
        await using var journal = await JournalFactory.OpenAsync(url, null, Time, CancellationToken.None);
        Assert.DoesNotContain("hunter2secret", journal.Location, StringComparison.Ordinal);
        var error = await Assert.ThrowsAsync<JournalException>(() =>
            JournalFactory.OpenAsync("postgres://postgres:hunter2secret@127.0.0.1:1/none", null, Time, CancellationToken.None));
        Assert.DoesNotContain("hunter2secret", error.Message, StringComparison.Ordinal);
    }
}
