using Runbook.Execution.Engine;
using Runbook.Execution.Journal;
using Runbook.Execution.Tests.Support;
using Runbook.Language;

namespace Runbook.Execution.Tests.Engine;

/// <summary>
/// A playbook.run step whose child playbook stops at an approval gate: the parent waits for it, the gate is decided
/// through the parent, a resume of the parent continues the child where it stopped, and every crash point resumes right.
/// </summary>
public sealed class ChildApprovalTests
{
    private const string Child = """
        apiVersion: runbook/v1
        kind: Playbook
        name: child
        phases:
          mitigate:
            - id: drain
              uses: http.request
              with: { url: drain }
              rollback: { uses: http.request, with: { url: undrain } }
            - id: restart
              uses: http.request
              with: { url: restart }
              rollback: { uses: http.request, with: { url: unrestart } }
              approval: { approvers: [], min_approvals: 1 }
        """;

    private static string Parent(LoadedPlaybook child) => $$$"""
        apiVersion: runbook/v1
        kind: Playbook
        name: parent
        phases:
          mitigate:
            - id: before
              uses: http.request
              with: { url: before }
              rollback: { uses: http.request, with: { url: unbefore } }
            - id: sub
              uses: playbook.run
              with: { path: "{{{Path.GetFileName(child.Path)}}}" }
            - id: after
              uses: http.request
              with: { url: "after-${{ steps.sub.outputs.outputs.restart.echo }}" }
        """;

    private static IEnumerable<string> Urls(FakeAction action) => action.Calls.Select(c => c.GetString("url")!);

    [Fact]
    public async Task A_gate_in_the_child_pauses_the_parent_naming_the_childs_step_by_its_path()
    {
        var request = new FakeAction("http.request");
        await using var harness = new ExecutorHarness(request);
        var child = harness.Load(Child);

        var result = await harness.RunAsync(Parent(child));

        Assert.Equal(RunStatus.AwaitingApproval, result.Status);
        Assert.Equal(3, result.ExitCode);
        Assert.Equal(["before", "drain"], Urls(request));
        var parent = await harness.StateAsync(result.RunId);
        Assert.Equal(RunStatus.AwaitingApproval, parent.Status);
        Assert.Equal("sub/restart", parent.AwaitingStep);
        Assert.Equal(StepStatus.Started, parent.Step("sub").Status);
        Assert.Contains($"runbook approve {result.RunId} sub/restart --as NAME", result.Summary, StringComparison.Ordinal);
        Assert.Contains($"runbook resume {result.RunId}", result.Summary, StringComparison.Ordinal);
        var childState = await harness.StateAsync(parent.ChildRuns["sub"].RunId);
        Assert.Equal(RunStatus.AwaitingApproval, childState.Status);
        Assert.Equal(result.RunId, childState.ParentRunId);
        Assert.True(childState.ApprovalsRequested.ContainsKey("restart"));
    }

    [Fact]
    public async Task Resuming_the_parent_after_approval_continues_the_same_child_where_it_stopped_then_the_parent()
    {
        var request = new FakeAction("http.request");
        await using var harness = new ExecutorHarness(request);
        var child = harness.Load(Child);
        var parentPlaybook = harness.Load(Parent(child));
        var paused = await Executor.StartAsync(await harness.ServicesAsync(), ExecutorHarness.Request(parentPlaybook));
        var childId = (await harness.StateAsync(paused.RunId)).ChildRuns["sub"].RunId;

        await DecideAsync(harness, childId, "restart", "approved", "bob");
        var done = await ResumeAsync(harness, parentPlaybook, paused.RunId);

        Assert.Equal(RunStatus.Succeeded, done.Status);
        Assert.Equal(["before", "drain", "restart", "after-restart"], Urls(request));
        var parent = await harness.StateAsync(paused.RunId);
        Assert.Equal(childId, parent.Step("sub").Outputs["run_id"]);
        Assert.Equal(1, parent.Step("sub").Attempts);
        Assert.Single(await harness.EntriesAsync(paused.RunId), e => e.Kind == JournalEventKind.ChildRunStarted);
        Assert.Equal(RunStatus.Succeeded, (await harness.StateAsync(childId)).Status);
    }

