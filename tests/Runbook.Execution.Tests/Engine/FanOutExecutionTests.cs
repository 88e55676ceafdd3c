using System.Collections.Concurrent;
using System.Text;
using Runbook.Execution.Actions;
using Runbook.Execution.Approvals;
using Runbook.Execution.Engine;
using Runbook.Execution.Journal;
using Runbook.Execution.Tests.Support;

namespace Runbook.Execution.Tests.Engine;

/// <summary>for_each at run time (docs/execution.md, "Fan-out"), through the real executor and a real SQLite journal.</summary>
public sealed class FanOutExecutionTests
{
    /// <summary>A playbook whose mitigate phase holds <paramref name="steps"/> (indented under it), with an optional inputs block.</summary>
    private static string Playbook(string steps, string inputs = "") => $"""
        apiVersion: runbook/v1
        kind: Playbook
        name: fanout
        {(inputs.Length == 0 ? string.Empty : "inputs:\n" + Indent(inputs, 2))}
        phases:
          mitigate:
        {Indent(steps, 4)}
        """;

    private static string Indent(string text, int spaces) =>
        string.Join('\n', text.Split('\n').Select(line => line.Length == 0 ? line : new string(' ', spaces) + line));

    /// <summary>An action that counts how many of its calls run at once, and remembers the most.</summary>
    private sealed class ConcurrencyProbe(string name, TimeSpan hold) : IStepAction
    {
        private int _now;
        private int _peak;

        public string Name { get; } = name;

        public int Peak => Volatile.Read(ref _peak);

        public ConcurrentQueue<string> Order { get; } = new();

        public async ValueTask<StepOutcome> ExecuteAsync(StepInvocation invocation, CancellationToken cancellationToken)
        {
            var now = Interlocked.Increment(ref _now);
            int peak;
            while (now > (peak = Volatile.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, now, peak) != peak)
            {
            }

            Order.Enqueue(invocation.GetString("url")!);
            await Task.Delay(hold, cancellationToken);
            Interlocked.Decrement(ref _now);
            return StepOutcome.Success();
        }
    }

    private static IEnumerable<string> Urls(FakeAction action) => action.Calls.Select(c => c.GetString("url")!);

    private static IEnumerable<string?> StepsOf(IEnumerable<JournalEntry> entries, JournalEventKind kind) =>
        entries.Where(e => e.Kind == kind).Select(e => e.StepId);

    [Fact]
    public async Task Items_run_in_input_order_one_at_a_time_each_as_its_own_journaled_sub_step()
    {
        var request = new FakeAction("http.request");
        await using var harness = new ExecutorHarness(request);

        var result = await harness.RunAsync(Playbook("""
            - id: restart
              for_each: [api, worker, cron]
              uses: http.request
              with: { url: "http://x/${{ item }}/${{ item_index }}" }
            """));

        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.Equal(["http://x/api/0", "http://x/worker/1", "http://x/cron/2"], Urls(request));
        var entries = await harness.EntriesAsync(result.RunId);
        Assert.Equal(["restart[api]", "restart[worker]", "restart[cron]"], StepsOf(entries, JournalEventKind.StepStarted));
        Assert.Equal(["restart[api]", "restart[worker]", "restart[cron]", "restart"], StepsOf(entries, JournalEventKind.StepSucceeded));
        Assert.Single(entries, e => e.Kind == JournalEventKind.FanOutStarted && e.StepId == "restart");
    }

