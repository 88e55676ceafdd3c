using System.CommandLine;
using Runbook.Cli.Execution;
using Runbook.Execution.Approvals;
using Runbook.Execution.Engine;
using Runbook.Execution.Journal;

namespace Runbook.Cli.Commands;

/// <summary>approve and deny: a person's decision on a gate, journaled with who, when, comment and the hash of what they approved.</summary>
internal static class ApprovalCommands
{
    public static Command Approve(CliConsole console) => Create(console, "approve", "approved",
        "Approve a step a run is waiting on. Then continue it with 'runbook resume RUN_ID' (a terminal run that is waiting goes on by itself).");

    public static Command Deny(CliConsole console) => Create(console, "deny", "denied",
        "Deny a step a run is waiting on: the run stops there; nothing after it runs.");

    private static Command Create(CliConsole console, string name, string decision, string description)
    {
        var runId = new Argument<string>("run-id") { Description = "The run (or a unique prefix of its id)." };
        var step = new Argument<string>("step") { Description = "The gated step's id." };
        var who = new Option<string>("--as") { Description = "Your name as approvers lists know it (default: RUNBOOK_USER, else your login).", HelpName = "name" };
        var comment = new Option<string>("--comment", "-m") { Description = "Why; kept in the journal and the incident timeline.", HelpName = "text" };
        var journal = Shared.Journal();
        var config = Shared.Config();
        var command = new Command(name, description) { runId, step, who, comment, journal, config };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var person = parse.GetValue(who) ?? Identity.Current;
            var stepId = parse.GetRequiredValue(step);
            await using var store = await RunSession.OpenJournalAsync(parse.GetValue(journal), cancellationToken).ConfigureAwait(false);
            var root = await RunLookup.FindAsync(store, parse.GetRequiredValue(runId), cancellationToken).ConfigureAwait(false);
            var path = stepId;
            // A gate of a child run (a playbook.run step's) is named by its path through the parent: sub/gate.
            var (run, found) = await root.FindStepAsync(store, stepId, cancellationToken).ConfigureAwait(false);
            stepId = found;
            if (!run.State.ApprovalsRequested.TryGetValue(stepId, out var pending))
            {
                var waiting = root.State.ApprovalsRequested.Keys.ToList();
                if (root.State.AwaitingStep is { } awaiting && !waiting.Contains(awaiting))
                {
                    waiting.Add(awaiting);
                }

                console.Error.WriteLine($"runbook: run {root.RunId} is not waiting for approval of '{path}'"
                    + (waiting.Count > 0 ? $" (it asked for: {string.Join(", ", waiting)})" : string.Empty));
                return ExitCodes.Invalid;
            }

            if (run.State.Status is not (RunStatus.Running or RunStatus.AwaitingApproval or RunStatus.Interrupted))
            {
                console.Error.WriteLine($"runbook: run {run.RunId} already finished ({run.State.Status.ToName()})");
                return ExitCodes.Invalid;
            }

            var loaded = run.LoadPlaybook(console);
            var gate = ApprovalPolicy.GateOf(loaded.Playbook!.FindStep(FanOutList.StepOf(stepId))!)!; // an item's gate is its step's
            var directory = run.Approvers(parse.GetValue(config), console);
            var state = ApprovalPolicy.Evaluate(gate, run.State.DecisionsFor(stepId), run.State.Initiator, pending.Hash, directory);
            if (state != GateState.Pending)
            {
                console.Error.WriteLine($"runbook: '{stepId}' is already {state.ToString().ToLowerInvariant()}");
                return ExitCodes.Invalid;
            }

            if (pending.ExpiresAt is { } expires && TimeProvider.System.GetUtcNow() >= expires)
            {
                await Append(store, run.RunId, stepId, "expired", "runbook", $"no decision before {expires:u}", pending.Hash, cancellationToken).ConfigureAwait(false);
                console.Error.WriteLine($"runbook: the approval of '{stepId}' expired at {expires:u}; an expired approval denies (it never approves). "
                    + "Start a new run if the change is still wanted.");
                return 3;
            }

            if (decision == "approved" && ApprovalPolicy.CanApprove(gate, person, run.State.Initiator, directory) is { } refusal)
            {
                console.Error.WriteLine($"runbook: {refusal}");
                return 3;
            }

            if (run.State.DecisionsFor(stepId).Any(d => d.By == person && d.Decision == "approved" && d.Hash == pending.Hash))
            {
                console.Error.WriteLine($"runbook: {person} already approved '{stepId}'; min_approvals counts distinct people");
                return ExitCodes.Invalid;
            }

            await Append(store, run.RunId, stepId, decision, person, parse.GetValue(comment), pending.Hash, cancellationToken).ConfigureAwait(false);
            var count = run.State.DecisionsFor(stepId).Count(d => d.Decision == "approved" && d.Hash == pending.Hash) + (decision == "approved" ? 1 : 0);
            console.Out.WriteLine(decision == "approved"
                ? $"'{path}' of run {root.RunId} approved by {person} ({count} of {gate.MinApprovals}). Continue with: runbook resume {root.RunId}"
                : $"'{path}' of run {root.RunId} denied by {person}. The run stops there when it resumes: runbook resume {root.RunId}");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Task Append(IJournal store, string runId, string stepId, string decision, string by, string? comment, string hash, CancellationToken cancellationToken) =>
        store.AppendAsync(runId, JournalEventKind.ApprovalDecided, stepId, new JsonData()
            .Add("decision", decision).Add("by", by).Add("comment", comment).Add("hash", hash).Add("pre_approved", false).ToJson(), cancellationToken);
}