    [Fact]
    public async Task Resuming_before_anyone_decided_pauses_the_parent_again_without_running_anything_twice()
    {
        var request = new FakeAction("http.request");
        await using var harness = new ExecutorHarness(request);
        var child = harness.Load(Child);
        var parentPlaybook = harness.Load(Parent(child));
        var paused = await Executor.StartAsync(await harness.ServicesAsync(), ExecutorHarness.Request(parentPlaybook));

        var again = await ResumeAsync(harness, parentPlaybook, paused.RunId);

        Assert.Equal(RunStatus.AwaitingApproval, again.Status);
        Assert.Equal(["before", "drain"], Urls(request));
        var childId = (await harness.StateAsync(paused.RunId)).ChildRuns["sub"].RunId;
        Assert.Single(await harness.EntriesAsync(childId), e => e.Kind == JournalEventKind.ApprovalRequested);
    }

    [Fact]
    public async Task A_denial_in_the_child_ends_the_parent_denied_and_nothing_after_it_runs()
    {
        var request = new FakeAction("http.request");
        await using var harness = new ExecutorHarness(request);
        var child = harness.Load(Child);
        var parentPlaybook = harness.Load(Parent(child));
        var paused = await Executor.StartAsync(await harness.ServicesAsync(), ExecutorHarness.Request(parentPlaybook));
        var childId = (await harness.StateAsync(paused.RunId)).ChildRuns["sub"].RunId;

        await DecideAsync(harness, childId, "restart", "denied", "bob");
        var denied = await ResumeAsync(harness, parentPlaybook, paused.RunId);

        Assert.Equal(RunStatus.Denied, denied.Status);
        Assert.Equal(3, denied.ExitCode);
        Assert.Contains("'sub/restart' was denied", denied.Summary, StringComparison.Ordinal);
        Assert.Equal(["before", "drain"], Urls(request));
        Assert.Equal(RunStatus.Denied, (await harness.StateAsync(paused.RunId)).Status);
        Assert.Equal(RunStatus.Denied, (await harness.StateAsync(childId)).Status);
    }

    [Fact]
    public async Task Rolling_back_a_parent_denied_in_its_child_undoes_the_childs_completed_steps_and_the_parents_newest_first()
    {
        var request = new FakeAction("http.request");
        await using var harness = new ExecutorHarness(request);
        var child = harness.Load(Child);
        var parentPlaybook = harness.Load(Parent(child));
        var paused = await Executor.StartAsync(await harness.ServicesAsync(), ExecutorHarness.Request(parentPlaybook));
        var childId = (await harness.StateAsync(paused.RunId)).ChildRuns["sub"].RunId;
        await DecideAsync(harness, childId, "restart", "denied", "bob");
        await ResumeAsync(harness, parentPlaybook, paused.RunId);

        var rollback = await Executor.RollbackAsync(await harness.ServicesAsync(), ExecutorHarness.Request(parentPlaybook), await harness.StateAsync(paused.RunId));

        Assert.Equal(RunStatus.RolledBack, rollback.Status);
        Assert.Equal(["before", "drain", "undrain", "unbefore"], Urls(request));
    }

    [Fact]
    public async Task A_denial_two_levels_down_names_the_whole_path_and_denies_the_top_run()
    {
        var request = new FakeAction("http.request");
        await using var harness = new ExecutorHarness(request);
        var grandchild = harness.Load(Child);
        var middle = harness.Load($$"""
            apiVersion: runbook/v1
            kind: Playbook
            name: middle
            phases:
              mitigate:
                - id: inner
                  uses: playbook.run
                  with: { path: "{{Path.GetFileName(grandchild.Path)}}" }
            """);
        var top = harness.Load(Parent(middle));
        var paused = await Executor.StartAsync(await harness.ServicesAsync(), ExecutorHarness.Request(top));
        var topState = await harness.StateAsync(paused.RunId);
        var middleId = topState.ChildRuns["sub"].RunId;
        var innerId = (await harness.StateAsync(middleId)).ChildRuns["inner"].RunId;

        Assert.Equal("sub/inner/restart", topState.AwaitingStep);
        Assert.Contains($"runbook approve {paused.RunId} sub/inner/restart", paused.Summary, StringComparison.Ordinal);

        await DecideAsync(harness, innerId, "restart", "denied", "bob");
        var denied = await ResumeAsync(harness, top, paused.RunId);

        Assert.Equal(RunStatus.Denied, denied.Status);
        Assert.Contains("'sub/inner/restart' was denied", denied.Summary, StringComparison.Ordinal);
        Assert.Equal(["before", "drain"], Urls(request));
    }