    [Fact]
    public async Task Never_more_than_max_parallel_items_run_at_once_and_that_many_do()
    {
        var probe = new ConcurrencyProbe("http.request", TimeSpan.FromMilliseconds(60));
        await using var harness = new ExecutorHarness(probe);

        var result = await harness.RunAsync(Playbook("""
            - id: restart
              for_each: [a, b, c, d, e, f, g, h, i]
              max_parallel: 3
              uses: http.request
              with: { url: "${{ item }}" }
            """), maxParallel: 8);

        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.Equal(3, probe.Peak);
        Assert.Equal(["a", "b", "c", "d", "e", "f", "g", "h", "i"], probe.Order.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_runs_own_max_parallel_bounds_a_fan_out_too()
    {
        var probe = new ConcurrencyProbe("http.request", TimeSpan.FromMilliseconds(40));
        await using var harness = new ExecutorHarness(probe);

        var result = await harness.RunAsync(Playbook("""
            - id: restart
              for_each: [a, b, c, d, e, f]
              max_parallel: 5
              uses: http.request
              with: { url: "${{ item }}" }
            """), maxParallel: 2);

        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.Equal(2, probe.Peak);
    }

    private const string RolledBackFanOut = """
        - id: before
          uses: http.request
          with: { url: "do before" }
          rollback: { uses: http.request, with: { url: "undo before" } }
        - id: restart
          for_each: [alpha, bravo, charlie, delta]
          fail_fast: FAIL_FAST
          uses: http.request
          with: { url: "do ${{ item }}" }
          rollback: { uses: http.request, with: { url: "undo ${{ item }} ${{ item_index }}" } }
        - id: after
          uses: http.request
          with: { url: "do after" }
        """;

    private static FakeAction FailingOn(string url) =>
        new("http.request", i => i.GetString("url") == url ? StepOutcome.Failure("refused", retryable: false) : StepOutcome.Success());

    [Fact]
    public async Task Fail_fast_starts_no_item_after_the_first_failure_and_undoes_exactly_the_completed_items_newest_first()
    {
        var request = FailingOn("do charlie");
        await using var harness = new ExecutorHarness(request);

        var result = await harness.RunAsync(Playbook(RolledBackFanOut.Replace("FAIL_FAST", "true", StringComparison.Ordinal)));

        Assert.Equal(RunStatus.RolledBack, result.Status);
        Assert.Equal(["do before", "do alpha", "do bravo", "do charlie", "undo bravo 1", "undo alpha 0", "undo before"], Urls(request));
        var state = await harness.StateAsync(result.RunId);
        Assert.Equal(StepStatus.Failed, state.Step("restart").Status);
        Assert.Equal(StepStatus.Pending, state.Step("restart[delta]").Status);
        Assert.True(state.Step("restart[alpha]").Compensated);
        Assert.False(state.Step("restart[charlie]").Compensated);
        Assert.Contains("restart[charlie]: refused", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_fail_fast_every_item_runs_and_the_step_fails_at_the_end()
    {
        var request = FailingOn("do bravo");
        await using var harness = new ExecutorHarness(request);

        var result = await harness.RunAsync(Playbook(RolledBackFanOut.Replace("FAIL_FAST", "false", StringComparison.Ordinal)));

        Assert.Equal(RunStatus.RolledBack, result.Status);
        Assert.Equal(
            ["do before", "do alpha", "do bravo", "do charlie", "do delta", "undo delta 3", "undo charlie 2", "undo alpha 0", "undo before"],
            Urls(request));
        Assert.Contains("1 of 4 items failed: restart[bravo]: refused", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_later_failing_step_undoes_the_items_interleaved_with_other_steps_by_completion()
    {
        var request = FailingOn("do after");
        await using var harness = new ExecutorHarness(request);

        var result = await harness.RunAsync(Playbook("""
            - id: before
              uses: http.request
              with: { url: "do before" }
              rollback: { uses: http.request, with: { url: "undo before" } }
            - id: restart
              for_each: [a, b]
              uses: http.request
              with: { url: "do ${{ item }}" }
              rollback: { uses: http.request, with: { url: "undo ${{ item }}" } }
            - id: middle
              uses: http.request
              with: { url: "do middle" }
              rollback: { uses: http.request, with: { url: "undo middle" } }
            - id: after
              uses: http.request
              with: { url: "do after" }
            """));

        Assert.Equal(RunStatus.RolledBack, result.Status);
        Assert.Equal(["undo middle", "undo b", "undo a", "undo before"], Urls(request).Where(u => u.StartsWith("undo", StringComparison.Ordinal)));
        var entries = await harness.EntriesAsync(result.RunId);
        Assert.Equal(["middle", "restart[b]", "restart[a]", "before"], StepsOf(entries, JournalEventKind.CompensationStarted));
    }

    [Fact]
    public async Task Each_item_is_retried_on_its_own_and_counts_its_own_attempts()
    {
        var seen = new ConcurrentDictionary<string, int>();
        var request = new FakeAction("http.request", i =>
            seen.AddOrUpdate(i.GetString("url")!, 1, (_, n) => n + 1) == 1 && i.GetString("url") == "b"
                ? StepOutcome.Failure("flaky")
                : StepOutcome.Success());
        await using var harness = new ExecutorHarness(request);

        var result = await harness.RunAsync(Playbook("""
            - id: restart
              for_each: [a, b, c]
              uses: http.request
              with: { url: "${{ item }}" }
              retry: { attempts: 2, interval: 1ms }
            """));

        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.Equal(["a", "b", "b", "c"], Urls(request));
        var state = await harness.StateAsync(result.RunId);
        Assert.Equal(1, state.Step("restart[a]").Attempts);
        Assert.Equal(2, state.Step("restart[b]").Attempts);
        Assert.Equal(1, state.Step("restart[c]").Attempts);
    }

    [Fact]
    public async Task Outputs_items_are_in_input_order_when_items_finish_in_another_order_and_null_for_a_skipped_item()
    {
        // All three run at once (max_parallel: 4) and finish in reverse of input order: medium waits for fast to
        // finish, slow for medium, so the order does not depend on how quickly a loaded machine starts them.
        var finished = new ConcurrentQueue<string>();
        using var fastDone = new ManualResetEventSlim();
        using var mediumDone = new ManualResetEventSlim();
        var request = new FakeAction("http.request", i =>
        {
            var url = i.GetString("url")!;
            var waited = url switch
            {
                "slow" => mediumDone.Wait(TimeSpan.FromSeconds(30)),
                "medium" => fastDone.Wait(TimeSpan.FromSeconds(30)),
                _ => true,
            };
            Assert.True(waited, $"{url} waited for an item that never finished: the items did not run at once");
            finished.Enqueue(url);
            (url switch { "fast" => fastDone, "medium" => mediumDone, _ => null })?.Set();
            return StepOutcome.Success(new Dictionary<string, object?> { ["echo"] = url });
        });
        var report = new FakeAction("http.check");
        await using var harness = new ExecutorHarness(request, report);

        var result = await harness.RunAsync(Playbook("""
            - id: measure
              for_each: [slow, skipme, medium, fast]
              max_parallel: 4
              if: ${{ item != 'skipme' }}
              uses: http.request
              with: { url: "${{ item }}" }
            - id: report
              uses: http.check
              with:
                url: "${{ steps.measure.outputs.items[0].echo }},${{ steps.measure.outputs.items[1] == null }},${{ steps.measure.outputs.items[2].echo }},${{ steps.measure.outputs.items[3].echo }},${{ steps.measure.status }}"
            """));

        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.Equal(["fast", "medium", "slow"], finished);
        Assert.Equal("slow,true,medium,fast,success", Assert.Single(report.Calls).GetString("url"));
    }

    [Fact]
    public async Task An_empty_list_skips_the_step_with_the_reason_and_runs_nothing()
    {
        var request = new FakeAction("http.request");
        await using var harness = new ExecutorHarness(request);

        var result = await harness.RunAsync(Playbook("""
            - id: restart
              for_each: ${{ inputs.services }}
              uses: http.request
              with: { url: "${{ item }}" }
            """, """
            services: { type: list, default: [] }
            """));

        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.Empty(request.Calls);
        var state = await harness.StateAsync(result.RunId);
        Assert.Equal(StepStatus.Skipped, state.Step("restart").Status);
        Assert.Equal("for_each: no items", state.Step("restart").SkipReason);
    }

    [Fact]
    public async Task A_mapping_gives_each_entry_as_key_and_value_keyed_by_its_key()
    {
        var request = new FakeAction("http.request");
        await using var harness = new ExecutorHarness(request);

        var result = await harness.RunAsync(Playbook("""
            - id: scale
              for_each: { eu: 2, us: 3 }
              as: region
              uses: http.request
              with: { url: "${{ region.key }}=${{ region.value }}" }
            """));

        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.Equal(["eu=2", "us=3"], Urls(request));
        Assert.Equal(["scale[eu]", "scale[us]"], StepsOf(await harness.EntriesAsync(result.RunId), JournalEventKind.StepStarted));
    }

    [Fact]
    public async Task Items_that_cannot_be_ids_are_keyed_by_their_index()
    {
        var request = new FakeAction("http.request");
        await using var harness = new ExecutorHarness(request);

        var result = await harness.RunAsync(Playbook("""
            - id: echo
              for_each: ["a b", "x]; rm -rf /", "a b"]
              uses: http.request
              with: { url: "${{ item }}" }
            """));

        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.Equal(["echo[0]", "echo[1]", "echo[2]"], StepsOf(await harness.EntriesAsync(result.RunId), JournalEventKind.StepStarted));
        Assert.Equal(["a b", "x]; rm -rf /", "a b"], Urls(request));
    }

    [Fact]
    public async Task A_dry_run_previews_each_mutating_item_and_runs_none()
    {
        var request = new FakeAction("http.request");
        await using var harness = new ExecutorHarness(request);

        var result = await harness.RunAsync(Playbook("""
            - id: restart
              for_each: [api, worker]
              mutates: true
              uses: http.request
              with: { url: "${{ item }}" }
              rollback: { uses: http.request, with: { url: "undo" } }
            """), dryRun: true);

        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.Empty(request.Calls);
        var skipped = harness.Observer.Events.OfType<StepFinishedEvent>().Where(e => e.Status == "skipped").Select(e => e.StepId).ToList();
        Assert.Equal(["restart[api]", "restart[worker]", "restart"], skipped);
    }

    [Fact]
    public async Task A_fan_out_over_services_locks_each_items_service_before_the_run_starts()
    {
        var scale = new FakeAction("service.scale");
        await using var harness = new ExecutorHarness(scale);
        var journal = await harness.JournalAsync();
        await journal.TryAcquireLeaseAsync("compose/worker", "someone-else", TimeSpan.FromMinutes(2));

        var blocked = await harness.RunAsync(Playbook("""
            - id: up
              for_each: [api, worker]
              uses: service.scale
              with: { service: "${{ item }}", replicas: 5 }
              rollback: { uses: service.scale, with: { service: "${{ item }}", replicas: 2 } }
            """));

        Assert.Equal(RunStatus.Failed, blocked.Status);
        Assert.Contains("target compose/worker is locked by run someone-else", blocked.Summary, StringComparison.Ordinal);
        Assert.Empty(scale.Calls);
    }

    private const string PerItemGate = """
        - id: deploy
          for_each: [api, worker]
          uses: http.request
          with: { url: "deploy ${{ item }}" }
          rollback: { uses: http.request, with: { url: "undo ${{ item }}" } }
          approval: { approvers: [leads], per_item: true }
        """;

    private static ApproverDirectory Leads => new(System.Collections.Immutable.ImmutableDictionary<string, System.Collections.Immutable.ImmutableArray<string>>.Empty
        .Add("leads", ["bob"]));

    [Fact]
    public async Task A_per_item_approval_gates_each_item_by_its_sub_step_id_and_resumes_item_by_item()
    {
        var request = new FakeAction("http.request");
        await using var harness = new ExecutorHarness(request) { Directory = Leads };
        var loaded = harness.Load(Playbook(PerItemGate));
        var services = await harness.ServicesAsync();

        var first = await Executor.StartAsync(services, ExecutorHarness.Request(loaded));
        Assert.Equal(RunStatus.AwaitingApproval, first.Status);
        Assert.Contains($"runbook approve {first.RunId} 'deploy[api]' --as NAME", first.Summary, StringComparison.Ordinal);
        Assert.Empty(request.Calls);

        await ApproveAsync(harness, first.RunId, "deploy[api]");
        var second = await Executor.ResumeAsync(services, ExecutorHarness.Request(loaded), await harness.StateAsync(first.RunId));
        Assert.Equal(RunStatus.AwaitingApproval, second.Status);
        Assert.Contains("deploy[worker]", second.Summary, StringComparison.Ordinal);
        Assert.Equal(["deploy api"], Urls(request));

        await ApproveAsync(harness, first.RunId, "deploy[worker]");
        var done = await Executor.ResumeAsync(services, ExecutorHarness.Request(loaded), await harness.StateAsync(first.RunId));
        Assert.Equal(RunStatus.Succeeded, done.Status);
        Assert.Equal(["deploy api", "deploy worker"], Urls(request));
    }

    [Fact]
    public async Task An_approval_of_one_item_does_not_open_another_items_gate()
    {
        var request = new FakeAction("http.request");
        await using var harness = new ExecutorHarness(request) { Directory = Leads };
        var loaded = harness.Load(Playbook(PerItemGate));
        var services = await harness.ServicesAsync();
        var first = await Executor.StartAsync(services, ExecutorHarness.Request(loaded));
        var journal = await harness.JournalAsync();
        var apiHash = (await harness.StateAsync(first.RunId)).ApprovalsRequested["deploy[api]"].Hash;

        // bob's approval of api, replayed against worker's gate, is for a different rendering: it does not count.
        await ApproveAsync(harness, first.RunId, "deploy[api]");
        await Executor.ResumeAsync(services, ExecutorHarness.Request(loaded), await harness.StateAsync(first.RunId));
        await journal.AppendAsync(first.RunId, JournalEventKind.ApprovalDecided, "deploy[worker]",
            $$"""{"decision":"approved","by":"bob","hash":"{{apiHash}}","pre_approved":false}""");
        var after = await Executor.ResumeAsync(services, ExecutorHarness.Request(loaded), await harness.StateAsync(first.RunId));

        Assert.Equal(RunStatus.AwaitingApproval, after.Status);
        Assert.Equal(["deploy api"], Urls(request));
    }

    [Fact]
    public async Task One_approval_for_the_whole_list_shows_every_item_before_any_runs()
    {
        var request = new FakeAction("http.request");
        var approvals = new ScriptedApprovals(ApprovalChannelResult.Pause);
        await using var harness = new ExecutorHarness(request) { Directory = Leads, Approvals = approvals };

        var result = await harness.RunAsync(Playbook("""
            - id: deploy
              for_each: [api, worker, cron]
              uses: http.request
              with: { url: "deploy ${{ item }}" }
              rollback: { uses: http.request, with: { url: "undo ${{ item }}" } }
              approval: { approvers: [leads] }
            """));

        Assert.Equal(RunStatus.AwaitingApproval, result.Status);
        Assert.Empty(request.Calls);
        var question = Assert.Single(approvals.Questions);
        Assert.Equal("deploy", question.StepId);
        Assert.Contains(question.Arguments, a => a.Key == "for_each" && a.Value == "[api, worker, cron]");
        var state = await harness.StateAsync(result.RunId);
        Assert.Equal(["deploy"], state.ApprovalsRequested.Keys);

        await ApproveAsync(harness, result.RunId, "deploy");
        var done = await Executor.ResumeAsync(await harness.ServicesAsync(), ExecutorHarness.Request(harness.Load(Playbook("""
            - id: deploy
              for_each: [api, worker, cron]
              uses: http.request
              with: { url: "deploy ${{ item }}" }
              rollback: { uses: http.request, with: { url: "undo ${{ item }}" } }
              approval: { approvers: [leads] }
            """))), await harness.StateAsync(result.RunId));
        Assert.Equal(RunStatus.Succeeded, done.Status);
        Assert.Equal(["deploy api", "deploy worker", "deploy cron"], Urls(request));
    }

    [Fact]
    public async Task The_approval_of_a_huge_list_shows_its_first_items_and_counts_the_rest()
    {
        var approvals = new ScriptedApprovals(ApprovalChannelResult.Pause);
        await using var harness = new ExecutorHarness(new FakeAction("http.request")) { Directory = Leads, Approvals = approvals };

        var result = await harness.RunAsync(Playbook("""
            - id: deploy
              for_each: ${{ inputs.services }}
              uses: http.request
              with: { url: "deploy ${{ item }}" }
              approval: { approvers: [leads] }
            """, """
            services: { type: list }
            """), new Dictionary<string, string> { ["services"] = string.Join(",", Enumerable.Range(0, 5000).Select(i => $"s{i}")) });

        Assert.Equal(RunStatus.AwaitingApproval, result.Status);
        var shown = Assert.Single(Assert.Single(approvals.Questions).Arguments, a => a.Key == "for_each").Value;
        Assert.StartsWith("[s0, s1, s2,", shown, StringComparison.Ordinal);
        Assert.EndsWith("s19] … and 4,980 more (5,000 items)", shown, StringComparison.Ordinal);
        Assert.DoesNotContain("s20", shown, StringComparison.Ordinal);
    }

    private static async Task ApproveAsync(ExecutorHarness harness, string runId, string stepId)
    {
        var hash = (await harness.StateAsync(runId)).ApprovalsRequested[stepId].Hash;
        await (await harness.JournalAsync()).AppendAsync(runId, JournalEventKind.ApprovalDecided, stepId,
            $$"""{"decision":"approved","by":"bob","hash":"{{hash}}","pre_approved":false}""");
    }

    // Crashes: the run goes to its end once; then the journal is cut after an entry (what a kill -9 right after that
    // append leaves behind) and copied to a new run, which is resumed.
    private static async Task<RunState> CrashedAfterAsync(ExecutorHarness harness, string runId, Func<JournalEntry, bool> lastKept, string crashedId)
    {
        var journal = await harness.JournalAsync();
        var entries = await journal.ReadAsync(runId);
        var cut = entries.ToList().FindIndex(e => lastKept(e));
        Assert.True(cut >= 0, "the journal has no entry to cut after");
        foreach (var entry in entries.Take(cut + 1))
        {
            await journal.AppendAsync(crashedId, entry.Kind, entry.StepId, entry.Data);
        }

        return await harness.StateAsync(crashedId);
    }

    private const string Resumable = """
        - id: restart
          for_each: [a, b, c, d]
          idempotent: true
          uses: http.request
          with: { url: "do ${{ item }}" }
          rollback: { uses: http.request, with: { url: "undo ${{ item }}" } }
        """;

    [Fact]
    public async Task A_crash_before_the_items_were_journaled_evaluates_them_on_resume_and_runs_them_all()
    {
        var request = new FakeAction("http.request");
        await using var harness = new ExecutorHarness(request);
        var loaded = harness.Load(Playbook(Resumable));
        var full = await Executor.StartAsync(await harness.ServicesAsync(), ExecutorHarness.Request(loaded));
        var crashed = await CrashedAfterAsync(harness, full.RunId, e => e.Kind == JournalEventKind.RunStarted, "crash-before-items");
        var before = request.Calls.Count;

        var resumed = await Executor.ResumeAsync(await harness.ServicesAsync(), ExecutorHarness.Request(loaded), crashed);

        Assert.Equal(RunStatus.Succeeded, resumed.Status);
        Assert.Equal(["do a", "do b", "do c", "do d"], Urls(request).Skip(before));
        Assert.Single(await harness.EntriesAsync("crash-before-items"), e => e.Kind == JournalEventKind.FanOutStarted);
    }

    [Fact]
    public async Task A_crash_mid_items_reruns_only_the_interrupted_item_and_those_not_started()
    {
        var request = new FakeAction("http.request");
        await using var harness = new ExecutorHarness(request);
        var loaded = harness.Load(Playbook(Resumable));
        var full = await Executor.StartAsync(await harness.ServicesAsync(), ExecutorHarness.Request(loaded));
        var crashed = await CrashedAfterAsync(harness, full.RunId, e => e.Kind == JournalEventKind.StepStarted && e.StepId == "restart[c]", "crash-mid-items");
        var before = request.Calls.Count;

        Assert.Empty(ResumePolicy.StepsNeedingAHuman(loaded.Graph!, crashed, new HashSet<string>())); // idempotent: re-run
        var resumed = await Executor.ResumeAsync(await harness.ServicesAsync(), ExecutorHarness.Request(loaded), crashed);

        Assert.Equal(RunStatus.Succeeded, resumed.Status);
        Assert.Equal(["do c", "do d"], Urls(request).Skip(before));
        var state = await harness.StateAsync("crash-mid-items");
        Assert.Equal(2, state.Step("restart[c]").Attempts);
        Assert.Equal(1, state.Step("restart[a]").Attempts);
    }

    [Fact]
    public async Task An_item_of_a_mutating_step_that_is_not_idempotent_and_did_not_finish_needs_a_human_by_its_sub_step_id()
    {
        var request = new FakeAction("http.request");
        await using var harness = new ExecutorHarness(request);
        var loaded = harness.Load(Playbook(Resumable.Replace("idempotent: true", "mutates: true", StringComparison.Ordinal)));
        var full = await Executor.StartAsync(await harness.ServicesAsync(), ExecutorHarness.Request(loaded));
        var crashed = await CrashedAfterAsync(harness, full.RunId, e => e.Kind == JournalEventKind.StepStarted && e.StepId == "restart[b]", "crash-not-idempotent");

        Assert.Equal(["restart[b]"], ResumePolicy.StepsNeedingAHuman(loaded.Graph!, crashed, new HashSet<string>()).Select(u => u.Id));
        Assert.Empty(ResumePolicy.StepsNeedingAHuman(loaded.Graph!, crashed, new HashSet<string> { "restart[b]" }));
    }

    [Fact]
    public async Task A_crash_during_compensation_undoes_on_resume_only_the_items_not_yet_undone()
    {
        var request = FailingOn("do after");
        await using var harness = new ExecutorHarness(request);
        var loaded = harness.Load(Playbook(Resumable + """

            - id: after
              uses: http.request
              with: { url: "do after" }
            """));
        var full = await Executor.StartAsync(await harness.ServicesAsync(), ExecutorHarness.Request(loaded));
        Assert.Equal(RunStatus.RolledBack, full.Status);
        var crashed = await CrashedAfterAsync(harness, full.RunId, e => e.Kind == JournalEventKind.CompensationSucceeded && e.StepId == "restart[c]", "crash-compensating");
        var before = request.Calls.Count;

        var resumed = await Executor.ResumeAsync(await harness.ServicesAsync(), ExecutorHarness.Request(loaded), crashed);

        Assert.Equal(RunStatus.RolledBack, resumed.Status);
        Assert.Equal(["undo b", "undo a"], Urls(request).Skip(before));
    }

    [Fact]
    public async Task A_list_computed_from_a_secret_never_reaches_an_id_an_event_or_the_journal_in_clear_and_resumes_from_its_source()
    {
        var request = new FakeAction("http.request");
        await using var harness = new ExecutorHarness(request);
        const string tokens = "tok-alpha-1111,tok-bravo-2222";
        var yaml = Playbook("""
            - id: rotate
              for_each: ${{ inputs.tokens | string.split ',' }}
              idempotent: true
              uses: http.request
              with: { url: "rotate ${{ item }}" }
            """, """
            tokens: { type: secret, from: env:FANOUT_TEST_TOKENS }
            """);
        Environment.SetEnvironmentVariable("FANOUT_TEST_TOKENS", tokens);
        try
        {
            var loaded = harness.Load(yaml);
            var full = await Executor.StartAsync(await harness.ServicesAsync(), ExecutorHarness.Request(loaded));
            var crashed = await CrashedAfterAsync(harness, full.RunId, e => e.Kind == JournalEventKind.StepStarted && e.StepId == "rotate[1]", "crash-secret");
            var resumed = await Executor.ResumeAsync(await harness.ServicesAsync(), ExecutorHarness.Request(loaded), crashed);

            Assert.Equal(RunStatus.Succeeded, full.Status);
            Assert.Equal(RunStatus.Succeeded, resumed.Status);
            Assert.Equal(["rotate tok-alpha-1111", "rotate tok-bravo-2222", "rotate tok-bravo-2222"], Urls(request));
            var written = new StringBuilder();
            foreach (var runId in new[] { full.RunId, "crash-secret" })
            {
                foreach (var entry in await harness.EntriesAsync(runId))
                {
                    written.Append(entry.StepId).Append(' ').Append(entry.Data).Append('\n');
                }
            }

            foreach (var e in harness.Observer.Events)
            {
                written.Append(e).Append('\n');
            }

            Assert.Contains("rotate[0]", written.ToString(), StringComparison.Ordinal);
            foreach (var fragment in new[] { "tok-alpha", "tok-bravo", "1111", "2222" })
            {
                Assert.DoesNotContain(fragment, written.ToString(), StringComparison.Ordinal);
            }
        }
        finally
        {
            Environment.SetEnvironmentVariable("FANOUT_TEST_TOKENS", null);
        }
    }

    [Fact]
    public async Task Ten_thousand_items_complete_and_the_journal_grows_by_the_same_rows_and_bytes_per_item()
    {
        var noop = new FakeAction("http.request", _ => StepOutcome.Success());
        await using var harness = new ExecutorHarness(noop);
        var yaml = Playbook("""
            - id: touch
              for_each: ${{ inputs.hosts }}
              max_parallel: 8
              uses: http.request
              with: { url: "${{ item }}" }
            """, """
            hosts: { type: list }
            """);

        async Task<(int Rows, long Bytes)> RunWith(int count)
        {
            var hosts = string.Join(",", Enumerable.Range(0, count).Select(i => $"host-{i:D5}"));
            var result = await harness.RunAsync(yaml, new Dictionary<string, string> { ["hosts"] = hosts }, maxParallel: 8);
            Assert.Equal(RunStatus.Succeeded, result.Status);
            var entries = await harness.EntriesAsync(result.RunId);
            return (entries.Count, entries.Sum(e => (long)Encoding.UTF8.GetByteCount(e.Data) + (e.StepId?.Length ?? 0)));
        }

        var (smallRows, smallBytes) = await RunWith(1_000);
        var (rows, bytes) = await RunWith(10_000);

        Assert.Equal(11_000, noop.Calls.Count);
        // Two rows per item (started, succeeded) and a fixed few for the run and the step.
        Assert.Equal(rows - (2 * 10_000), smallRows - (2 * 1_000));
        // The same bytes per item at ten times the items: nothing is copied per item that grows with the list.
        var perItemSmall = (double)smallBytes / 1_000;
        var perItem = (double)bytes / 10_000;
        Assert.InRange(perItem / perItemSmall, 0.9, 1.1);
        Assert.True(perItem < 400, $"{perItem:F0} bytes per item");
    }
}
