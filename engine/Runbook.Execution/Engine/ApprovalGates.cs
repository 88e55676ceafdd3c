using System.Collections.Immutable;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Runbook.Execution.Actions;
using Runbook.Execution.Approvals;
using Runbook.Execution.Journal;
using Runbook.Language.Model;

namespace Runbook.Execution.Engine;

/// <summary>
/// The approval gates of a run: asks (journaled once), takes pre-approvals from the command line, waits for decisions
/// (in this terminal or from other processes through the journal), and says whether the step may go on.
/// </summary>
/// <param name="interrupt">How the run stops when it is interrupted while waiting (the scheduler's, with its rollback rule).</param>
internal sealed class ApprovalGates(ActiveRun run, Func<Task<RunOutcome>> interrupt)
{
    /// <summary>Waits at a step's approval gate; null when the step may go on, otherwise how the run stops.</summary>
    public async Task<RunOutcome?> PassAsync(Step step, CancellationToken cancellationToken)
    {
        var gate = ApprovalPolicy.GateOf(step);
        if (gate is null || run.Request.DryRun || run.State.Step(step.Id).IsDone)
        {
            return null;
        }

        var expressions = run.Expressions();
        if (step.If is { } condition && !SafeCondition(expressions, condition))
        {
            return null; // the step will be skipped; nothing to approve
        }

        var (hash, question) = Question(step, gate, expressions);
        if (!run.State.ApprovalsRequested.ContainsKey(step.Id))
        {
            await run.AppendAsync(JournalEventKind.ApprovalRequested, step.Id, new JsonData()
                .Add("approvers", gate.Approvers.Cast<object?>().ToList())
                .Add("min_approvals", gate.MinApprovals)
                .Add("expires_at", question.ExpiresAt?.ToString("O", CultureInfo.InvariantCulture))
                .Add("message", question.Message)
                .Add("hash", hash), cancellationToken).ConfigureAwait(false);
        }

        if ((run.Request.ApproveAll || (run.Request.PreApproved?.Contains(step.Id) ?? false)) && !run.State.DecisionsFor(step.Id).Any(d => d.PreApproved))
        {
            var refusal = ApprovalPolicy.CanApprove(gate, run.Initiator, run.Initiator, run.Approvers);
            if (refusal is null)
            {
                await DecideAsync(step, "approved", run.Initiator, "pre-approved on the command line", hash, preApproved: true).ConfigureAwait(false);
            }
            else
            {
                run.Emit(new ApprovalEvent(run.RunId, run.Now, step.Id, "pre_approval_refused", $"--approve/--yes cannot approve '{step.Id}': {refusal}"));
            }
        }

        while (true)
        {
            switch (ApprovalPolicy.Evaluate(gate, run.State.DecisionsFor(step.Id), run.Initiator, hash, run.Approvers))
            {
                case GateState.Approved:
                    // Each decision was reported as it came ("approved"); this is the gate opening once enough have.
                    run.Emit(new ApprovalEvent(run.RunId, run.Now, step.Id, "passed",
                        "approved by " + string.Join(", ", run.State.DecisionsFor(step.Id).Where(d => d.Decision == "approved").Select(d => d.By).Distinct())));
                    return null;
                case GateState.Denied:
                    var decision = run.State.DecisionsFor(step.Id).Last(d => d.Decision is "denied" or "expired");
                    return new RunOutcome(RunStatus.Denied, decision.Decision == "expired"
                        ? $"approval of '{step.Id}' expired; nothing after it ran. Undo what completed with: runbook rollback {run.RunId}"
                        : $"'{step.Id}' was denied by {decision.By}{(decision.Comment is null ? string.Empty : $" ({decision.Comment})")}; nothing after it ran");
            }

            if (run.State.ApprovalsRequested[step.Id].ExpiresAt is { } expires && run.Now >= expires)
            {
                await DecideAsync(step, "expired", "runbook", $"no decision before {expires:u}", hash, preApproved: false).ConfigureAwait(false);
                continue;
            }

            run.Emit(new ApprovalEvent(run.RunId, run.Now, step.Id, "waiting", string.Join(" | ", question.Commands)));
            var (answer, comment) = await run.Services.Approvals.AskAsync(question, cancellationToken).ConfigureAwait(false);
            switch (answer)
            {
                case ApprovalChannelResult.Approved when ApprovalPolicy.CanApprove(gate, run.Initiator, run.Initiator, run.Approvers) is null:
                    await DecideAsync(step, "approved", run.Initiator, comment, hash, preApproved: false).ConfigureAwait(false);
                    break;
                case ApprovalChannelResult.Denied:
                    await DecideAsync(step, "denied", run.Initiator, comment, hash, preApproved: false).ConfigureAwait(false);
                    break;
                case ApprovalChannelResult.WaitForOthers or ApprovalChannelResult.Approved:
                    if (!await WaitForDecisionAsync(step.Id, run.State.ApprovalsRequested[step.Id].ExpiresAt, cancellationToken).ConfigureAwait(false))
                    {
                        return await interrupt().ConfigureAwait(false);
                    }

                    break;
                default:
                    await run.AppendAsync(JournalEventKind.RunPaused, null, new JsonData()
                        .Add("awaiting", step.Id)
                        .Add("commands", question.Commands.Cast<object?>().ToList()), CancellationToken.None).ConfigureAwait(false);
                    var uncounted = ApprovalPolicy.Uncounted(gate, run.State.DecisionsFor(step.Id), run.Initiator, hash, run.Approvers).ToList();
                    return new RunOutcome(RunStatus.AwaitingApproval,
                        $"waiting for approval of '{step.Id}'"
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

    private async Task DecideAsync(Step step, string decision, string by, string? comment, string hash, bool preApproved)
    {
        await run.AppendAsync(JournalEventKind.ApprovalDecided, step.Id, new JsonData()
            .Add("decision", decision)
            .Add("by", by)
            .Add("comment", comment)
            .Add("hash", hash)
            .Add("pre_approved", preApproved), CancellationToken.None).ConfigureAwait(false);
        run.Emit(new ApprovalEvent(run.RunId, run.Now, step.Id, decision, $"{by}{(comment is null ? string.Empty : ": " + comment)}"));
    }

    /// <summary>The question put to approvers, and the hash of exactly what they approve.</summary>
    private (string Hash, ApprovalQuestion Question) Question(Step step, ApprovalGate gate, RunExpressions expressions)
    {
        var arguments = step.Action switch
        {
            RunAction script => [new("script", run.Mask(expressions.Text(script.Script)))],
            UsesAction uses => uses.With.Select(a => new KeyValuePair<string, string>(a.Name, run.Mask(Values.ToText(expressions.TryArgument(a.Value))))).ToImmutableArray(),
            _ => ImmutableArray<KeyValuePair<string, string>>.Empty,
        };
        var action = ActiveRun.ActionName(step.Action);
        var canonical = new StringBuilder().Append(step.Id).Append('\n').Append(action).Append('\n');
        foreach (var (name, value) in arguments)
        {
            canonical.Append(name).Append('=').Append(value).Append('\n');
        }

        var hash = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())));
        var requested = run.State.ApprovalsRequested.GetValueOrDefault(step.Id);
        var expires = requested?.ExpiresAt ?? (gate.Timeout is { } t ? run.Now + t.Value : null);
        string? rollback = step.Rollback is { } r ? $"{ActiveRun.ActionName(r.Action)} {string.Join(" ", RollbackArguments(r, expressions))}".Trim() : null;
        var commands = ImmutableArray.Create(
            $"runbook approve {run.RunId} {step.Id} --as NAME [--comment TEXT]",
            $"runbook deny {run.RunId} {step.Id} --as NAME [--comment TEXT]",
            $"runbook resume {run.RunId}");
        return (hash, new ApprovalQuestion(run.RunId, step.Id, step.DisplayName, action, arguments, rollback,
            gate.Message is null ? null : run.Mask(expressions.TryText(gate.Message)), gate.Approvers, gate.MinApprovals,
            ApprovalPolicy.CanApprove(gate, run.Initiator, run.Initiator, run.Approvers) is null, expires, commands));
    }

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