    [Fact]
    public async Task A_crash_after_the_parent_chose_the_child_id_and_before_the_child_began_starts_the_child_under_that_id()
    {
        var request = new FakeAction("http.request");
        await using var harness = new ExecutorHarness(request);
        var child = harness.Load(Child.Replace("approval: { approvers: [], min_approvals: 1 }", string.Empty, StringComparison.Ordinal));
        var parentPlaybook = harness.Load(Parent(child));
        var journal = await harness.JournalAsync();
        const string runId = "20261201-040000-aaaaaa";
        const string childId = "20261201-040001-bbbbbb";
        await journal.AppendAsync(runId, JournalEventKind.RunStarted, null, """{"playbook":"parent","provider":"compose","initiator":"alice","inputs":{}}""");
        await journal.AppendAsync(runId, JournalEventKind.StepStarted, "before", """{"attempt":1}""");
        await journal.AppendAsync(runId, JournalEventKind.StepSucceeded, "before", """{"attempt":1,"outputs":{}}""");
        await journal.AppendAsync(runId, JournalEventKind.StepStarted, "sub", """{"attempt":1,"mutates":true}""");
        await journal.AppendAsync(runId, JournalEventKind.ChildRunStarted, "sub", $$"""{"child_run":"{{childId}}","attempt":1}""");
        var state = await harness.StateAsync(runId);

        Assert.Empty(ResumePolicy.StepsNeedingAHuman(parentPlaybook.Graph!, state, new HashSet<string>()));
        var result = await Executor.ResumeAsync(await harness.ServicesAsync(), ExecutorHarness.Request(parentPlaybook), state);

        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.Equal(["drain", "restart", "after-restart"], Urls(request));
        Assert.Equal(childId, (await harness.StateAsync(runId)).Step("sub").Outputs["run_id"]);
        Assert.Equal(RunStatus.Succeeded, (await harness.StateAsync(childId)).Status);
    }

    [Fact]
    public async Task A_crash_after_the_child_finished_and_before_the_parent_recorded_it_takes_the_childs_result_without_running_it_again()
    {
        var request = new FakeAction("http.request");
        await using var harness = new ExecutorHarness(request);
        var child = harness.Load(Child.Replace("approval: { approvers: [], min_approvals: 1 }", string.Empty, StringComparison.Ordinal));
        var parentPlaybook = harness.Load(Parent(child));
        var finished = await Executor.StartAsync(await harness.ServicesAsync(), ExecutorHarness.Request(parentPlaybook));
        Assert.Equal(RunStatus.Succeeded, finished.Status);
        // The parent's journal as the crash left it: everything up to the child's id, nothing of the child's end.
        var crashed = await CopyRunUntilAsync(harness, finished.RunId, e => e.Kind == JournalEventKind.ChildRunStarted);
        var calls = request.Calls.Count;

        var result = await Executor.ResumeAsync(await harness.ServicesAsync(), ExecutorHarness.Request(parentPlaybook), await harness.StateAsync(crashed));

        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.Equal(["after-restart"], Urls(request).Skip(calls));
    }

    [Fact]
    public async Task A_crash_after_the_child_paused_and_before_the_parent_did_pauses_the_parent_on_resume()
    {
        var request = new FakeAction("http.request");
        await using var harness = new ExecutorHarness(request);
        var child = harness.Load(Child);
        var parentPlaybook = harness.Load(Parent(child));
        var paused = await Executor.StartAsync(await harness.ServicesAsync(), ExecutorHarness.Request(parentPlaybook));
        var crashed = await CopyRunUntilAsync(harness, paused.RunId, e => e.Kind == JournalEventKind.ChildRunStarted);
        Assert.Equal(RunStatus.Running, (await harness.StateAsync(crashed)).Status);

        var result = await ResumeAsync(harness, parentPlaybook, crashed);

        Assert.Equal(RunStatus.AwaitingApproval, result.Status);
        Assert.Equal("sub/restart", (await harness.StateAsync(crashed)).AwaitingStep);
        Assert.Equal(["before", "drain"], Urls(request));
    }

