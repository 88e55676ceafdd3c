using System.Collections.Immutable;
using Runbook.Execution.Actions;
using Runbook.Execution.Approvals;
using Runbook.Execution.Engine;
using Runbook.Execution.Journal;
using Runbook.Execution.Tests.Support;

namespace Runbook.Execution.Tests.Engine;

public sealed class ApprovalTests
{
    private const string Gated = """
        apiVersion: runbook/v1
        kind: Playbook
        name: gated
        phases:
          mitigate:
            - id: change
              uses: http.request
              with: { url: http://x/change }
              rollback: { uses: http.request, with: { url: http://x/undo } }
              approval: { approvers: [sre_leads], min_approvals: 2, timeout: 15m }
        """;

    private static ApproverDirectory Leads => new(ImmutableDictionary<string, ImmutableArray<string>>.Empty
        .Add("sre_leads", ["alice", "bob", "carol"]));

    [Fact]
    public async Task Without_a_terminal_a_gate_pauses_the_run_with_exit_3_and_the_commands_to_continue()
    {
        var request = new FakeAction("http.request");
        await using var harness = new ExecutorHarness(request) { Directory = Leads };

        var result = await harness.RunAsync(Gated);

        Assert.Equal(RunStatus.AwaitingApproval, result.Status);
        Assert.Equal(3, result.ExitCode);
        Assert.Empty(request.Calls);
        Assert.Contains($"runbook approve {result.RunId} change --as NAME", result.Summary, StringComparison.Ordinal);
        Assert.Contains($"runbook resume {result.RunId}", result.Summary, StringComparison.Ordinal);
        var state = await harness.StateAsync(result.RunId);
        Assert.Equal(RunStatus.AwaitingApproval, state.Status);
        Assert.Equal("change", state.AwaitingStep);
    }

    [Fact]
    public async Task Two_distinct_eligible_approvers_open_the_gate_and_resume_runs_the_step_once()
    {
        var request = new FakeAction("http.request");
        await using var harness = new ExecutorHarness(request) { Directory = Leads };
        var paused = await harness.RunAsync(Gated);
        var journal = await harness.JournalAsync();
        var hash = (await harness.StateAsync(paused.RunId)).ApprovalsRequested["change"].Hash;

        await Approve(journal, paused.RunId, "bob", hash);
        var stillPaused = await Resume(harness, paused.RunId);
        await Approve(journal, paused.RunId, "bob", hash);
        var stillPausedTwice = await Resume(harness, paused.RunId);
        await Approve(journal, paused.RunId, "carol", hash);
        var done = await Resume(harness, paused.RunId);

        Assert.Equal(RunStatus.AwaitingApproval, stillPaused.Status);
        Assert.Equal(RunStatus.AwaitingApproval, stillPausedTwice.Status);
        Assert.Equal(RunStatus.Succeeded, done.Status);
        Assert.Single(request.Calls);
        var opened = Assert.Single(harness.Observer.Events.OfType<ApprovalEvent>(), e => e.State == "passed");
        Assert.Equal("approved by bob, carol", opened.Detail);
    }

    [Fact]
    public async Task The_initiator_cannot_approve_their_own_run_unless_the_playbook_allows_it()
    {
        var gate = new Language.Model.ApprovalGate(["sre_leads"], 1, null, null, false, Language.Text.SourceSpan.None("t"));

        Assert.NotNull(ApprovalPolicy.CanApprove(gate, "alice", "alice", Leads));
        Assert.Null(ApprovalPolicy.CanApprove(gate with { AllowSelfApproval = true }, "alice", "alice", Leads));
        Assert.NotNull(ApprovalPolicy.CanApprove(gate, "mallory", "alice", Leads));
        Assert.Null(ApprovalPolicy.CanApprove(gate, "bob", "alice", Leads));
    }

    [Fact]
    public async Task Pre_approval_with_yes_is_refused_for_a_gate_that_forbids_self_approval()
    {
        var request = new FakeAction("http.request");
        await using var harness = new ExecutorHarness(request) { Directory = Leads };
        var playbook = harness.Load(Gated);

        var result = await Executor.StartAsync(await harness.ServicesAsync(), ExecutorHarness.Request(playbook) with { ApproveAll = true });

        Assert.Equal(RunStatus.AwaitingApproval, result.Status);
        Assert.Contains(harness.Observer.Events.OfType<ApprovalEvent>(), e => e.State == "pre_approval_refused");
        Assert.Empty(request.Calls);
    }

