using System.Text.Json;
using Runbook.Execution.Actions;
using Runbook.Execution.Engine;
using Runbook.Execution.Journal;
using Runbook.Execution.Tests.Support;

namespace Runbook.Execution.Tests.Journal;

/// <summary>
/// The durability rule (docs/execution.md) under a power loss at every point of a run. A real run is journaled;
/// then, for each point between two appends, every journal a power loss could leave there is rebuilt — any
/// prefix of the appends that ends at or after the last synced one — and the run is resumed from it as an
/// operator would (a step the resume asks about is answered from what really happened). Every mutating step
/// that is not idempotent must then have taken effect exactly once, and the run must end as it would have.
/// </summary>
public sealed class DurabilityCrashPointTests
{
    private const string Playbook = """
        apiVersion: runbook/v1
        kind: Playbook
        name: crash-points
        phases:
          assess:
            - id: look
              uses: http.check
              with: { url: http://x/look }
          mitigate:
            - id: change_a
              uses: http.request
              with: { url: http://x/a }
            - id: peek
              uses: http.check
              with: { url: http://x/peek }
            - id: change_b
              uses: http.request
              with: { url: http://x/b }
              idempotent: true
            - id: change_c
              uses: http.request
              with: { url: http://x/c }
        """;

    private static readonly string[] NotIdempotent = ["change_a", "change_c"];

    [Fact]
    public async Task A_power_loss_between_any_two_appends_leaves_a_journal_whose_resume_runs_every_mutating_step_exactly_once()
    {
        var entries = await JournalOfACompleteRunAsync();
        var checkedJournals = 0;
        for (var crash = 0; crash <= entries.Count; crash++)
        {
            var lastSynced = LastSyncedBefore(entries, crash);
            // The step whose start was the last append may or may not have acted before the power went.
            var inFlight = crash > 0 && entries[crash - 1].Kind == JournalEventKind.StepStarted ? entries[crash - 1].StepId : null;
            foreach (var inFlightActed in inFlight is null ? [false] : new[] { false, true })
            {
                var acted = ActedBefore(entries, crash, inFlightActed);
                for (var survived = lastSynced; survived <= crash; survived++)
                {
                    await ResumeFromAsync(entries.Take(survived).ToList(), acted, $"crash after {crash} appends, {survived} survived, in-flight acted: {inFlightActed}");
                    checkedJournals++;
                }
            }
        }

        // A run of five steps has at least ten appends; far fewer journals would mean the loop checked nothing.
        Assert.True(checkedJournals > 20, $"only {checkedJournals} journals were checked");
    }

    [Fact]
    public async Task A_run_of_read_only_and_mutating_steps_syncs_once_per_mutating_start_and_once_at_its_end()
    {
        var entries = await JournalOfACompleteRunAsync();

        var synced = entries.Where(e => JournalDurability.MustSync(e.Kind, Data(e))).Select(e => (e.Kind, e.StepId)).ToList();

        Assert.Equal(
            [(JournalEventKind.StepStarted, "change_a"), (JournalEventKind.StepStarted, "change_b"), (JournalEventKind.StepStarted, "change_c"), (JournalEventKind.RunFinished, null)],
            synced);
    }

    [Fact]
    public void A_step_start_that_does_not_say_it_is_read_only_is_synced()
    {
        Assert.True(JournalDurability.MustSync(JournalEventKind.StepStarted, Parse("""{"attempt":1}""")));
        Assert.True(JournalDurability.MustSync(JournalEventKind.StepStarted, Parse("""{"attempt":1,"mutates":"false"}""")));
        Assert.True(JournalDurability.MustSync(JournalEventKind.StepStarted, Parse("""{"attempt":1,"mutates":null}""")));
        Assert.True(JournalDurability.MustSync(JournalEventKind.StepStarted, Parse("[]")));
        Assert.False(JournalDurability.MustSync(JournalEventKind.StepStarted, Parse("""{"attempt":1,"mutates":false}""")));
    }

    [Fact]
    public void Decisions_pauses_interruptions_and_compensation_starts_are_synced()
    {
        var empty = Parse("{}");
        foreach (var kind in new[]
                 {
                     JournalEventKind.ApprovalRequested, JournalEventKind.ApprovalDecided, JournalEventKind.RunPaused, JournalEventKind.RunInterrupted,
                     JournalEventKind.RunResumed, JournalEventKind.RunFinished, JournalEventKind.RollbackStarted, JournalEventKind.CompensationStarted,
                     JournalEventKind.RollbackFinished,
                 })
        {
            Assert.True(JournalDurability.MustSync(kind, empty), kind.ToString());
        }

        Assert.True(JournalDurability.MustSync(JournalEventKind.StepSucceeded, Parse("""{"outputs":{},"marked_done_by":"alice"}""")));
    }