    [Fact]
    public async Task A_crash_inside_the_child_during_a_read_only_step_reruns_only_that_step_on_resume()
    {
        var request = new FakeAction("http.request");
        var check = new FakeAction("http.check");
        await using var harness = new ExecutorHarness(request, check);
        var child = harness.Load("""
            apiVersion: runbook/v1
            kind: Playbook
            name: child
            phases:
              assess:
                - id: look
                  uses: http.check
                  with: { url: look }
              mitigate:
                - id: restart
                  uses: http.request
                  with: { url: restart }
                  rollback: { uses: http.request, with: { url: unrestart } }
            """);
        var parentPlaybook = harness.Load(Parent(child).Replace("${{ steps.sub.outputs.outputs.restart.echo }}", "done", StringComparison.Ordinal));
        var journal = await harness.JournalAsync();
        const string runId = "20261201-040000-cccccc";
        const string childId = "20261201-040001-dddddd";
        await journal.AppendAsync(runId, JournalEventKind.RunStarted, null, """{"playbook":"parent","provider":"compose","initiator":"alice","inputs":{}}""");
        await journal.AppendAsync(runId, JournalEventKind.StepStarted, "before", """{"attempt":1}""");
        await journal.AppendAsync(runId, JournalEventKind.StepSucceeded, "before", """{"attempt":1,"outputs":{}}""");
        await journal.AppendAsync(runId, JournalEventKind.StepStarted, "sub", """{"attempt":1,"mutates":true}""");
        await journal.AppendAsync(runId, JournalEventKind.ChildRunStarted, "sub", $$"""{"child_run":"{{childId}}","attempt":1}""");
        await journal.AppendAsync(childId, JournalEventKind.RunStarted, null, $$"""{"playbook":"child","provider":"compose","initiator":"alice","inputs":{},"parent_run":"{{runId}}"}""");
        await journal.AppendAsync(childId, JournalEventKind.StepStarted, "look", """{"attempt":1,"mutates":false}""");

        var result = await Executor.ResumeAsync(await harness.ServicesAsync(), ExecutorHarness.Request(parentPlaybook), await harness.StateAsync(runId));

        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.Equal(["look"], Urls(check));
        Assert.Equal(["restart", "after-done"], Urls(request));
        Assert.Equal(2, (await harness.StateAsync(childId)).Step("look").Attempts);
    }

    [Fact]
    public async Task A_crash_inside_the_child_during_a_mutating_step_leaves_that_step_for_a_human_not_the_playbook_run_step()
    {
        await using var harness = new ExecutorHarness();
        var child = harness.Load(Child);
        var parentPlaybook = harness.Load(Parent(child));
        var journal = await harness.JournalAsync();
        const string runId = "20261201-040000-eeeeee";
        const string childId = "20261201-040001-ffffff";
        await journal.AppendAsync(runId, JournalEventKind.RunStarted, null, """{"playbook":"parent","provider":"compose","initiator":"alice","inputs":{}}""");
        await journal.AppendAsync(runId, JournalEventKind.StepStarted, "sub", """{"attempt":1,"mutates":true}""");
        await journal.AppendAsync(runId, JournalEventKind.ChildRunStarted, "sub", $$"""{"child_run":"{{childId}}","attempt":1}""");
        await journal.AppendAsync(childId, JournalEventKind.RunStarted, null, $$"""{"playbook":"child","provider":"compose","initiator":"alice","inputs":{},"parent_run":"{{runId}}"}""");
        await journal.AppendAsync(childId, JournalEventKind.StepStarted, "drain", """{"attempt":1,"mutates":true}""");

        Assert.Empty(ResumePolicy.StepsNeedingAHuman(parentPlaybook.Graph!, await harness.StateAsync(runId), new HashSet<string>()));
        Assert.Equal(childId, ResumePolicy.ChildRunOf(await harness.StateAsync(runId), "sub"));
        Assert.Equal(["drain"], ResumePolicy.StepsNeedingAHuman(child.Graph!, await harness.StateAsync(childId), new HashSet<string>()).Select(s => s.Id));
    }

    private static async Task DecideAsync(ExecutorHarness harness, string runId, string step, string decision, string by)
    {
        var hash = (await harness.StateAsync(runId)).ApprovalsRequested[step].Hash;
        await (await harness.JournalAsync()).AppendAsync(runId, JournalEventKind.ApprovalDecided, step,
            $$"""{"decision":"{{decision}}","by":"{{by}}","hash":"{{hash}}","pre_approved":false}""");
    }

    private static async Task<RunResult> ResumeAsync(ExecutorHarness harness, LoadedPlaybook playbook, string runId) =>
        await Executor.ResumeAsync(await harness.ServicesAsync(), ExecutorHarness.Request(playbook), await harness.StateAsync(runId));

    /// <summary>A copy of a run's journal up to and including the first entry that matches: the journal a crash right after it leaves.</summary>
    private static async Task<string> CopyRunUntilAsync(ExecutorHarness harness, string runId, Func<JournalEntry, bool> last)
    {
        var journal = await harness.JournalAsync();
        var copy = runId[..^6] + "c0ffee";
        foreach (var entry in await journal.ReadAsync(runId))
        {
            await journal.AppendAsync(copy, entry.Kind, entry.StepId, entry.Data);
            if (last(entry))
            {
                break;
            }
        }

        return copy;
    }
}
