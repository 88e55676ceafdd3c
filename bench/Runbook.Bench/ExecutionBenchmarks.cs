using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Text;
using BenchmarkDotNet.Attributes;
using Runbook.Execution.Actions;
using Runbook.Execution.Approvals;
using Runbook.Execution.Engine;
using Runbook.Execution.Journal;
using Runbook.Execution.Secrets;
using Runbook.Language;
using Runbook.Language.Actions;

namespace Runbook.Bench;

/// <summary>Issue 11: engine overhead per step (1,000 no-op steps, SQLite journal) and journal appends.</summary>
[MemoryDiagnoser]
public class ExecutionBenchmarks
{
    private string _folder = string.Empty;
    private LoadedPlaybook _thousand = null!;
    private IJournal _journal = null!;
    private IJournal? _postgres;
    private int _run;

    [GlobalSetup]
    public async Task Setup()
    {
        _folder = Directory.CreateTempSubdirectory("runbook-bench-exec-").FullName;
        var text = new StringBuilder("apiVersion: runbook/v1\nkind: Playbook\nname: thousand\nphases:\n  assess:\n");
        for (var i = 0; i < 1000; i++)
        {
            text.Append($"    - {{ id: s{i}, uses: http.check, with: {{ url: \"http://x/{i}\" }} }}\n");
        }

        var path = Path.Combine(_folder, "thousand.yaml");
        await File.WriteAllTextAsync(path, text.ToString());
        _thousand = PlaybookLoader.LoadFile(path, ActionCatalog.Create([]));
        _journal = await JournalFactory.OpenAsync(Path.Combine(_folder, "journal.db"), null, TimeProvider.System, CancellationToken.None);
        if (Environment.GetEnvironmentVariable("RUNBOOK_BENCH_POSTGRES") is { Length: > 0 } url)
        {
            _postgres = await JournalFactory.OpenAsync(url, null, TimeProvider.System, CancellationToken.None);
        }
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _journal.DisposeAsync();
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }

        Directory.Delete(_folder, recursive: true);
    }

    [Benchmark(Description = "run 1,000 no-op steps (2 journal appends each, SQLite)", OperationsPerInvoke = 1000)]
    public async Task<RunResult> ThousandNoOpSteps()
    {
        using var http = new HttpClient();
        var services = new ExecutorServices(_journal, ActionCatalog.Create([]),
            new IStepAction[] { new NoOp() }.ToFrozenDictionary(a => a.Name), new Quiet(), new Refuse(), ApproverDirectory.Empty,
            new SecretMasker(), TimeProvider.System, http, _folder);
        return await Executor.StartAsync(services, new RunRequest(_thousand, "compose", ImmutableDictionary<string, object?>.Empty, "bench",
            RunId: $"bench-{Interlocked.Increment(ref _run)}-{Guid.NewGuid():N}"));
    }

    [Benchmark(Description = "journal append (SQLite, a mutating step's start: synced)", OperationsPerInvoke = 200)]
    public async Task SqliteAppends()
    {
        var run = $"append-{Guid.NewGuid():N}";
        await _journal.AppendAsync(run, JournalEventKind.RunStarted, null, """{"playbook":"p","provider":"compose","initiator":"b"}""");
        for (var i = 1; i < 200; i++)
        {
            await _journal.AppendAsync(run, JournalEventKind.StepStarted, "s", """{"attempt":1}""");
        }
    }

    /// <summary>PostgreSQL appends; bench/run --only in-process starts a throwaway cluster and sets RUNBOOK_BENCH_POSTGRES.</summary>
    [Benchmark(Description = "journal append (PostgreSQL 15, local)", OperationsPerInvoke = 200)]
    public async Task PostgresAppends()
    {
        if (_postgres is null)
        {
            throw new InvalidOperationException("set RUNBOOK_BENCH_POSTGRES=postgres://… (bench/run --only in-process does)");
        }

        var run = $"append-{Guid.NewGuid():N}";
        await _postgres.AppendAsync(run, JournalEventKind.RunStarted, null, """{"playbook":"p","provider":"compose","initiator":"b"}""");
        for (var i = 1; i < 200; i++)
        {
            await _postgres.AppendAsync(run, JournalEventKind.StepStarted, "s", """{"attempt":1}""");
        }
    }

    private sealed class NoOp : IStepAction
    {
        public string Name => "http.check";

        public ValueTask<StepOutcome> ExecuteAsync(StepInvocation invocation, CancellationToken cancellationToken) => ValueTask.FromResult(StepOutcome.Success());
    }

    private sealed class Quiet : IRunObserver
    {
        public void On(RunEvent runEvent)
        {
        }
    }

    private sealed class Refuse : IApprovalChannel
    {
        public Task<(ApprovalChannelResult Result, string? Comment)> AskAsync(ApprovalQuestion question, CancellationToken cancellationToken) =>
            Task.FromResult<(ApprovalChannelResult, string?)>((ApprovalChannelResult.Pause, null));
    }
}
