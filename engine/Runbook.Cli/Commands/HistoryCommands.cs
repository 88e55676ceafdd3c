using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Runbook.Cli.Execution;
using Runbook.Execution.Engine;
using Runbook.Execution.Journal;

namespace Runbook.Cli.Commands;

/// <summary>history and show: read the journal.</summary>
internal static class HistoryCommands
{
    public static Command History(CliConsole console)
    {
        var playbook = new Option<string>("--playbook") { Description = "Only runs of this playbook (its name).", HelpName = "name" };
        var status = new Option<string>("--status") { Description = "Only runs in this state: running, awaiting_approval, succeeded, rolled_back, failed, rollback_incomplete, denied, interrupted.", HelpName = "status" };
        var provider = new Option<string>("--provider") { Description = "Only runs on this provider.", HelpName = "name" };
        var since = new Option<string>("--since") { Description = "Only runs started within this long, e.g. 24h, 7d.", HelpName = "duration" };
        var limit = new Option<int>("--limit", "-n") { Description = "How many runs.", DefaultValueFactory = _ => 20 };
        var journal = Shared.Journal();
        var format = CommonOptions.Format("Output: text (a table), or json for scripts (schemas/history.schema.json).", "text", "json");
        // A run whose engine died on this machine is settled first (marked interrupted, its locks released): see RunSettlement.
        var command = new Command("history", "List runs, newest first, and the target locks held right now.") { playbook, status, provider, since, limit, journal, format };
        command.SetAction(async (parse, cancellationToken) =>
        {
            RunStatus? wanted = parse.GetValue(status) is { } s
                ? Enum.GetValues<RunStatus>().Cast<RunStatus?>().FirstOrDefault(x => x!.Value.ToName() == s) ?? throw new UsageException($"--status '{s}' is not a run status")
                : null;
            DateTimeOffset? from = parse.GetValue(since) is { } window
                ? Language.Model.Duration.TryParse(window, out var d) ? TimeProvider.System.GetUtcNow() - d.Value : throw new UsageException($"--since '{window}' is not a duration")
                : null;
            await using var store = await RunSession.OpenJournalAsync(parse.GetValue(journal), cancellationToken).ConfigureAwait(false);
            await RunSettlement.SettleDeadRunsAsync(store, cancellationToken).ConfigureAwait(false);
            var runs = await store.ListRunsAsync(new RunQuery(parse.GetValue(playbook), wanted, parse.GetValue(provider), from, parse.GetValue(limit)), cancellationToken).ConfigureAwait(false);
            var leases = await store.ListLeasesAsync(cancellationToken).ConfigureAwait(false);
            if (parse.GetRequiredValue(format) == "json")
            {
                console.Out.Write(Rendering.HistoryDocument.Serialize(runs, leases));
                return ExitCodes.Success;
            }

            var text = new StringBuilder();
            text.Append(CultureInfo.InvariantCulture, $"{"RUN",-24} {"STARTED",-20} {"PLAYBOOK",-26} {"PROVIDER",-11} {"BY",-12} STATUS\n");
            foreach (var run in runs)
            {
                // A run waiting names the gate (a child run's, by its path: sub/gate), so approve can be typed from here.
                var awaiting = run.Status == RunStatus.AwaitingApproval
                    ? RunState.FromJournal(run.RunId, await store.ReadAsync(run.RunId, cancellationToken).ConfigureAwait(false)).AwaitingStep
                    : null;
                text.Append(CultureInfo.InvariantCulture, $"{run.RunId,-24} {run.StartedAt.ToLocalTime():yyyy-MM-dd HH:mm:ss} {Cut(run.Playbook, 26),-26} {run.Provider,-11} {Cut(run.Initiator, 12),-12} {run.Status.ToName()}{(awaiting is null ? string.Empty : $" ({awaiting})")}{(run.DryRun ? " (dry run)" : string.Empty)}\n");
            }

            if (runs.Count == 0)
            {
                text.Append("(no runs)\n");
            }

            text.Append('\n').Append(leases.Count == 0 ? "No target is locked.\n" : "Locked targets:\n");
            foreach (var lease in leases)
            {
                text.Append(CultureInfo.InvariantCulture, $"  {lease.Target} by run {lease.RunId} until {lease.ExpiresAt.ToLocalTime():HH:mm:ss}\n");
            }

            console.Out.Write(text.ToString());
            return ExitCodes.Success;
        });
        return command;
    }

    public static Command Show(CliConsole console)
    {
        var runId = new Argument<string>("run-id") { Description = "The run (or a unique prefix of its id)." };
        var format = CommonOptions.Format("Output: text (timeline), markdown (an incident timeline for the postmortem), json (the journal's events).", "text", "markdown", "json");
        var journal = Shared.Journal();
        var command = new Command("show", "Show a run's timeline: steps with durations and outputs, approvals with who and why, rollbacks.") { runId, format, journal };
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var store = await RunSession.OpenJournalAsync(parse.GetValue(journal), cancellationToken).ConfigureAwait(false);
            var run = await RunLookup.FindAsync(store, parse.GetRequiredValue(runId), cancellationToken).ConfigureAwait(false);
            console.Out.Write(parse.GetRequiredValue(format) switch
            {
                "json" => Json(run),
                "markdown" => RunTimeline.Markdown(run),
                _ => RunTimeline.Text(run),
            });
            return ExitCodes.Success;
        });
        return command;
    }

    private static string Json(RunLookup run)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("run_id", run.RunId);
            json.WriteString("status", run.State.Status.ToName());
            json.WriteStartArray("events");
            foreach (var e in run.Entries)
            {
                json.WriteStartObject();
                json.WriteNumber("seq", e.Sequence);
                json.WriteString("at", e.At);
                json.WriteString("kind", e.Kind.ToString());
                if (e.StepId is not null)
                {
                    json.WriteString("step", e.StepId);
                }

                json.WritePropertyName("data");
                json.WriteRawValue(e.Data);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    private static string Cut(string text, int width) => text.Length <= width ? text : text[..(width - 1)] + "…";
}
