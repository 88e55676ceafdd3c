namespace Runbook.Tests.Library;

/// <summary>
/// Runs a provider's library cases for its test class, several at once: the theory asks for its rows one after
/// another (xUnit runs a theory's rows in order), and each request also starts the rows that follow it, up to
/// RUNBOOK_LIBRARY_PARALLEL runs at a time (default 4; 1 runs only the row asked for, which is what running one case
/// with a filter wants). Each case has its own world, folder, journal, database, Redis database and http tenant,
/// so cases running together do not see each other. Rows started ahead and never asked for (a filter) are waited
/// for when the class ends.
/// </summary>
public sealed class LibraryCaseRunner : IAsyncDisposable
{
    private readonly Func<ILibraryWorld> _world;
    private readonly IReadOnlyList<(string File, string Target)> _rows;
    private readonly Dictionary<(string File, string Target), Task<CaseOutcome>> _started = [];
    private readonly SemaphoreSlim _running;
    private readonly int _ahead;

    public LibraryCaseRunner(string provider, Func<ILibraryWorld> world)
    {
        _world = world;
        _rows = LibraryRunner.Rows(provider);
        _ahead = int.TryParse(Environment.GetEnvironmentVariable("RUNBOOK_LIBRARY_PARALLEL"), out var n) && n >= 1 ? n : 4;
        _running = new SemaphoreSlim(_ahead, _ahead);
    }

    public LibraryPeers Peers { get; } = new();

    /// <summary>Runs (or waits for the run already under way of) one row, and fails the test when the case did not end as it expects.</summary>
    public async Task RunAsync(string file, string target)
    {
        Task<CaseOutcome> mine;
        lock (_started)
        {
            var at = _rows.ToList().IndexOf((file, target));
            mine = Start((file, target));
            for (var next = at + 1; at >= 0 && next < _rows.Count && next < at + _ahead; next++)
            {
                Start(_rows[next]);
            }
        }

        var outcome = await mine;
        if (outcome.Differences.Count > 0)
        {
            Assert.Fail(outcome.Report());
        }
    }

    private Task<CaseOutcome> Start((string File, string Target) row)
    {
        if (!_started.TryGetValue(row, out var task))
        {
            task = Task.Run(async () =>
            {
                await _running.WaitAsync();
                try
                {
                    return await LibraryRunner.RunFileAsync(row.File, row.Target, _world(), Peers);
                }
                finally
                {
                    _running.Release();
                }
            });
            _started[row] = task;
        }

        return task;
    }

    public async ValueTask DisposeAsync()
    {
        Task[] all;
        lock (_started)
        {
            all = [.. _started.Values];
        }

        try
        {
            await Task.WhenAll(all);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // a row started ahead and never asked for; its failure belongs to no test
        }

        await Peers.DisposeAsync();
        _running.Dispose();
    }
}
