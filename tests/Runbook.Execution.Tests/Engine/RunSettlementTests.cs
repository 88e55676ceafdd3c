using System.Diagnostics;
using System.Text.Json;
using Runbook.Execution.Engine;
using Runbook.Execution.Journal;

namespace Runbook.Execution.Tests.Engine;

/// <summary>A run whose engine died is settled by the next command; a live one, or one on another machine, never is.</summary>
public sealed class RunSettlementTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("runbook-settle-").FullName;

    [Fact]
    public void This_process_is_alive()
    {
        Assert.Equal(EngineLiveness.Alive, EngineProcess.Current!.Check());
    }

    [Fact]
    public void A_process_that_ended_is_dead()
    {
        var ended = EndedProcess();

        Assert.Equal(EngineLiveness.Dead, ended.Check());
    }

    [Fact]
    public void A_pid_now_used_by_another_process_is_dead()
    {
        var reused = EngineProcess.Current! with { StartTicks = EngineProcess.Current.StartTicks - 1 };

        Assert.Equal(EngineLiveness.Dead, reused.Check());
    }

    [Fact]
    public void Another_host_boot_or_pid_namespace_cannot_be_judged_from_here()
    {
        var ended = EndedProcess();

        Assert.Equal(EngineLiveness.Unknown, (ended with { Host = ended.Host + "-elsewhere" }).Check());
        Assert.Equal(EngineLiveness.Unknown, (ended with { BootId = "00000000-0000-0000-0000-000000000000" }).Check());
        Assert.Equal(EngineLiveness.Unknown, (ended with { PidNamespace = "pid:[1]" }).Check());
    }

    [Fact]
    public async Task A_running_run_whose_engine_died_becomes_interrupted_and_its_locks_are_released()
    {
        await using var journal = await Open();
        await Start(journal, "dead", EndedProcess());
        await journal.TryAcquireLeaseAsync("compose/api", "dead", TimeSpan.FromMinutes(2));

        var settled = await RunSettlement.SettleDeadRunsAsync(journal, CancellationToken.None);

        Assert.Equal(["dead"], settled);
        var entries = await journal.ReadAsync("dead");
        Assert.Equal(JournalEventKind.RunInterrupted, entries[^1].Kind);
        Assert.Contains(RunSettlement.Signal, entries[^1].Data, StringComparison.Ordinal);
        Assert.Equal(RunStatus.Interrupted, RunState.FromJournal("dead", entries).Status);
        Assert.Empty(await journal.ListLeasesAsync());
    }

    [Fact]
    public async Task A_run_whose_engine_is_alive_on_another_host_or_unrecorded_is_left_running()
    {
        await using var journal = await Open();
        await Start(journal, "alive", EngineProcess.Current!);
        await Start(journal, "elsewhere", EndedProcess() with { Host = "another-machine" });
        await Start(journal, "old", null);
        await journal.TryAcquireLeaseAsync("compose/api", "alive", TimeSpan.FromMinutes(2));

        var settled = await RunSettlement.SettleDeadRunsAsync(journal, CancellationToken.None);

        Assert.Empty(settled);
        Assert.All(await journal.ListRunsAsync(new RunQuery()), run => Assert.Equal(RunStatus.Running, run.Status));
        Assert.Single(await journal.ListLeasesAsync());
    }

    [Fact]
    public async Task A_run_resumed_by_a_live_process_is_judged_by_that_process_not_the_dead_one()
    {
        await using var journal = await Open();
        await Start(journal, "resumed", EndedProcess());
        await journal.AppendAsync("resumed", JournalEventKind.RunResumed, null, Data(("resumed_by", "bob"), ("engine", EngineProcess.Current)));

        Assert.Empty(await RunSettlement.SettleDeadRunsAsync(journal, CancellationToken.None));
    }

    [Fact]
    public async Task A_run_that_paused_for_approval_is_not_running_and_is_left_alone()
    {
        await using var journal = await Open();
        await Start(journal, "paused", EndedProcess());
        await journal.AppendAsync("paused", JournalEventKind.RunPaused, null, """{"awaiting":"change"}""");

        Assert.Empty(await RunSettlement.SettleDeadRunsAsync(journal, CancellationToken.None));
        Assert.Equal(RunStatus.AwaitingApproval, (await journal.ListRunsAsync(new RunQuery())).Single().Status);
    }

    private static EngineProcess EndedProcess()
    {
        using var process = Process.Start("sleep", "30");
        var identity = EngineProcess.Of(process.Id)!;
        process.Kill();
        process.WaitForExit();
        return identity;
    }

    private Task<IJournal> Open() => JournalFactory.OpenAsync(Path.Combine(_folder, "journal.db"), null, TimeProvider.System, CancellationToken.None);

    private static Task Start(IJournal journal, string runId, EngineProcess? engine) =>
        journal.AppendAsync(runId, JournalEventKind.RunStarted, null,
            Data(("playbook", "p"), ("provider", "compose"), ("initiator", "alice"), ("engine", engine)));

    private static string Data(params (string Name, object? Value)[] fields)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            foreach (var (name, value) in fields)
            {
                json.WritePropertyName(name);
                Runbook.Execution.Actions.Values.Write(json, value is EngineProcess e ? e.ToData() : value);
            }

            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
