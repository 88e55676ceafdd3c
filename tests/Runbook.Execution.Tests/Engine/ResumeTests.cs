using Runbook.Execution.Actions;
using Runbook.Execution.Engine;
using Runbook.Execution.Journal;
using Runbook.Execution.Tests.Support;

namespace Runbook.Execution.Tests.Engine;

public sealed class ResumeTests
{
    private const string Playbook = """
        apiVersion: runbook/v1
        kind: Playbook
        name: resumable
        phases:
          assess:
            - id: look
              uses: http.check
              with: { url: http://x }
          mitigate:
            - id: change
              uses: http.request
              with: { url: http://x/change }
              rollback: { uses: http.request, with: { url: http://x/undo } }
            - id: safe_change
              uses: http.request
              with: { url: http://x/safe }
              idempotent: true
              rollback: { uses: http.request, with: { url: http://x/undo-safe } }
        """;

    [Fact]
    public async Task Completed_steps_are_not_rerun_on_resume()
    {
        var check = new FakeAction("http.check");
        var request = new FakeAction("http.request");
        await using var harness = new ExecutorHarness(check, request);
        var loaded = harness.Load(Playbook);
        var journal = await harness.JournalAsync();
        var runId = "20261124-030000-abcdef";
        await journal.AppendAsync(runId, JournalEventKind.RunStarted, null,
            """{"playbook":"resumable","path":"p","playbook_hash":"h","provider":"compose","initiator":"alice","dry_run":false,"inputs":{}}""");
        await journal.AppendAsync(runId, JournalEventKind.StepStarted, "look", """{"attempt":1}""");
        await journal.AppendAsync(runId, JournalEventKind.StepSucceeded, "look", """{"attempt":1,"outputs":{}}""");
        await journal.AppendAsync(runId, JournalEventKind.StepStarted, "change", """{"attempt":1}""");
        await journal.AppendAsync(runId, JournalEventKind.StepSucceeded, "change", """{"attempt":1,"outputs":{}}""");
        await journal.AppendAsync(runId, JournalEventKind.StepStarted, "safe_change", """{"attempt":1}""");

        var state = await harness.StateAsync(runId);
        Assert.Empty(ResumePolicy.StepsNeedingAHuman(loaded.Graph!, state, new HashSet<string>()));
        var result = await Executor.ResumeAsync(await harness.ServicesAsync(), ExecutorHarness.Request(loaded), state);

        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.Empty(check.Calls);
        Assert.Equal(["http://x/safe"], request.Calls.Select(c => c.GetString("url")));
        Assert.Equal(2, (await harness.StateAsync(runId)).Step("safe_change").Attempts);
    }

    [Fact]
    public async Task An_interrupted_mutating_step_that_is_not_idempotent_needs_a_human()
    {
        await using var harness = new ExecutorHarness();
        var loaded = harness.Load(Playbook);
        var journal = await harness.JournalAsync();
        var runId = "20261124-030000-fedcba";
        await journal.AppendAsync(runId, JournalEventKind.RunStarted, null, """{"playbook":"resumable","provider":"compose","initiator":"alice","inputs":{}}""");
        await journal.AppendAsync(runId, JournalEventKind.StepStarted, "change", """{"attempt":1}""");

        var state = await harness.StateAsync(runId);

        Assert.Equal(["change"], ResumePolicy.StepsNeedingAHuman(loaded.Graph!, state, new HashSet<string>()).Select(s => s.Id));
        Assert.Empty(ResumePolicy.StepsNeedingAHuman(loaded.Graph!, state, new HashSet<string> { "change" }));
    }
}
