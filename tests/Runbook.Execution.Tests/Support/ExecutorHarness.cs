using System.Collections.Frozen;
using System.Collections.Immutable;
using Runbook.Execution.Actions;
using Runbook.Execution.Approvals;
using Runbook.Execution.Engine;
using Runbook.Execution.Journal;
using Runbook.Execution.Secrets;
using Runbook.Language;
using Runbook.Language.Actions;
using Runbook.Language.Diagnostics;
using Runbook.Language.Inputs;

namespace Runbook.Execution.Tests.Support;

/// <summary>
/// Runs playbooks through the real executor and a real SQLite journal in a temp folder, with actions the
/// test scripts. One harness per test.
/// </summary>
internal sealed class ExecutorHarness : IAsyncDisposable
{
    private readonly string _folder = System.IO.Directory.CreateTempSubdirectory("runbook-exec-").FullName;
    private readonly HttpClient _http = new();

    public ExecutorHarness(params IStepAction[] actions)
    {
        Actions = actions.ToDictionary(a => a.Name, StringComparer.Ordinal);
    }

    public Dictionary<string, IStepAction> Actions { get; }

    public RecordingObserver Observer { get; } = new();

    public SecretMasker Masker { get; } = new();

    public IApprovalChannel Approvals { get; set; } = new ScriptedApprovals(ApprovalChannelResult.Pause);

    public ApproverDirectory Directory { get; set; } = ApproverDirectory.Empty;

    public TimeProvider Time { get; set; } = TimeProvider.System;

    public string JournalPath => Path.Combine(_folder, "journal.db");

    private IJournal? _journal;

    public async Task<IJournal> JournalAsync() => _journal ??= await JournalFactory.OpenAsync(JournalPath, null, Time, CancellationToken.None);

    /// <summary>The temp folder the playbooks are written to (the playbook's folder for file arguments).</summary>
    public string Folder => _folder;

    /// <summary>A playbook as loaded, errors and all: for proving what the executor does with one the checker refused.</summary>
    public LoadedPlaybook LoadUnchecked(string yaml)
    {
        var path = Path.Combine(_folder, $"playbook-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, yaml);
        return PlaybookLoader.LoadFile(path, ActionCatalog.Create([]));
    }

    public LoadedPlaybook Load(string yaml)
    {
        var path = Path.Combine(_folder, $"playbook-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, yaml);
        var loaded = PlaybookLoader.LoadFile(path, ActionCatalog.Create([]));
        Assert.True(loaded.IsValid, string.Join("\n", loaded.Diagnostics));
        return loaded;
    }

    public async Task<ExecutorServices> ServicesAsync() => new(
        await JournalAsync(),
        ActionCatalog.Create([]),
        Actions.ToFrozenDictionary(StringComparer.Ordinal),
        Observer,
        Approvals,
        Directory,
        Masker,
        Time,
        _http,
        _folder);

    public static RunRequest Request(LoadedPlaybook playbook, IReadOnlyDictionary<string, string>? inputs = null, string initiator = "alice",
        bool dryRun = false, int maxParallel = 4)
    {
        var bag = new DiagnosticBag();
        var values = InputValues.Bind(playbook.Playbook!, inputs ?? new Dictionary<string, string>(), bag, source => Environment.GetEnvironmentVariable(source.Reference));
        Assert.False(bag.HasErrors, string.Join("\n", bag.Items));
        return new RunRequest(playbook, "compose", values, initiator, dryRun, MaxParallel: maxParallel);
    }

    public async Task<RunResult> RunAsync(string yaml, IReadOnlyDictionary<string, string>? inputs = null, bool dryRun = false, int maxParallel = 4)
    {
        var playbook = Load(yaml);
        return await Executor.StartAsync(await ServicesAsync(), Request(playbook, inputs, dryRun: dryRun, maxParallel: maxParallel));
    }

    public async Task<RunState> StateAsync(string runId) =>
        RunState.FromJournal(runId, await (await JournalAsync()).ReadAsync(runId));

    public async Task<IReadOnlyList<JournalEntry>> EntriesAsync(string runId) => await (await JournalAsync()).ReadAsync(runId);

    public async ValueTask DisposeAsync()
    {
        if (_journal is not null)
        {
            await _journal.DisposeAsync();
        }

        _http.Dispose();
        try
        {
            System.IO.Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
