using Runbook.Execution.Actions;
using Runbook.Execution.Approvals;
using Runbook.Execution.Engine;
using Runbook.Execution.Journal;
using Runbook.Execution.Tests.Support;

namespace Runbook.Execution.Tests.Engine;

public sealed class ExecutorTests
{
    private const string Header = "apiVersion: runbook/v1\nkind: Playbook\nname: t\n";

    private static FakeAction Check(Func<StepInvocation, StepOutcome>? behaviour = null) => new("http.check", behaviour);

    private static FakeAction Mutate(Func<StepInvocation, StepOutcome>? behaviour = null) => new("http.request", behaviour);

    [Fact]
    public async Task Steps_run_in_phase_order_and_outputs_flow_into_later_expressions()
    {
        var check = Check(i => StepOutcome.Success(new Dictionary<string, object?> { ["status"] = 200L }));
        var request = Mutate();
        await using var harness = new ExecutorHarness(check, request);

        var result = await harness.RunAsync(Header + """
            phases:
              mitigate:
                - id: change
                  uses: http.request
                  with: { url: "http://x/${{ steps.look.outputs.status }}" }
                  rollback: { uses: http.request, with: { url: http://x/undo } }
              assess:
                - id: look
                  uses: http.check
                  with: { url: "http://x/status" }
            """);

        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.Equal(["look", "change"], harness.Observer.Started);
        Assert.Equal("http://x/200", request.Calls.Single().GetString("url"));
    }

    [Fact]
    public async Task A_failure_runs_the_compensations_of_completed_steps_in_reverse_order()
    {
        var compensations = new List<string>();
        var request = Mutate(i =>
        {
            var url = i.GetString("url")!;
            if (url.StartsWith("undo-", StringComparison.Ordinal))
            {
                lock (compensations)
                {
                    compensations.Add(url);
                }
            }

            return url == "boom" ? StepOutcome.Failure("server said no", retryable: false) : StepOutcome.Success();
        });
        await using var harness = new ExecutorHarness(request);

        var result = await harness.RunAsync(Header + """
            phases:
              mitigate:
                - id: one
                  uses: http.request
                  with: { url: one }
                  rollback: { uses: http.request, with: { url: undo-one } }
                - id: two
                  uses: http.request
                  with: { url: two }
                  rollback: { uses: http.request, with: { url: undo-two } }
                - id: three
                  uses: http.request
                  with: { url: boom }
                  rollback: { uses: http.request, with: { url: undo-three } }
            """);

        Assert.Equal(RunStatus.RolledBack, result.Status);
        Assert.Equal(1, result.ExitCode);
        Assert.Equal(["undo-two", "undo-one"], compensations);
    }

    [Fact]
    public async Task A_failing_compensation_is_reported_and_the_others_still_run_with_exit_4()
    {
        var undone = new List<string>();
        var request = Mutate(i => i.GetString("url") switch
        {
            "boom" => StepOutcome.Failure("down", retryable: false),
            "undo-two" => StepOutcome.Failure("cannot undo two", retryable: false),
            var u when u!.StartsWith("undo", StringComparison.Ordinal) => Record(undone, u),
            _ => StepOutcome.Success(),
        });
        await using var harness = new ExecutorHarness(request);

        var result = await harness.RunAsync(Header + """
            phases:
              mitigate:
                - id: one
                  uses: http.request
                  with: { url: one }
                  rollback: { uses: http.request, with: { url: undo-one } }
                - id: two
                  uses: http.request
                  with: { url: two }
                  rollback: { uses: http.request, with: { url: undo-two } }
                - id: three
                  uses: http.request
                  with: { url: boom }
            """);

        Assert.Equal(RunStatus.RollbackIncomplete, result.Status);
        Assert.Equal(4, result.ExitCode);
        Assert.Equal(["undo-one"], undone);
        Assert.Contains("cannot undo two", result.Summary, StringComparison.Ordinal);
        var entries = await harness.EntriesAsync(result.RunId);
        Assert.Contains(entries, e => e.Kind == JournalEventKind.CompensationFailed && e.StepId == "two");
    }

