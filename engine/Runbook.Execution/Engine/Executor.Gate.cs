using System.Collections.Immutable;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Runbook.Execution.Actions;
using Runbook.Execution.Approvals;
using Runbook.Execution.Journal;
using Runbook.Language.Model;

namespace Runbook.Execution.Engine;

public sealed partial class Executor
{
    /// <summary>The person whose run this is; approvals are judged against them, also after a resume by someone else.</summary>
    private string Initiator => State.Initiator.Length > 0 ? State.Initiator : _request.Initiator;

    /// <summary>
    /// The approver groups this run's gates are judged by: those journaled when it started, so a resume or rollback
    /// keeps the policy the run began under; the services' groups only before the start is journaled.
    /// </summary>
    private ApproverDirectory Approvers => State.ApproverGroups is { } groups ? new ApproverDirectory(groups) : _services.Directory;

    /// <summary>Waits at a step's approval gate; null when the step may go on, otherwise how the run stops.</summary>
    private async Task<RunOutcome?> PassGateAsync(Step step, CancellationToken cancellationToken)
    {
        var gate = ApprovalPolicy.GateOf(step);
        if (gate is null || _request.DryRun || State.Step(step.Id).IsDone)
        {
            return null;
        }

        var expressions = Expressions();
        if (step.If is { } condition && !SafeCondition(expressions, condition))
        {
            return null; // the step will be skipped; nothing to approve
        }

        var (hash, question) = Question(step, gate, expressions);
        if (!State.ApprovalsRequested.ContainsKey(step.Id))
        {
            await AppendAsync(JournalEventKind.ApprovalRequested, step.Id, new JsonData()
                .Add("approvers", gate.Approvers.Cast<object?>().ToList())
                .Add("min_approvals", gate.MinApprovals)
                .Add("expires_at", question.ExpiresAt?.ToString("O", CultureInfo.InvariantCulture))
                .Add("message", question.Message)
                .Add("hash", hash), cancellationToken).ConfigureAwait(false);
        }

        if ((_request.ApproveAll || (_request.PreApproved?.Contains(step.Id) ?? false)) && !State.DecisionsFor(step.Id).Any(d => d.PreApproved))
        {
            var refusal = ApprovalPolicy.CanApprove(gate, Initiator, Initiator, Approvers);
            if (refusal is null)
            {
                await DecideAsync(step, "approved", Initiator, "pre-approved on the command line", hash, preApproved: true).ConfigureAwait(false);
            }
            else
            {
                Emit(new ApprovalEvent(_runId, Now, step.Id, "pre_approval_refused", $"--approve/--yes cannot approve '{step.Id}': {refusal}"));
            }
        }

        while (true)
        {
            switch (ApprovalPolicy.Evaluate(gate, State.DecisionsFor(step.Id), Initiator, hash, Approvers))
            {
                case GateState.Approved:
                    // Each decision was reported as it came ("approved"); this is the gate opening once enough have.
                    Emit(new ApprovalEvent(_runId, Now, step.Id, "passed",
                        "approved by " + string.Join(", ", State.DecisionsFor(step.Id).Where(d => d.Decision == "approved").Select(d => d.By).Distinct())));
                    return null;
                case GateState.Denied:
                    var decision = State.DecisionsFor(step.Id).Last(d => d.Decision is "denied" or "expired");
                    return new RunOutcome(RunStatus.Denied, decision.Decision == "expired"
                        ? $"approval of '{step.Id}' expired; nothing after it ran. Undo what completed with: runbook rollback {_runId}"
                        : $"'{step.Id}' was denied by {decision.By}{(decision.Comment is null ? string.Empty : $" ({decision.Comment})")}; nothing after it ran");
            }

            if (State.ApprovalsRequested[step.Id].ExpiresAt is { } expires && Now >= expires)
            {
                await DecideAsync(step, "expired", "runbook", $"no decision before {expires:u}", hash, preApproved: false).ConfigureAwait(false);
                continue;
            }

            Emit(new ApprovalEvent(_runId, Now, step.Id, "waiting", string.Join(" | ", question.Commands)));
            var (answer, comment) = await _services.Approvals.AskAsync(question, cancellationToken).ConfigureAwait(false);
            switch (answer)
            {
                case ApprovalChannelResult.Approved when ApprovalPolicy.CanApprove(gate, Initiator, Initiator, Approvers) is null:
                    await DecideAsync(step, "approved", Initiator, comment, hash, preApproved: false).ConfigureAwait(false);
                    break;
                case ApprovalChannelResult.Denied:
                    await DecideAsync(step, "denied", Initiator, comment, hash, preApproved: false).ConfigureAwait(false);
                    break;
                case ApprovalChannelResult.WaitForOthers or ApprovalChannelResult.Approved:
                    if (!await WaitForDecisionAsync(step.Id, State.ApprovalsRequested[step.Id].ExpiresAt, cancellationToken).ConfigureAwait(false))
                    {
                        return await InterruptAsync().ConfigureAwait(false);
                    }

                    break;
                default:
                    await AppendAsync(JournalEventKind.RunPaused, null, new JsonData()
                        .Add("awaiting", step.Id)
                        .Add("commands", question.Commands.Cast<object?>().ToList()), CancellationToken.None).ConfigureAwait(false);
                    var uncounted = ApprovalPolicy.Uncounted(gate, State.DecisionsFor(step.Id), Initiator, hash, Approvers).ToList();
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
        var known = State.DecisionsFor(stepId).Count();
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_services.ApprovalPollInterval, _services.Time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return false;
            }

            var entries = await _services.Journal.ReadAsync(_runId, CancellationToken.None).ConfigureAwait(false);
            lock (_stateGate)
            {
                _state = RunState.FromJournal(_runId, entries);
                Interlocked.Increment(ref _version);
            }

            if (State.DecisionsFor(stepId).Count() > known || (expires is { } e && Now >= e))
            {
                return true;
            }
        }

        return false;
    }

