using Runbook.Execution.Actions;
using Runbook.Execution.Engine;
using Runbook.Execution.Journal;
using Runbook.Execution.Tests.Support;

namespace Runbook.Execution.Tests.Engine;

/// <summary>
/// Whatever goes wrong inside an action (a computed argument of the wrong type, an exception the action did not
/// expect) is that step's failure, and the run goes down the failed-step path: on_failure, then the compensations.
/// A fault outside any step still ends the run as failed in the journal, so it can be rolled back.
/// </summary>
public sealed class ActionFailureTests
{
    private const string Header = "apiVersion: runbook/v1\nkind: Playbook\nname: t\n";

    /// <summary>A mutating step with a compensation, then a step running <paramref name="action"/>.</summary>
    private static string ChangeThen(string action, string with, string extra = "") => Header + $$$"""
        inputs:
          status: { type: string, default: "200" }
        phases:
          mitigate:
            - id: change
              uses: http.request
              with: { url: "http://127.0.0.1:9/change" }
              rollback: { uses: http.request, with: { url: "http://127.0.0.1:9/undo" } }
            - id: probe
              uses: {{{action}}}
              with: {{{with}}}{{{extra}}}
            - id: after
              uses: http.request
              with: { url: "http://127.0.0.1:9/after" }
              rollback: { uses: http.request, with: { url: "http://127.0.0.1:9/undo-after" } }
        """;

    private static FakeAction Recorder() => new("http.request", _ => StepOutcome.Success());

    private static IEnumerable<string> Urls(FakeAction action) => action.Calls.Select(c => c.GetString("url")!.Split('/')[^1]);

    [Fact]
    public async Task A_computed_status_code_that_is_not_a_number_fails_the_step_and_the_completed_change_is_undone()
    {
        var request = Recorder();
        var check = BuiltinActionRegistry.Create().Single(a => a.Name == "http.check");
        await using var harness = new ExecutorHarness(request, check);

        var result = await harness.RunAsync(ChangeThen("http.check", "{ url: \"http://127.0.0.1:9/\", expect_status: \"${{ inputs.status }}\" }"),
            new Dictionary<string, string> { ["status"] = "ok" });

        Assert.Equal(RunStatus.RolledBack, result.Status);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("step 'probe' failed: 'expect_status' of 'http.check' must be an HTTP status code (100-599) or a list of them, but ${{ inputs.status }} is 'ok'",
            result.Summary, StringComparison.Ordinal);
        Assert.Equal(["change", "undo"], Urls(request));
    }

    [Fact]
    public async Task A_status_code_out_of_range_in_a_computed_list_fails_the_step_the_same_way()
    {
        var request = Recorder();
        await using var harness = new ExecutorHarness(request, BuiltinActionRegistry.Create().Single(a => a.Name == "http.check"));

        var result = await harness.RunAsync(ChangeThen("http.check", "{ url: \"http://127.0.0.1:9/\", expect_status: [200, \"${{ inputs.status }}\"] }"),
            new Dictionary<string, string> { ["status"] = "99999999999999999999" });

        Assert.Equal(RunStatus.RolledBack, result.Status);
        Assert.Contains("'expect_status' of 'http.check' must be an HTTP status code", result.Summary, StringComparison.Ordinal);
        Assert.Equal(["change", "undo"], Urls(request));
    }

    [Fact]
    public async Task An_action_that_throws_fails_its_step_with_the_exception_named_and_the_run_rolls_back()
    {
        var request = Recorder();
        await using var harness = new ExecutorHarness(request, new ThrowingAction("http.check", new InvalidOperationException("the library blew up")));

        var result = await harness.RunAsync(ChangeThen("http.check", "{ url: \"http://127.0.0.1:9/\" }"));

        Assert.Equal(RunStatus.RolledBack, result.Status);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("step 'probe' failed: http.check failed unexpectedly: the library blew up (InvalidOperationException)", result.Summary, StringComparison.Ordinal);
        Assert.Equal(["change", "undo"], Urls(request));
        var state = await harness.StateAsync(result.RunId);
        Assert.Equal(StepStatus.Failed, state.Step("probe").Status);
        Assert.True(state.Step("change").Compensated);
    }

