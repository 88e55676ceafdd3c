using System.Collections.Immutable;
using Runbook.Cli.Commands;
using Runbook.Cli.Composition;
using Runbook.Cli.Configuration;
using Runbook.Execution.Approvals;
using Runbook.Execution.Engine;
using Runbook.Execution.Journal;
using Runbook.Language;
using Runbook.Language.Text;

namespace Runbook.Cli.Execution;

/// <summary>A run found in the journal by id or unique prefix, with its events and folded state.</summary>
internal sealed record RunLookup(string RunId, IReadOnlyList<JournalEntry> Entries, RunState State)
{
    public static async Task<RunLookup> FindAsync(IJournal journal, string idOrPrefix, CancellationToken cancellationToken)
    {
        var runId = await journal.ResolveRunIdAsync(idOrPrefix, cancellationToken).ConfigureAwait(false)
            ?? throw new UsageException($"no run '{idOrPrefix}' in {journal.Location} (or the prefix matches several); see 'runbook history'");
        var entries = await journal.ReadAsync(runId, cancellationToken).ConfigureAwait(false);
        // A run whose engine died outside a step is settled (interrupted, leases released) before anyone acts on it.
        entries = await RunSettlement.SettleIfDeadAsync(journal, runId, entries, cancellationToken).ConfigureAwait(false) ?? entries;
        return new RunLookup(runId, entries, RunState.FromJournal(runId, entries));
    }

    /// <summary>
    /// The run and step a step path names: a step of this run, or <c>step/rest</c> where <c>step</c> is a playbook.run
    /// step of this run and <c>rest</c> a path in the child run it started (to any depth). A gate in a child run is
    /// approved, denied and resumed through its parent this way.
    /// </summary>
    public async Task<(RunLookup Run, string StepId)> FindStepAsync(IJournal journal, string path, CancellationToken cancellationToken)
    {
        if (State.Steps.ContainsKey(path) || State.ApprovalsRequested.ContainsKey(path))
        {
            return (this, path);
        }

        // The longest match: a fan-out item's key may itself hold a slash.
        var step = State.ChildRuns.Keys.Where(k => path.StartsWith(k + "/", StringComparison.Ordinal)).OrderByDescending(k => k.Length).FirstOrDefault();
        if (step is null)
        {
            return (this, path);
        }

        var child = await FindAsync(journal, State.ChildRuns[step].RunId, cancellationToken).ConfigureAwait(false);
        return await child.FindStepAsync(journal, path[(step.Length + 1)..], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The child runs a resume of this run continues (those its unfinished playbook.run steps started), each with the
    /// step path down to it (<c>sub/</c>), depth first.
    /// </summary>
    public async IAsyncEnumerable<(RunLookup Child, string Path)> ChildrenToContinueAsync(IJournal journal, string prefix,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var id in State.ChildRuns.Keys.Order(StringComparer.Ordinal))
        {
            if (ResumePolicy.ChildRunOf(State, id) is not { } childId || await journal.ResolveRunIdAsync(childId, cancellationToken).ConfigureAwait(false) is null)
            {
                continue; // not continued, or the parent died before the child wrote anything: it starts afresh
            }

            var child = await FindAsync(journal, childId, cancellationToken).ConfigureAwait(false);
            var path = $"{prefix}{id}/";
            yield return (child, path);
            await foreach (var grandchild in child.ChildrenToContinueAsync(journal, path, cancellationToken).ConfigureAwait(false))
            {
                yield return grandchild;
            }
        }
    }

    /// <summary>The engine process driving the run right now, when it is certainly alive on this machine.</summary>
    public EngineProcess? LiveEngine => State.Status == RunStatus.Running && State.Engine is { } engine && engine.Check() == EngineLiveness.Alive ? engine : null;

    /// <summary>The run's playbook as it was: refuses when the file changed since the run started.</summary>
    public LoadedPlaybook LoadPlaybook(CliConsole console)
    {
        var loaded = PlaybookArguments.LoadValid(State.PlaybookPath, ProviderRegistry.Catalog.FindProvider(State.Provider), console)
            ?? throw new UsageException($"the playbook of run {RunId} ({State.PlaybookPath}) no longer loads cleanly");
        var hash = ContentHash.Of(loaded.Source?.Text ?? string.Empty);
        if (hash != State.PlaybookHash)
        {
            throw new UsageException($"{State.PlaybookPath} changed since run {RunId} started; a run continues only with the playbook it started with "
                + "(restore that version, or start a new run)");
        }

        return loaded;
    }

    /// <summary>
    /// The approver groups the run's gates are judged by: those journaled when it started, whatever config this
    /// command finds (a --config that differs is named, not used). A run journaled before groups were recorded
    /// falls back to the config, and says so.
    /// </summary>
    public ApproverDirectory Approvers(string? configPath, CliConsole console)
    {
        if (State.ApproverGroups is { } journaled)
        {
            if (configPath is not null && !SameGroups(RunbookConfig.Load(configPath, console.WorkingDirectory).Groups, journaled))
            {
                console.Error.WriteLine($"runbook: note: run {RunId} keeps the approver groups it started with; the groups in {configPath} differ and are not used for its gates");
            }

            return new ApproverDirectory(journaled);
        }

        var config = RunbookConfig.Load(configPath, console.WorkingDirectory);
        console.Error.WriteLine($"runbook: note: run {RunId} did not journal its approver groups (it predates that); using "
            + (config.Path is { } path ? $"the groups of {path}" : "no approver groups (no runbook.yaml here; pass --config FILE)"));
        return new ApproverDirectory(config.Groups);
    }

    private static bool SameGroups(ImmutableDictionary<string, ImmutableArray<string>> a, ImmutableDictionary<string, ImmutableArray<string>> b) =>
        a.Count == b.Count && a.All(g => b.TryGetValue(g.Key, out var members) && members.SequenceEqual(g.Value, StringComparer.Ordinal));

    /// <summary>The run's inputs: as journaled, with secrets read again from their sources.</summary>
    public ImmutableDictionary<string, object?>? Inputs(LoadedPlaybook loaded, CliConsole console)
    {
        var given = State.Inputs
            .Where(i => loaded.Playbook!.FindInput(i.Key) is { IsSecret: false })
            .ToDictionary(i => i.Key, i => Runbook.Execution.Actions.Values.ToText(i.Value), StringComparer.Ordinal);
        return Commands.ExecCommand.BindInputs(loaded, given, console);
    }
}
