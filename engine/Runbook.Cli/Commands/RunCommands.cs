using System.CommandLine;
using Runbook.Cli.Execution;
using Runbook.Execution.Engine;
using Runbook.Execution.Journal;
using Runbook.Execution.Secrets;
using Runbook.Language.Model;

namespace Runbook.Cli.Commands;

/// <summary>resume, rollback: continue or undo a journaled run.</summary>
internal static class RunCommands
{
    public static Command Resume(CliConsole console)
    {
        var runId = new Argument<string>("run-id") { Description = "The run (or a unique prefix of its id)." };
        var markDone = new Option<string[]>("--mark-done") { Description = "After checking by hand that an interrupted step took effect, record it as done.", HelpName = "step" };
        var rerun = new Option<string[]>("--rerun") { Description = "After checking by hand that an interrupted step did NOT take effect, run it again.", HelpName = "step" };
        var journal = Shared.Journal();
        var config = Shared.Config();
        var format = CommonOptions.Format("Output: text or json events.", "text", "json");
        var command = new Command("resume", "Continue a run from its journal: completed steps are not re-run; an interrupted read-only or idempotent step is re-run; "
            + "an interrupted mutating step stops the run until you check it.")
        {
            runId, markDone, rerun, journal, config, format,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var store = await RunSession.OpenJournalAsync(parse.GetValue(journal), cancellationToken).ConfigureAwait(false);
            var run = await RunLookup.FindAsync(store, parse.GetRequiredValue(runId), cancellationToken).ConfigureAwait(false);
            if (run.State.Status is not (RunStatus.Running or RunStatus.AwaitingApproval or RunStatus.Interrupted))
            {
                console.Error.WriteLine($"runbook: run {run.RunId} already finished ({run.State.Status.ToName()}); start a new run, or undo it with 'runbook rollback {run.RunId}'");
                return ExitCodes.Invalid;
            }

            if (run.LiveEngine is { } live)
            {
                console.Error.WriteLine($"runbook: run {run.RunId} is still running ({live}); two engines never drive one run. "
                    + $"Stop it first (Ctrl-C in its terminal, or kill -INT {live.Pid}), then resume");
                return ExitCodes.Invalid;
            }

            if (run.State.ParentRunId is { } parent)
            {
                // A child run goes on only inside its parent's playbook.run step, which then takes its result.
                console.Error.WriteLine($"runbook: run {run.RunId} is a child of run {parent} (a playbook.run step); resume the parent, which continues it: runbook resume {parent}");
                return ExitCodes.Invalid;
            }

            var loaded = run.LoadPlaybook(console);
            var inputs = run.Inputs(loaded, console);
            if (inputs is null)
            {
                return ExitCodes.Invalid;
            }

            var marked = (parse.GetValue(markDone) ?? []).ToHashSet(StringComparer.Ordinal);
            var rerunSteps = (parse.GetValue(rerun) ?? []).ToHashSet(StringComparer.Ordinal);
            var resolved = marked.Union(rerunSteps).ToHashSet(StringComparer.Ordinal);
            var unsure = ResumePolicy.StepsNeedingAHuman(loaded.Graph!, run.State, resolved).Select(u => (u.Step, u.Id)).ToList();
            // The child runs this resume continues judge their own unfinished steps the same way, named by their path.
            await foreach (var (child, path) in run.ChildrenToContinueAsync(store, string.Empty, cancellationToken).ConfigureAwait(false))
            {
                var childResolved = resolved.Where(r => r.StartsWith(path, StringComparison.Ordinal)).Select(r => r[path.Length..]).ToHashSet(StringComparer.Ordinal);
                unsure.AddRange(ResumePolicy.StepsNeedingAHuman(child.LoadPlaybook(console).Graph!, child.State, childResolved).Select(u => (u.Step, path + u.Id)));
            }

            if (unsure.Count > 0)
            {
                foreach (var (step, id) in unsure)
                {
                    // An item's id has brackets, which a shell would read as a pattern: quoted in the commands to copy.
                    var quoted = id.Contains('[', StringComparison.Ordinal) ? $"'{id}'" : id;
                    console.Error.WriteLine($"runbook: step '{id}' ({step.DisplayName}) started and did not finish. It mutates and is not idempotent, "
                        + "so runbook cannot know whether it took effect.");
                    console.Error.WriteLine($"  Check what it does ({DescribeAction(step)}), then either:");
                    console.Error.WriteLine($"    runbook resume {run.RunId} --mark-done {quoted}   # it took effect");
                    console.Error.WriteLine($"    runbook resume {run.RunId} --rerun {quoted}       # it did not");
                }

                return ExitCodes.Invalid;
            }

            var options = new SessionOptions(parse.GetValue(journal), parse.GetValue(config), parse.GetRequiredValue(format), RunSession.IsInteractive(console));
            using var http = new HttpClient();
            using var interrupts = new Interrupts(console.Error);
            var settings = RunSession.Settings(run.State, console.WorkingDirectory);
            var (services, show) = RunSession.Services(store, console, options, new SecretMasker(), http, loaded.Graph!, settings,
                run.Approvers(parse.GetValue(config), console));
            foreach (var path in marked)
            {
                var (owner, step) = await run.FindStepAsync(store, path, cancellationToken).ConfigureAwait(false);
                await store.AppendAsync(owner.RunId, JournalEventKind.StepSucceeded, step,
                    $"{{\"outputs\":{{}},\"marked_done_by\":\"{System.Text.Encodings.Web.JavaScriptEncoder.Default.Encode(Identity.Current)}\"}}",
                    cancellationToken).ConfigureAwait(false);
            }

            var state = RunState.FromJournal(run.RunId, await store.ReadAsync(run.RunId, cancellationToken).ConfigureAwait(false));
            var request = new RunRequest(loaded, state.Provider, inputs, Identity.Current, state.DryRun, Settings: settings.Values, ServiceNames: settings.ServiceNames);
            var result = await show(() => Executor.ResumeAsync(services, request, state, interrupts.Token)).ConfigureAwait(false);
            return result.ExitCode;
        });
        return command;
    }

    public static Command Rollback(CliConsole console)
    {
        var runId = new Argument<string>("run-id") { Description = "The run (or a unique prefix of its id)." };
        var journal = Shared.Journal();
        var config = Shared.Config();
        var format = CommonOptions.Format("Output: text or json events.", "text", "json");
        var command = new Command("rollback", "Run the compensations of a run's completed steps, newest first (for a finished or interrupted run). Exit 0 when all ran, 4 when one failed.")
        {
            runId, journal, config, format,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var store = await RunSession.OpenJournalAsync(parse.GetValue(journal), cancellationToken).ConfigureAwait(false);
            var run = await RunLookup.FindAsync(store, parse.GetRequiredValue(runId), cancellationToken).ConfigureAwait(false);
            if (run.State.Status is RunStatus.Running)
            {
                console.Error.WriteLine(run.LiveEngine is { } live
                    ? $"runbook: run {run.RunId} is still running ({live}); interrupt it first (Ctrl-C in its terminal, or kill -INT {live.Pid})"
                    : $"runbook: run {run.RunId} looks alive (no end in its journal) and its engine ran where this machine cannot see it; "
                        + "interrupt it there first, or if it crashed, resume it");
                return ExitCodes.Invalid;
            }

            var loaded = run.LoadPlaybook(console);
            var inputs = run.Inputs(loaded, console);
            if (inputs is null)
            {
                return ExitCodes.Invalid;
            }

            var options = new SessionOptions(parse.GetValue(journal), parse.GetValue(config), parse.GetRequiredValue(format), false);
            using var http = new HttpClient();
            var settings = RunSession.Settings(run.State, console.WorkingDirectory);
            var (services, _) = RunSession.Services(store, console, options, new SecretMasker(), http, loaded.Graph!, settings,
                run.Approvers(parse.GetValue(config), console));
            var request = new RunRequest(loaded, run.State.Provider, inputs, Identity.Current, Settings: settings.Values, ServiceNames: settings.ServiceNames);
            var result = await Executor.RollbackAsync(services, request, run.State, cancellationToken).ConfigureAwait(false);
            return result.Status switch
            {
                RunStatus.RolledBack => ExitCodes.Success,
                RunStatus.Failed => ExitCodes.Success, // nothing to compensate
                _ => result.ExitCode,
            };
        });
        return command;
    }

    private static string DescribeAction(Step step) => step.Action switch
    {
        UsesAction uses => $"{uses.Name} {string.Join(" ", uses.With.Select(a => $"{a.Name}={a.Value.Raw}"))}",
        RunAction run => $"the script: {run.Script.Raw.Trim().Split('\n')[0]}",
        _ => "its action",
    };
}