    private async Task DecideAsync(Step step, string decision, string by, string? comment, string hash, bool preApproved)
    {
        await AppendAsync(JournalEventKind.ApprovalDecided, step.Id, new JsonData()
            .Add("decision", decision)
            .Add("by", by)
            .Add("comment", comment)
            .Add("hash", hash)
            .Add("pre_approved", preApproved), CancellationToken.None).ConfigureAwait(false);
        Emit(new ApprovalEvent(_runId, Now, step.Id, decision, $"{by}{(comment is null ? string.Empty : ": " + comment)}"));
    }

    /// <summary>The question put to approvers, and the hash of exactly what they approve.</summary>
    private (string Hash, ApprovalQuestion Question) Question(Step step, ApprovalGate gate, RunExpressions expressions)
    {
        var arguments = step.Action switch
        {
            RunAction run => [new("script", Mask(expressions.Text(run.Script)))],
            UsesAction uses => uses.With.Select(a => new KeyValuePair<string, string>(a.Name, Mask(Values.ToText(expressions.TryArgument(a.Value))))).ToImmutableArray(),
            _ => ImmutableArray<KeyValuePair<string, string>>.Empty,
        };
        var action = ActionName(step.Action);
        var canonical = new StringBuilder().Append(step.Id).Append('\n').Append(action).Append('\n');
        foreach (var (name, value) in arguments)
        {
            canonical.Append(name).Append('=').Append(value).Append('\n');
        }

        var hash = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())));
        var requested = State.ApprovalsRequested.GetValueOrDefault(step.Id);
        var expires = requested?.ExpiresAt ?? (gate.Timeout is { } t ? Now + t.Value : null);
        string? rollback = step.Rollback is { } r ? $"{ActionName(r.Action)} {string.Join(" ", RollbackArguments(r, expressions))}".Trim() : null;
        var commands = ImmutableArray.Create(
            $"runbook approve {_runId} {step.Id} --as NAME [--comment TEXT]",
            $"runbook deny {_runId} {step.Id} --as NAME [--comment TEXT]",
            $"runbook resume {_runId}");
        return (hash, new ApprovalQuestion(_runId, step.Id, step.DisplayName, action, arguments, rollback,
            gate.Message is null ? null : Mask(expressions.TryText(gate.Message)), gate.Approvers, gate.MinApprovals,
            ApprovalPolicy.CanApprove(gate, Initiator, Initiator, Approvers) is null, expires, commands));
    }

    private IEnumerable<string> RollbackArguments(Compensation rollback, RunExpressions expressions) => rollback.Action switch
    {
        UsesAction uses => uses.With.Select(a => $"{a.Name}={Mask(Values.ToText(expressions.TryArgument(a.Value)))}"),
        RunAction run => [Mask(expressions.TryText(run.Script).Trim())],
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
