using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Runbook.Execution.Actions;
using Runbook.Execution.Approvals;
using Runbook.Execution.Journal;
using Runbook.Language.Model;
using Runbook.Language.Text;

namespace Runbook.Execution.Engine;

/// <summary>
/// The approval gates of a run: asks (journaled once), takes pre-approvals from the command line, waits for decisions
/// (in this terminal or from other processes through the journal), and says whether the step may go on.
/// </summary>
/// <param name="interrupt">How the run stops when it is interrupted while waiting (the scheduler's, with its rollback rule).</param>
internal sealed class ApprovalGates(ActiveRun run, Func<Task<RunOutcome>> interrupt)
{
    /// <summary>Waits at a step's approval gate; null when the step may go on, otherwise how the run stops.</summary>
    public Task<RunOutcome?> PassAsync(Step step, CancellationToken cancellationToken) =>
        PassAsync(step, new GateSubject(step.Id, run.Expressions(), ConditionApplies: true, WholeList: null), cancellationToken);

    /// <summary>
    /// Waits at the gate of a step, of one item of a fan-out (its sub-step id, the item in scope), or of a whole fan-out
    /// (the list shown to the approvers); null when it may go on, otherwise how the run stops.
    /// </summary>
    public async Task<RunOutcome?> PassAsync(Step step, GateSubject subject, CancellationToken cancellationToken)
    {
        var gate = ApprovalPolicy.GateOf(step);
        var id = subject.Id;
        if (gate is null || run.Request.DryRun || run.State.Step(id).IsDone)
        {
            return null;
        }

        var expressions = subject.Expressions;
        if (subject.ConditionApplies && step.If is { } condition && !SafeCondition(expressions, condition))
        {
            return null; // the step will be skipped; nothing to approve
        }

        var (hash, question) = Question(step, subject, gate);
        if (!run.State.ApprovalsRequested.ContainsKey(id))
        {
            await run.AppendAsync(JournalEventKind.ApprovalRequested, id, new JsonData()
                .Add("approvers", gate.Approvers.Cast<object?>().ToList())
                .Add("min_approvals", gate.MinApprovals)
                .Add("expires_at", question.ExpiresAt?.ToString("O", CultureInfo.InvariantCulture))
                .Add("message", question.Message)
                .Add("hash", hash), cancellationToken).ConfigureAwait(false);
        }

        if ((run.Request.ApproveAll || (run.Request.PreApproved?.Contains(id) ?? false)) && !run.State.DecisionsFor(id).Any(d => d.PreApproved))
        {
            var refusal = ApprovalPolicy.CanApprove(gate, run.Initiator, run.Initiator, run.Approvers);
            if (refusal is null)
            {
                await DecideAsync(id, "approved", run.Initiator, "pre-approved on the command line", hash, preApproved: true).ConfigureAwait(false);
            }
            else
            {
                run.Emit(new ApprovalEvent(run.RunId, run.Now, id, "pre_approval_refused", $"--approve/--yes cannot approve '{id}': {refusal}"));
            }
        }

        while (true)
        {
            switch (ApprovalPolicy.Evaluate(gate, run.State.DecisionsFor(id), run.Initiator, hash, run.Approvers))
            {
                case GateState.Approved:
                    // Each decision was reported as it came ("approved"); this is the gate opening once enough have.
                    run.Emit(new ApprovalEvent(run.RunId, run.Now, id, "passed",
                        "approved by " + string.Join(", ", run.State.DecisionsFor(id).Where(d => d.Decision == "approved").Select(d => d.By).Distinct())));
                    return null;
                case GateState.Denied:
                    var decision = run.State.DecisionsFor(id).Last(d => d.Decision is "denied" or "expired");
                    return new RunOutcome(RunStatus.Denied, decision.Decision == "expired"
                        ? $"approval of '{id}' expired; nothing after it ran. Undo what completed with: runbook rollback {run.RunId}"
                        : $"'{id}' was denied by {decision.By}{(decision.Comment is null ? string.Empty : $" ({decision.Comment})")}; nothing after it ran");
            }

            if (run.State.ApprovalsRequested[id].ExpiresAt is { } expires && run.Now >= expires)
            {
                await DecideAsync(id, "expired", "runbook", $"no decision before {expires:u}", hash, preApproved: false).ConfigureAwait(false);
                continue;
            }

            run.Emit(new ApprovalEvent(run.RunId, run.Now, id, "waiting", string.Join(" | ", question.Commands)));
            var (answer, comment) = await run.Services.Approvals.AskAsync(question, cancellationToken).ConfigureAwait(false);
            switch (answer)
            {
                case ApprovalChannelResult.Approved when ApprovalPolicy.CanApprove(gate, run.Initiator, run.Initiator, run.Approvers) is null:
                    await DecideAsync(id, "approved", run.Initiator, comment, hash, preApproved: false).ConfigureAwait(false);
                    break;
                case ApprovalChannelResult.Denied:
                    await DecideAsync(id, "denied", run.Initiator, comment, hash, preApproved: false).ConfigureAwait(false);
                    break;
                case ApprovalChannelResult.WaitForOthers or ApprovalChannelResult.Approved:
                    if (!await WaitForDecisionAsync(id, run.State.ApprovalsRequested[id].ExpiresAt, cancellationToken).ConfigureAwait(false))
                    {
                        return await interrupt().ConfigureAwait(false);
                    }

                    break;
                default:
                    await run.AppendAsync(JournalEventKind.RunPaused, null, new JsonData()
                        .Add("awaiting", id)
                        .Add("commands", question.Commands.Cast<object?>().ToList()), CancellationToken.None).ConfigureAwait(false);
                    var uncounted = ApprovalPolicy.Uncounted(gate, run.State.DecisionsFor(id), run.Initiator, hash, run.Approvers).ToList();
                    return new RunOutcome(RunStatus.AwaitingApproval,
                        $"waiting for approval of '{id}'"
                        + (uncounted.Count > 0 ? $" ({string.Join("; ", uncounted)})" : string.Empty)
                        + $". To continue:\n  {string.Join("\n  ", question.Commands)}");
            }
        }
    }

