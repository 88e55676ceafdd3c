using System.Globalization;
using Runbook.Execution.Engine;

namespace Runbook.Cli.Execution;

/// <summary>One line per event, for pipes, CI logs and terminals alike. Thread-safe.</summary>
internal sealed class PlainRunObserver(TextWriter output, bool color) : IRunObserver
{
    private readonly Lock _gate = new();

    public void On(RunEvent runEvent)
    {
        var line = runEvent switch
        {
            RunStartedEvent e => $"{(e.Resumed ? "Resuming" : "Running")} {e.Playbook} on {e.Provider} as {e.Initiator}{(e.DryRun ? " (DRY RUN: mutating steps are not run)" : string.Empty)} · run {e.RunId}",
            StepStartedEvent e => $"{Time(e)} ▶ {e.Phase}/{e.StepId}{(e.Name != e.StepId ? $" ({e.Name})" : string.Empty)} · {e.Action}{(e.Attempt > 1 ? $" · attempt {e.Attempt}" : string.Empty)}",
            StepLogEvent e => $"{Time(e)}   │ {e.StepId}: {e.Line}",
            StepFinishedEvent { Status: "succeeded" } e => Paint($"{Time(e)} ✔ {e.StepId} ({e.DurationMs} ms)", "32"),
            StepFinishedEvent { Status: "skipped" } e => Paint($"{Time(e)} ○ {e.StepId} skipped: {e.Error}{(e.Preview is null ? string.Empty : $" · {e.Preview}")}", "90"),
            StepFinishedEvent { Status: "retrying" } e => Paint($"{Time(e)} ↻ {e.StepId} failed, retrying: {e.Error}", "33"),
            StepFinishedEvent e => Paint($"{Time(e)} ✖ {e.StepId} failed: {e.Error}", "31"),
            ApprovalEvent e => Paint($"{Time(e)} 🔒 {e.StepId}: approval {e.State.Replace('_', ' ')}: {e.Detail}", "36"),
            RollbackEvent e => Paint($"{Time(e)} ↶ rollback {e.State.Replace('_', ' ')}{(e.StepId is null ? string.Empty : $" {e.StepId}")}: {e.Detail}", e.State.Contains("fail", StringComparison.Ordinal) || e.State == "incomplete" ? "31" : "35"),
            RunFinishedEvent e => Paint($"Run {e.RunId} {e.Status.Replace('_', ' ')} (exit {e.ExitCode}): {e.Summary}", e.ExitCode == 0 ? "32" : "31"),
            _ => null,
        };
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            output.WriteLine(line);
            output.Flush();
        }
    }

    private static string Time(RunEvent e) => e.At.ToLocalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture);

    private string Paint(string text, string code) => color ? $"\u001b[{code}m{text}\u001b[0m" : text;
}
