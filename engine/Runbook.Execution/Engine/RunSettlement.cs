using Runbook.Execution.Journal;

namespace Runbook.Execution.Engine;

/// <summary>
/// A run whose engine died outside any step (kill -9, OOM, a power cut) still says "running" in its journal.
/// The next command that looks settles it: when the journaled engine process is certainly gone (see
/// <see cref="EngineProcess.Check"/>), the run is marked interrupted and its leases are released, so history
/// tells the truth and <c>runbook resume</c> or <c>runbook rollback</c> can take it from there. A run whose process
/// is alive, or whose process this machine cannot see (another host), is left alone; its leases expire.
/// </summary>
public static class RunSettlement
{
    public const string Signal = "engine_died";

    /// <summary>Settles every running run of this machine whose engine is gone; returns their ids.</summary>
    public static async Task<IReadOnlyList<string>> SettleDeadRunsAsync(IJournal journal, CancellationToken cancellationToken)
    {
        var settled = new List<string>();
        var running = await journal.ListRunsAsync(new RunQuery(Status: RunStatus.Running, Limit: 1000), cancellationToken).ConfigureAwait(false);
        foreach (var run in running)
        {
            var entries = await journal.ReadAsync(run.RunId, cancellationToken).ConfigureAwait(false);
            if (await SettleIfDeadAsync(journal, run.RunId, entries, cancellationToken).ConfigureAwait(false) is not null)
            {
                settled.Add(run.RunId);
            }
        }

        return settled;
    }

    /// <summary>The run's entries after settling it, or null when it needed no settling (or another process appended first).</summary>
    public static async Task<IReadOnlyList<JournalEntry>?> SettleIfDeadAsync(IJournal journal, string runId, IReadOnlyList<JournalEntry> entries, CancellationToken cancellationToken)
    {
        var state = RunState.FromJournal(runId, entries);
        if (entries.Count == 0 || state.Status != RunStatus.Running || state.Engine is not { } engine || engine.Check() != EngineLiveness.Dead)
        {
            return null;
        }

        var data = new JsonData()
            .Add("signal", Signal)
            .Add("reason", $"the engine process ({engine}) ended without finishing the run; settled by a later command")
            .Add("settled_by", EngineProcess.Current?.ToData())
            .ToJson();
        var appended = await journal.AppendIfLatestAsync(runId, entries[^1].Sequence, JournalEventKind.RunInterrupted, null, data, cancellationToken)
            .ConfigureAwait(false);
        if (appended is null)
        {
            return null; // someone appended meanwhile (a resume that just began): not ours to settle
        }

        foreach (var lease in await journal.ListLeasesAsync(cancellationToken).ConfigureAwait(false))
        {
            if (lease.RunId == runId)
            {
                await journal.ReleaseLeaseAsync(lease.Target, runId, cancellationToken).ConfigureAwait(false);
            }
        }

        return [.. entries, appended];
    }
}
