using System.Collections.Immutable;
using Runbook.Cli.Commands;
using Runbook.Cli.Composition;
using Runbook.Execution.Engine;
using Runbook.Execution.Journal;
using Runbook.Language;

namespace Runbook.Cli.Execution;

/// <summary>A run found in the journal by id or unique prefix, with its events and folded state.</summary>
internal sealed record RunLookup(string RunId, IReadOnlyList<JournalEntry> Entries, RunState State)
{
    public static async Task<RunLookup> FindAsync(IJournal journal, string idOrPrefix, CancellationToken cancellationToken)
    {
        var runId = await journal.ResolveRunIdAsync(idOrPrefix, cancellationToken).ConfigureAwait(false)
            ?? throw new UsageException($"no run '{idOrPrefix}' in {journal.Location} (or the prefix matches several); see 'runbook history'");
        var entries = await journal.ReadAsync(runId, cancellationToken).ConfigureAwait(false);
        return new RunLookup(runId, entries, RunState.FromJournal(runId, entries));
    }

    /// <summary>The run's playbook as it was: refuses when the file changed since the run started.</summary>
    public LoadedPlaybook LoadPlaybook(CliConsole console)
    {
        var loaded = PlaybookArguments.LoadValid(State.PlaybookPath, ProviderRegistry.Catalog.FindProvider(State.Provider), console)
            ?? throw new UsageException($"the playbook of run {RunId} ({State.PlaybookPath}) no longer loads cleanly");
        var hash = "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes(loaded.Source?.Text ?? string.Empty)));
        if (hash != State.PlaybookHash)
        {
            throw new UsageException($"{State.PlaybookPath} changed since run {RunId} started; a run continues only with the playbook it started with "
                + "(restore that version, or start a new run)");
        }

        return loaded;
    }

    /// <summary>The run's inputs: as journaled, with secrets read again from their sources.</summary>
    public ImmutableDictionary<string, object?>? Inputs(LoadedPlaybook loaded, CliConsole console)
    {
        var given = State.Inputs
            .Where(i => loaded.Playbook!.FindInput(i.Key) is { IsSecret: false })
            .ToDictionary(i => i.Key, i => Runbook.Execution.Actions.Values.ToText(i.Value), StringComparer.Ordinal);
        return Commands.ExecCommand.BindInputs(loaded, given, console);
    }
}
