using System.Globalization;
using System.Text;
using System.Text.Json;
using Runbook.Execution.Engine;
using Runbook.Execution.Journal;

namespace Runbook.Cli.Execution;

/// <summary>A run's journal as a timeline people read: in the terminal, or as markdown for the postmortem.</summary>
internal static class RunTimeline
{
    public static string Text(RunLookup run) => Render(run, markdown: false);

    public static string Markdown(RunLookup run) => Render(run, markdown: true);

    private static string Render(RunLookup run, bool markdown)
    {
        var s = run.State;
        var text = new StringBuilder();
        var start = run.Entries.FirstOrDefault()?.At;
        if (markdown)
        {
            text.Append(CultureInfo.InvariantCulture, $"## Incident timeline: `{s.PlaybookName}` (run `{run.RunId}`)\n\n");
            text.Append(CultureInfo.InvariantCulture, $"- **Provider:** {s.Provider}\n- **Started by:** {s.Initiator}\n- **Status:** {s.Status.ToName()}{Waiting(s)}{(s.DryRun ? " (dry run)" : string.Empty)}\n");
            if (start is { } t0)
            {
                text.Append(CultureInfo.InvariantCulture, $"- **Started:** {t0:yyyy-MM-dd HH:mm:ss} UTC\n");
            }

            text.Append("\n| time (UTC) | +elapsed | event | step | details |\n|---|---|---|---|---|\n");
        }
        else
        {
            text.Append(CultureInfo.InvariantCulture, $"Run {run.RunId}: {s.PlaybookName} on {s.Provider} by {s.Initiator}, {s.Status.ToName()}{Waiting(s)}{(s.DryRun ? " (dry run)" : string.Empty)}\n\n");
        }

        foreach (var e in run.Entries)
        {
            var elapsed = start is { } first ? e.At - first : TimeSpan.Zero;
            var detail = Detail(e);
            if (markdown)
            {
                text.Append(CultureInfo.InvariantCulture, $"| {e.At:HH:mm:ss} | +{elapsed:hh\\:mm\\:ss} | {Label(e.Kind)} | {(e.StepId is null ? string.Empty : $"`{e.StepId}`")} | {detail.Replace("|", "\\|", StringComparison.Ordinal)} |\n");
            }
            else
            {
                text.Append(CultureInfo.InvariantCulture, $"{e.At.ToLocalTime():HH:mm:ss} +{elapsed:hh\\:mm\\:ss}  {Label(e.Kind),-22} {e.StepId,-18} {detail}\n");
            }
        }

        return text.ToString();
    }

    /// <summary>The gate a waiting run waits at: its own step, or a child run's by its path (<c>sub/gate</c>).</summary>
    private static string Waiting(RunState s) =>
        s.Status == RunStatus.AwaitingApproval && s.AwaitingStep is { } step ? $" (waiting for approval of '{step}')" : string.Empty;

    private static string Label(JournalEventKind kind) => kind switch
    {
        JournalEventKind.RunStarted => "run started",
        JournalEventKind.StepStarted => "step started",
        JournalEventKind.StepSucceeded => "step succeeded",
        JournalEventKind.StepFailed => "step failed",
        JournalEventKind.StepSkipped => "step skipped",
        JournalEventKind.ApprovalRequested => "approval requested",
        JournalEventKind.ApprovalDecided => "approval decided",
        JournalEventKind.RollbackStarted => "rollback started",
        JournalEventKind.CompensationStarted => "compensating",
        JournalEventKind.CompensationSucceeded => "compensated",
        JournalEventKind.CompensationFailed => "COMPENSATION FAILED",
        JournalEventKind.RollbackFinished => "rollback finished",
        JournalEventKind.RunPaused => "paused",
        JournalEventKind.RunInterrupted => "interrupted",
        JournalEventKind.RunResumed => "resumed",
        JournalEventKind.RunFinished => "run finished",
        JournalEventKind.FanOutStarted => "fan-out started",
        JournalEventKind.ChildRunStarted => "child run started",
        _ => kind.ToString(),
    };

    private static string Detail(JournalEntry e)
    {
        using var doc = JsonDocument.Parse(e.Data);
        var d = doc.RootElement;
        string Get(string name) => d.TryGetProperty(name, out var v) ? v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText() : string.Empty;
        return e.Kind switch
        {
            JournalEventKind.RunStarted => $"inputs {Get("inputs")}",
            JournalEventKind.StepStarted => $"{Get("action")} (attempt {Get("attempt")})",
            JournalEventKind.StepSucceeded => $"{Get("duration_ms")} ms; outputs {Truncate(Get("outputs"))}",
            JournalEventKind.StepFailed => $"{Get("error")}{(Get("will_retry") == "true" ? " (will retry)" : string.Empty)}",
            JournalEventKind.StepSkipped => Get("reason") + (Get("preview") is { Length: > 0 } p ? $": {p}" : string.Empty),
            JournalEventKind.ApprovalRequested => $"needs {Get("min_approvals")} of {Get("approvers")}; expires {Get("expires_at")}",
            JournalEventKind.ApprovalDecided => $"{Get("decision")} by {Get("by")}{(Get("comment") is { Length: > 0 } c ? $": {c}" : string.Empty)}{(Get("pre_approved") == "true" ? " (pre-approved)" : string.Empty)}",
            JournalEventKind.RollbackStarted => $"{Get("reason")}; order {Truncate(Get("steps"))}",
            JournalEventKind.FanOutStarted => FanOut(d),
            JournalEventKind.ChildRunStarted => $"run {Get("child_run")} (runbook show {Get("child_run")})",
            JournalEventKind.CompensationFailed => Get("error"),
            JournalEventKind.CompensationSucceeded => $"{Get("duration_ms")} ms",
            JournalEventKind.RollbackFinished => Get("complete") == "true" ? "complete" : "INCOMPLETE: a human must look",
            JournalEventKind.RunPaused => $"awaiting approval of {Get("awaiting")}",
            JournalEventKind.RunResumed => $"by {Get("resumed_by")}",
            JournalEventKind.RunInterrupted => Get("reason") is { Length: > 0 } reason ? reason : Get("signal"),
            JournalEventKind.RunFinished => $"{Get("status")}: {Get("summary")}",
            _ => string.Empty,
        };
    }

    /// <summary>A fan-out's items as keys: the first few and how many in all (the journal holds them all).</summary>
    private static string FanOut(JsonElement d)
    {
        var keys = d.TryGetProperty("keys", out var k) && k.ValueKind == JsonValueKind.Array ? k.EnumerateArray().Select(e => e.ToString()).ToList() : [];
        var secret = d.TryGetProperty("secret", out var s) && s.ValueKind == JsonValueKind.True;
        return $"{keys.Count} item{(keys.Count == 1 ? string.Empty : "s")}{(secret ? " (secret: keyed by index)" : string.Empty)}: "
            + string.Join(", ", keys.Take(10)) + (keys.Count > 10 ? $", … {keys.Count - 10} more" : string.Empty);
    }

    private static string Truncate(string text) => text.Length > 160 ? text[..160] + "…" : text;
}