    [Fact]
    public async Task A_failure_message_that_ends_its_own_sentence_is_not_followed_by_a_second_full_stop_in_the_summary()
    {
        var request = Recorder();
        var probe = new FakeAction("http.check", _ => StepOutcome.Failure("no credential: run 'az login'.", retryable: false));
        await using var harness = new ExecutorHarness(request, probe);

        var result = await harness.RunAsync(ChangeThen("http.check", "{ url: \"http://127.0.0.1:9/\" }"));

        Assert.Equal(RunStatus.RolledBack, result.Status);
        Assert.StartsWith("step 'probe' failed: no credential: run 'az login'. ", result.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain("..", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_action_that_throws_under_on_failure_continue_lets_the_run_go_on()
    {
        var request = Recorder();
        await using var harness = new ExecutorHarness(request, new ThrowingAction("http.check", new FormatException("bad response")));

        var result = await harness.RunAsync(ChangeThen("http.check", "{ url: \"http://127.0.0.1:9/\" }", "\n      on_failure: continue"));

        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.Contains("failed and continued: probe", result.Summary, StringComparison.Ordinal);
        Assert.Equal(["change", "after"], Urls(request));
    }

    [Fact]
    public async Task An_action_that_throws_under_on_failure_stop_leaves_the_change_in_place()
    {
        var request = Recorder();
        await using var harness = new ExecutorHarness(request, new ThrowingAction("http.check", new FormatException("bad response")));

        var result = await harness.RunAsync(ChangeThen("http.check", "{ url: \"http://127.0.0.1:9/\" }", "\n      on_failure: stop"));

        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.Contains("on_failure: stop leaves everything as it is", result.Summary, StringComparison.Ordinal);
        Assert.Equal(["change"], Urls(request));
    }

    [Fact]
    public async Task A_compensation_that_throws_is_reported_as_incomplete_and_the_other_compensations_still_run()
    {
        var request = new FakeAction("http.request", i => i.GetString("url")!.EndsWith("/undo-after", StringComparison.Ordinal)
            ? throw new InvalidCastException("cannot cast")
            : i.GetString("url")!.EndsWith("/boom", StringComparison.Ordinal) ? StepOutcome.Failure("no", retryable: false) : StepOutcome.Success());
        await using var harness = new ExecutorHarness(request);

        var result = await harness.RunAsync(Header + """
            phases:
              mitigate:
                - id: change
                  uses: http.request
                  with: { url: "http://127.0.0.1:9/change" }
                  rollback: { uses: http.request, with: { url: "http://127.0.0.1:9/undo" } }
                - id: after
                  uses: http.request
                  with: { url: "http://127.0.0.1:9/after" }
                  rollback: { uses: http.request, with: { url: "http://127.0.0.1:9/undo-after" } }
                - id: fail
                  uses: http.request
                  with: { url: "http://127.0.0.1:9/boom" }
            """);

        Assert.Equal(RunStatus.RollbackIncomplete, result.Status);
        Assert.Equal(4, result.ExitCode);
        Assert.Contains("after: http.request failed unexpectedly: cannot cast (InvalidCastException)", result.Summary, StringComparison.Ordinal);
        Assert.Equal(["change", "after", "boom", "undo-after", "undo"], Urls(request));
    }

    [Fact]
    public async Task A_fault_outside_any_step_ends_the_run_failed_in_the_journal_and_a_rollback_undoes_what_it_did()
    {
        var request = Recorder();
        await using var harness = new ExecutorHarness(request);
        var loaded = harness.Load(ChangeThen("http.request", "{ url: \"http://127.0.0.1:9/probe\" }"));
        var services = (await harness.ServicesAsync()) with { Observer = new FaultyObserver("probe") };

        var fault = await Assert.ThrowsAsync<InvalidOperationException>(() => Executor.StartAsync(services, ExecutorHarness.Request(loaded)));
        var runId = Assert.Single(await (await harness.JournalAsync()).ListRunsAsync(new RunQuery())).RunId;
        var state = await harness.StateAsync(runId);
        var finished = (await harness.EntriesAsync(runId)).Last();
        var rollback = await Executor.RollbackAsync(await harness.ServicesAsync(), ExecutorHarness.Request(loaded), state);

        Assert.Equal("an observer bug", fault.Message);
        Assert.Equal(RunStatus.Failed, state.Status);
        Assert.Equal(JournalEventKind.RunFinished, finished.Kind);
        Assert.Contains($"internal error outside any step: an observer bug (InvalidOperationException); completed steps were left as they are. Undo them with: runbook rollback {runId}",
            finished.Data, StringComparison.Ordinal);
        Assert.Equal(RunStatus.RolledBack, rollback.Status);
        Assert.Equal(["change", "undo"], Urls(request));
    }

    /// <summary>An action with a bug: it throws instead of returning a failure.</summary>
    private sealed class ThrowingAction(string name, Exception exception) : IStepAction
    {
        public string Name => name;

        public ValueTask<StepOutcome> ExecuteAsync(StepInvocation invocation, CancellationToken cancellationToken) => throw exception;
    }

    /// <summary>An engine part outside any action that fails: the observer, when the given step starts.</summary>
    private sealed class FaultyObserver(string stepId) : IRunObserver
    {
        public void On(RunEvent runEvent)
        {
            if (runEvent is StepStartedEvent started && started.StepId == stepId)
            {
                throw new InvalidOperationException("an observer bug");
            }
        }
    }
}