    [Fact]
    public void Every_event_kind_has_a_durability_decision_that_is_stable()
    {
        // A kind added later falls to "synced" unless someone decides otherwise: the safe default.
        foreach (var kind in Enum.GetValues<JournalEventKind>())
        {
            var data = Parse("""{"mutates":false}""");
            Assert.Equal(JournalDurability.MustSync(kind, data), JournalDurability.MustSync(kind, data));
        }

        Assert.False(JournalDurability.MustSync(JournalEventKind.StepSucceeded, Parse("""{"outputs":{}}""")));
        Assert.False(JournalDurability.MustSync(JournalEventKind.RunStarted, Parse("{}")));
    }

    private static async Task<IReadOnlyList<JournalEntry>> JournalOfACompleteRunAsync()
    {
        await using var harness = new ExecutorHarness(new FakeAction("http.check"), new FakeAction("http.request"));
        var result = await harness.RunAsync(Playbook);
        Assert.Equal(RunStatus.Succeeded, result.Status);
        return await harness.EntriesAsync(result.RunId);
    }

    /// <summary>How many appends a power loss after <paramref name="crash"/> appends cannot take away: up to the last synced one.</summary>
    private static int LastSyncedBefore(IReadOnlyList<JournalEntry> entries, int crash)
    {
        for (var i = crash - 1; i >= 0; i--)
        {
            if (JournalDurability.MustSync(entries[i].Kind, Data(entries[i])))
            {
                return i + 1;
            }
        }

        return 0;
    }

    /// <summary>The mutating steps that acted before the crash: started earlier, and the in-flight one if it got that far.</summary>
    private static HashSet<string> ActedBefore(IReadOnlyList<JournalEntry> entries, int crash, bool inFlightActed)
    {
        var acted = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < crash; i++)
        {
            var e = entries[i];
            if (e.Kind == JournalEventKind.StepStarted && e.StepId!.StartsWith("change_", StringComparison.Ordinal) && (i < crash - 1 || inFlightActed))
            {
                acted.Add(e.StepId);
            }
        }

        return acted;
    }

    private static async Task ResumeFromAsync(List<JournalEntry> survived, HashSet<string> acted, string situation)
    {
        var request = new FakeAction("http.request");
        await using var harness = new ExecutorHarness(new FakeAction("http.check"), request);
        var loaded = harness.Load(Playbook);
        if (survived.Count == 0)
        {
            // Nothing reached the disk: nothing that mutates may have acted, or it would be forgotten.
            Assert.True(acted.Count == 0, $"{situation}: {string.Join(", ", acted)} acted but the journal lost the run");
            return;
        }

        var runId = survived[0].RunId;
        var journal = await harness.JournalAsync();
        foreach (var e in survived)
        {
            await journal.AppendAsync(runId, e.Kind, e.StepId, e.Data);
        }

        var state = await harness.StateAsync(runId);
        foreach (var step in acted)
        {
            Assert.True(state.Step(step).Status != StepStatus.Pending, $"{situation}: {step} acted but its start was lost");
        }

        if (state.Status != RunStatus.Running)
        {
            Assert.Equal(RunStatus.Succeeded, state.Status);
            return;
        }

        // The operator's answers, from what really happened.
        foreach (var unsure in ResumePolicy.StepsNeedingAHuman(loaded.Graph!, state, new HashSet<string>()))
        {
            if (acted.Contains(unsure.Id))
            {
                await journal.AppendAsync(runId, JournalEventKind.StepSucceeded, unsure.Id, """{"outputs":{},"marked_done_by":"operator"}""");
            }
        }

        state = await harness.StateAsync(runId);
        var result = await Executor.ResumeAsync(await harness.ServicesAsync(), ExecutorHarness.Request(loaded), state);

        Assert.True(result.Status == RunStatus.Succeeded, $"{situation}: {result.Status} {result.Summary}");
        var resumedCalls = request.Calls.Select(c => c.StepId).ToList();
        foreach (var step in NotIdempotent)
        {
            var times = (acted.Contains(step) ? 1 : 0) + resumedCalls.Count(s => s == step);
            Assert.True(times == 1, $"{situation}: {step} took effect {times} times");
        }

        Assert.True(acted.Contains("change_b") || resumedCalls.Contains("change_b"), $"{situation}: change_b never took effect");
    }

    private static JsonElement Data(JournalEntry entry) => Parse(entry.Data);

    private static JsonElement Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.Clone();
    }
}