    /// <summary>Polls the journal until someone decides, the approval expires (true) or the run is interrupted (false).</summary>
    private async Task<bool> WaitForDecisionAsync(string stepId, DateTimeOffset? expires, CancellationToken cancellationToken)
    {
        var known = run.State.DecisionsFor(stepId).Count();
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(run.Services.ApprovalPollInterval, run.Services.Time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return false;
            }

            await run.ReloadAsync().ConfigureAwait(false);

            if (run.State.DecisionsFor(stepId).Count() > known || (expires is { } e && run.Now >= e))
            {
                return true;
            }
        }

        return false;
    }

    private async Task DecideAsync(string id, string decision, string by, string? comment, string hash, bool preApproved)
    {
        await run.AppendAsync(JournalEventKind.ApprovalDecided, id, new JsonData()
            .Add("decision", decision)
            .Add("by", by)
            .Add("comment", comment)
            .Add("hash", hash)
            .Add("pre_approved", preApproved), CancellationToken.None).ConfigureAwait(false);
        run.Emit(new ApprovalEvent(run.RunId, run.Now, id, decision, $"{by}{(comment is null ? string.Empty : ": " + comment)}"));
    }

    /// <summary>The question put to approvers, and the hash of exactly what they approve.</summary>
    /// <remarks>
    /// For a whole fan-out the approvers see the list (its first <see cref="ListShown"/> items and how many more) beside
    /// the arguments as written, and the hash covers every item's key and value, so approving one list never approves
    /// another.
    /// </remarks>
    private (string Hash, ApprovalQuestion Question) Question(Step step, GateSubject subject, ApprovalGate gate)
    {
        var id = subject.Id;
        var expressions = subject.Expressions;
        var arguments = step.Action switch
        {
            RunAction script => [new("script", run.Mask(expressions.TryText(script.Script)))],
            UsesAction uses => uses.With.Select(a => new KeyValuePair<string, string>(a.Name, run.Mask(Values.ToText(expressions.TryArgument(a.Value))))).ToImmutableArray(),
            _ => ImmutableArray<KeyValuePair<string, string>>.Empty,
        };
        var action = ActiveRun.ActionName(step.Action);
        var canonical = new StringBuilder().Append(id).Append('\n').Append(action).Append('\n');
        if (subject.WholeList is { } list)
        {
            arguments = arguments.Insert(0, new("for_each", ListText(list)));
            for (var i = 0; i < list.Keys.Length; i++)
            {
                canonical.Append("item ").Append(list.Keys[i]).Append('=').Append(run.Mask(i < list.Count ? Values.ToJson(list.Items[i]) : string.Empty)).Append('\n');
            }
        }

        foreach (var (name, value) in arguments)
        {
            canonical.Append(name).Append('=').Append(value).Append('\n');
        }

        var hash = ContentHash.Of(canonical.ToString());
        var requested = run.State.ApprovalsRequested.GetValueOrDefault(id);
        var expires = requested?.ExpiresAt ?? (gate.Timeout is { } t ? run.Now + t.Value : null);
        string? rollback = step.Rollback is { } r ? $"{ActiveRun.ActionName(r.Action)} {string.Join(" ", RollbackArguments(r, expressions))}".Trim() : null;
        // A child run's gate is decided and resumed through its top parent, by the path of steps down to it.
        var (runId, path) = run.Request.ApprovalScope is { } scope ? (scope.RunId, scope.StepPath + id) : (run.RunId, id);
        var commands = ImmutableArray.Create(
            $"runbook approve {runId} {Quoted(path)} --as NAME [--comment TEXT]",
            $"runbook deny {runId} {Quoted(path)} --as NAME [--comment TEXT]",
            $"runbook resume {runId}");
        return (hash, new ApprovalQuestion(run.RunId, id, id == step.Id ? step.DisplayName : $"{step.DisplayName} [{id[(step.Id.Length + 1)..^1]}]", action, arguments, rollback,
            gate.Message is null ? null : run.Mask(expressions.TryText(gate.Message)), gate.Approvers, gate.MinApprovals,
            ApprovalPolicy.CanApprove(gate, run.Initiator, run.Initiator, run.Approvers) is null, expires, commands));
    }

    /// <summary>How many items of a list an approval shows before it says how many more there are.</summary>
    internal const int ListShown = 20;

    /// <summary>The list as approvers read it: its first items (masked) and, for a long one, the count of the rest.</summary>
    private string ListText(FanOutList list)
    {
        if (list.Secret)
        {
            return $"{list.Keys.Length} secret item{(list.Keys.Length == 1 ? string.Empty : "s")}";
        }

        var shown = list.Items.Take(ListShown).Select(i => run.Mask(Values.ToText(i)));
        var rest = list.Count - ListShown;
        return $"[{string.Join(", ", shown)}]"
            + (rest > 0 ? string.Create(CultureInfo.InvariantCulture, $" … and {rest:N0} more ({list.Count:N0} items)") : string.Empty);
    }

    /// <summary>A sub-step id in a command to copy: quoted, since a shell reads its brackets as a pattern.</summary>
    private static string Quoted(string id) => id.Contains('[', StringComparison.Ordinal) ? $"'{id}'" : id;

    public IEnumerable<string> RollbackArguments(Compensation rollback, RunExpressions expressions) => rollback.Action switch
    {
        UsesAction uses => uses.With.Select(a => $"{a.Name}={run.Mask(Values.ToText(expressions.TryArgument(a.Value)))}"),
        RunAction script => [run.Mask(expressions.TryText(script.Script).Trim())],
        _ => [],
    };

    private static bool SafeCondition(RunExpressions expressions, Language.Expressions.TemplateString condition)
    {
        try
        {
            return expressions.Condition(condition);
        }
        catch (RunExpressionException)
        {
            return true; // the step itself reports the error
        }
    }
}

/// <summary>What a gate is asked about: a step, one item of a fan-out, or a whole fan-out.</summary>
/// <param name="Id">The step id, or the item's sub-step id (<c>restart[api]</c>): what approve and deny name.</param>
/// <param name="Expressions">What its question is rendered with (an item's own names in scope).</param>
/// <param name="ConditionApplies">Whether the step's <c>if:</c> decides on it (not for a whole fan-out: its <c>if:</c> is per item).</param>
/// <param name="WholeList">For one approval of a whole fan-out: the items the approvers see.</param>
internal sealed record GateSubject(string Id, RunExpressions Expressions, bool ConditionApplies, FanOutList? WholeList);