    [Fact]
    public async Task Retries_follow_the_policy_and_journal_every_attempt()
    {
        var attempts = 0;
        var check = Check(_ => ++attempts < 3 ? StepOutcome.Failure("not yet") : StepOutcome.Success());
        await using var harness = new ExecutorHarness(check);

        var result = await harness.RunAsync(Header + """
            phases:
              resolve:
                - id: verify
                  uses: http.check
                  with: { url: http://x }
                  retry: { attempts: 5, interval: 10ms, backoff: exponential }
            """);

        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.Equal(3, attempts);
        var entries = await harness.EntriesAsync(result.RunId);
        Assert.Equal(3, entries.Count(e => e.Kind == JournalEventKind.StepStarted));
        Assert.Equal(2, entries.Count(e => e.Kind == JournalEventKind.StepFailed));
    }

    [Fact]
    public async Task A_step_that_exceeds_its_timeout_fails()
    {
        var check = new FakeAction("http.check") { Delay = TimeSpan.FromSeconds(30) };
        await using var harness = new ExecutorHarness(check);

        var result = await harness.RunAsync(Header + """
            phases:
              assess:
                - id: slow
                  uses: http.check
                  with: { url: http://x }
                  timeout: 200ms
            """);

        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.Contains("timed out after 200ms", (await harness.StateAsync(result.RunId)).Step("slow").Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_false_condition_skips_the_step_and_on_failure_continue_goes_on()
    {
        var check = Check(i => i.GetString("url") == "bad" ? StepOutcome.Failure("nope", retryable: false) : StepOutcome.Success());
        await using var harness = new ExecutorHarness(check);

        var result = await harness.RunAsync(Header + """
            inputs:
              enabled: { type: boolean, default: false }
            phases:
              assess:
                - id: maybe
                  if: ${{ inputs.enabled }}
                  uses: http.check
                  with: { url: http://x }
                - id: flaky
                  uses: http.check
                  with: { url: bad }
                  on_failure: continue
                - id: after
                  uses: http.check
                  with: { url: "${{ steps.flaky.status }}" }
            """);

        var state = await harness.StateAsync(result.RunId);
        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.Equal(StepStatus.Skipped, state.Step("maybe").Status);
        Assert.Equal(StepStatus.Failed, state.Step("flaky").Status);
        Assert.Equal("failure", check.Calls.Last().GetString("url"));
    }

    [Fact]
    public async Task A_dry_run_runs_read_only_steps_and_never_a_mutating_one()
    {
        var check = Check();
        var request = Mutate();
        await using var harness = new ExecutorHarness(check, request);

        var result = await harness.RunAsync(Header + """
            phases:
              assess:
                - id: look
                  uses: http.check
                  with: { url: http://x }
              mitigate:
                - id: change
                  uses: http.request
                  with: { url: http://y, method: POST }
                  rollback: { uses: http.request, with: { url: http://y, method: DELETE } }
            """, dryRun: true);

        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.Single(check.Calls);
        Assert.Empty(request.Calls);
        var state = await harness.StateAsync(result.RunId);
        Assert.True(state.DryRun);
        Assert.Equal(StepStatus.Skipped, state.Step("change").Status);
    }

    [Fact]
    public async Task Parallel_steps_run_together_within_max_parallel()
    {
        var running = 0;
        var peak = 0;
        var arrivals = 0;
        using var firstTwo = new CountdownEvent(2);
        var check = Check(_ =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref peak, now);
            // The first two steps wait for each other (not a sleep): they can only both arrive if the engine runs
            // them together. A serial engine leaves the first waiting until the deadline, and peak stays 1.
            if (Interlocked.Increment(ref arrivals) <= 2)
            {
                firstTwo.Signal();
                firstTwo.Wait(TimeSpan.FromSeconds(10));
            }

            Interlocked.Decrement(ref running);
            return StepOutcome.Success();
        });
        await using var harness = new ExecutorHarness(check);

        var result = await harness.RunAsync(Header + """
            phases:
              gather:
                parallel: true
                steps:
                  - { id: a, uses: http.check, with: { url: a } }
                  - { id: b, uses: http.check, with: { url: b } }
                  - { id: c, uses: http.check, with: { url: c } }
                  - { id: d, uses: http.check, with: { url: d } }
            """, maxParallel: 2);

        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.Equal(2, peak);
    }

    private static StepOutcome Record(List<string> list, string value)
    {
        lock (list)
        {
            list.Add(value);
        }

        return StepOutcome.Success();
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
