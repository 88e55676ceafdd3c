using System.Collections.Concurrent;
using Runbook.Execution.Engine;
using Runbook.Language.Graph;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Runbook.Cli.Execution;

/// <summary>
/// On a terminal: a live tree of phases and steps with status, spinner, duration and each step's last line.
/// Approval prompts and the final summary print below it as plain lines.
/// </summary>
internal sealed class TerminalRunObserver(StepGraph graph, IAnsiConsole console) : IRunObserver
{
    private static readonly string[] Spinner = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
    private readonly ConcurrentDictionary<string, (string Status, string Detail, DateTimeOffset Started)> _steps = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _notes = new();
    private string _title = graph.Playbook.Name;
    private int _frame;
    private LiveDisplayContext? _live;
    private volatile TaskCompletionSource? _pause;
    private TaskCompletionSource _paused = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Runs <paramref name="run"/> with the live tree on screen, refreshing it while the run works.</summary>
    public async Task<T> ShowAsync<T>(Func<Task<T>> run)
    {
        var work = run();
        while (true)
        {
            await console.Live(Render()).AutoClear(false).Overflow(VerticalOverflow.Ellipsis).StartAsync(async context =>
            {
                _live = context;
                while (!work.IsCompleted && _pause is null)
                {
                    Interlocked.Increment(ref _frame);
                    context.UpdateTarget(Render());
                    await Task.WhenAny(work, Task.Delay(120)).ConfigureAwait(false);
                }

                context.UpdateTarget(Render());
                _live = null;
            }).ConfigureAwait(false);
            Flush();
            if (_pause is { } pause)
            {
                // A prompt needs the terminal: the tree stays where it is; the prompt prints below it.
                _paused.TrySetResult();
                await Task.WhenAny(work, pause.Task).ConfigureAwait(false);
            }

            if (work.IsCompleted)
            {
                Flush();
                return await work.ConfigureAwait(false);
            }
        }
    }

    /// <summary>Takes the terminal from the live tree for <paramref name="prompt"/>, then gives it back.</summary>
    public async Task<T> PausedAsync<T>(Func<T> prompt)
    {
        var pause = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _paused = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _pause = pause;
        await _paused.Task.ConfigureAwait(false);
        try
        {
            return prompt();
        }
        finally
        {
            _pause = null;
            pause.TrySetResult();
        }
    }

    private void Flush()
    {
        while (_notes.TryDequeue(out var note))
        {
            console.MarkupLine(note);
        }
    }

    public void On(RunEvent runEvent)
    {
        switch (runEvent)
        {
            case RunStartedEvent e:
                _title = $"{e.Playbook} on {e.Provider}{(e.DryRun ? " [yellow](dry run)[/]" : string.Empty)} · run {e.RunId}";
                break;
            case StepStartedEvent e:
                _steps[e.StepId] = ("running", e.Attempt > 1 ? $"attempt {e.Attempt}" : e.Action, e.At);
                break;
            case StepLogEvent e when _steps.TryGetValue(e.StepId, out var s):
                _steps[e.StepId] = s with { Detail = e.Line };
                break;
            case StepFinishedEvent e:
                _steps[e.StepId] = (e.Status, e.Status switch
                {
                    "succeeded" => $"{e.DurationMs} ms",
                    "skipped" => e.Error + (e.Preview is null ? string.Empty : $" · {e.Preview}"),
                    _ => e.Error ?? string.Empty,
                }, e.At);
                break;
            case ApprovalEvent e:
                _steps.AddOrUpdate(e.StepId, _ => ("approval", e.State, e.At), (_, s) => s with { Status = "approval", Detail = $"approval {e.State}" });
                _notes.Enqueue($"[cyan]🔒 {Markup.Escape(e.StepId)}: approval {Markup.Escape(e.State.Replace('_', ' '))}: {Markup.Escape(e.Detail)}[/]");
                break;
            case RollbackEvent e:
                _notes.Enqueue($"[magenta]↶ rollback {Markup.Escape(e.State.Replace('_', ' '))}{(e.StepId is null ? string.Empty : " " + Markup.Escape(e.StepId))}: {Markup.Escape(e.Detail)}[/]");
                break;
            case RunFinishedEvent e:
                _notes.Enqueue($"[{(e.ExitCode == 0 ? "green" : "red")}]Run {Markup.Escape(e.RunId)} {Markup.Escape(e.Status.Replace('_', ' '))} (exit {e.ExitCode}): {Markup.Escape(e.Summary)}[/]");
                break;
        }

        _live?.UpdateTarget(Render());
    }

    private IRenderable Render()
    {
        var tree = new Tree(new Markup($"[bold]{_title}[/]"));
        foreach (var phase in graph.Phases)
        {
            var node = tree.AddNode(new Markup($"[blue]{phase.Name}[/]{(phase.Parallel ? " [grey](parallel)[/]" : string.Empty)}"));
            foreach (var step in phase.Steps)
            {
                var (status, detail, _) = _steps.GetValueOrDefault(step.Id, ("pending", string.Empty, default));
                var icon = status switch
                {
                    "running" => $"[yellow]{Spinner[_frame % Spinner.Length]}[/]",
                    "succeeded" => "[green]✔[/]",
                    "failed" => "[red]✖[/]",
                    "retrying" => "[yellow]↻[/]",
                    "skipped" => "[grey]○[/]",
                    "approval" => "[cyan]🔒[/]",
                    _ => "[grey]·[/]",
                };
                var text = detail.Length > 100 ? detail[..100] + "…" : detail;
                node.AddNode(new Markup($"{icon} {Markup.Escape(step.DisplayName)} [grey]{Markup.Escape(text)}[/]"));
            }
        }

        return tree;
    }
}