    [Fact]
    public async Task An_expired_approval_denies_and_never_approves()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.Parse("2026-11-24T03:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var request = new FakeAction("http.request");
        await using var harness = new ExecutorHarness(request) { Directory = Leads, Time = time };
        var paused = await harness.RunAsync(Gated);

        time.Advance(TimeSpan.FromMinutes(16));
        var result = await Resume(harness, paused.RunId);

        Assert.Equal(RunStatus.Denied, result.Status);
        Assert.Equal(3, result.ExitCode);
        Assert.Contains("expired", result.Summary, StringComparison.Ordinal);
        Assert.Empty(request.Calls);
    }

    [Fact]
    public async Task A_terminal_denial_stops_the_run_before_the_step()
    {
        var request = new FakeAction("http.request");
        await using var harness = new ExecutorHarness(request) { Approvals = new ScriptedApprovals(ApprovalChannelResult.Denied) };

        var result = await harness.RunAsync(Gated.Replace("approvers: [sre_leads], min_approvals: 2, ", string.Empty, StringComparison.Ordinal)
            .Replace("timeout: 15m", "timeout: 15m, allow_self_approval: true", StringComparison.Ordinal));

        Assert.Equal(RunStatus.Denied, result.Status);
        Assert.Empty(request.Calls);
    }

    [Fact]
    public async Task A_run_journals_its_approver_groups_and_a_gate_that_pauses_again_says_which_approvals_do_not_count()
    {
        var request = new FakeAction("http.request");
        await using var harness = new ExecutorHarness(request) { Directory = Leads };
        var paused = await harness.RunAsync(Gated);
        var journal = await harness.JournalAsync();
        var hash = (await harness.StateAsync(paused.RunId)).ApprovalsRequested["change"].Hash;

        await Approve(journal, paused.RunId, "bob", hash);
        await Approve(journal, paused.RunId, "mallory", hash);
        await Approve(journal, paused.RunId, "carol", "sha256:something-else");
        var stillPaused = await Resume(harness, paused.RunId);

        var state = await harness.StateAsync(paused.RunId);
        Assert.Equal(["alice", "bob", "carol"], state.ApproverGroups!["sre_leads"].ToArray());
        Assert.Equal(RunStatus.AwaitingApproval, stillPaused.Status);
        Assert.Contains("mallory's approval does not count: mallory is not among the approvers (sre_leads)", stillPaused.Summary, StringComparison.Ordinal);
        Assert.Contains("carol's approval was for a different rendering of the step", stillPaused.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain("bob's", stillPaused.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_resume_judges_the_gate_by_the_groups_the_run_started_with_not_the_current_ones()
    {
        var request = new FakeAction("http.request");
        await using var harness = new ExecutorHarness(request) { Directory = Leads };
        var paused = await harness.RunAsync(Gated);
        var journal = await harness.JournalAsync();
        var hash = (await harness.StateAsync(paused.RunId)).ApprovalsRequested["change"].Hash;
        await Approve(journal, paused.RunId, "bob", hash);
        await Approve(journal, paused.RunId, "carol", hash);

        harness.Directory = new(ImmutableDictionary<string, ImmutableArray<string>>.Empty.Add("sre_leads", ["mallory"]));
        var done = await Resume(harness, paused.RunId);

        Assert.Equal(RunStatus.Succeeded, done.Status);
        Assert.Single(request.Calls);
    }

    private static Task Approve(IJournal journal, string runId, string who, string hash) =>
        journal.AppendAsync(runId, JournalEventKind.ApprovalDecided, "change",
            $$"""{"decision":"approved","by":"{{who}}","hash":"{{hash}}","pre_approved":false}""");

    private static async Task<RunResult> Resume(ExecutorHarness harness, string runId)
    {
        var state = await harness.StateAsync(runId);
        var playbook = harness.Load(Gated);
        return await Executor.ResumeAsync(await harness.ServicesAsync(), ExecutorHarness.Request(playbook), state);
    }
}
