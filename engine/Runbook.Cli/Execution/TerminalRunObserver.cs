using System.Collections.Concurrent;
using Runbook.Execution.Engine;
using Runbook.Language.Graph;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Runbook.Cli.Execution;

/// <summary>
/// On a terminal: a live tree of phases and steps with status, spinner, duration and each step's last line.
/// Approval prompts and the final summary print below it as plain lines. A fan-out step shows under it the items
/// running, waiting for approval or failed (a few at most) and one line of counts, so a list of 10,000 items costs the
/// screen, and each redraw, a handful of lines. Events only update what the tree shows; the tree is drawn by its own
/// loop, at most every <see cref="Frame"/>, so the renderer never slows the steps it shows (an event used to render
/// and write the whole tree on the step's own path, which made a run on a terminal 1.6× slower than piped).
/// </summary>
internal sealed class TerminalRunObserver(StepGraph graph, IAnsiConsole console) : IRunObserver
{
    private static readonly string[] Spinner = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

    /// <summary>The shortest time between two draws of the tree: 20 a second, as often as a person can read it.</summary>
    private static readonly TimeSpan Frame = TimeSpan.FromMilliseconds(50);

    /// <summary>Woken by an event, so a change shows within a frame instead of waiting for the spinner's next turn.</summary>
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentDictionary<string, (string Status, string Detail, DateTimeOffset Started)> _steps = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _notes = new();
    private readonly ConcurrentDictionary<string, FanOutView> _fanOuts = new(StringComparer.Ordinal);
    private string _title = graph.Playbook.Name;
    private int _frame;
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
                while (!work.IsCompleted && _pause is null)
                {
                    var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    Volatile.Write(ref _changed, changed); // an event from here on wakes the next draw
                    Interlocked.Increment(ref _frame);
                    context.UpdateTarget(Render());
                    // The next draw: when something changed (or the spinner's 120 ms passed), but not within a frame of this one.
                    var frame = Task.Delay(Frame);
                    await Task.WhenAny(work, changed.Task, Task.Delay(120)).ConfigureAwait(false);
                    await Task.WhenAny(work, frame).ConfigureAwait(false);
                }

                context.UpdateTarget(Render());
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
        if (ItemOf(runEvent) is { } item)
        {
            item.View.On(item.Id, runEvent);
            if (runEvent is ApprovalEvent approval)
            {
                _notes.Enqueue($"[cyan]🔒 {Markup.Escape(approval.StepId)}: approval {Markup.Escape(approval.State.Replace('_', ' '))}: {Markup.Escape(approval.Detail)}[/]");
            }

            Changed();
            return;
        }

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

        Changed();
    }

    /// <summary>Wakes the drawing loop; never draws here (this runs on the step's own path).</summary>
    private void Changed() => Volatile.Read(ref _changed).TrySetResult();

    internal IRenderable Render()
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
                var stepNode = node.AddNode(new Markup($"{icon} {Markup.Escape(step.DisplayName)} [grey]{Markup.Escape(text)}[/]"));
                if (step.ForEach is not null && _fanOuts.TryGetValue(step.Id, out var view))
                {
                    view.Render(stepNode, Spinner[_frame % Spinner.Length]);
                }
            }
        }

        return tree;
    }

    /// <summary>The fan-out an event's step id is an item of (<c>restart[api]</c> of <c>restart</c>), or null.</summary>
    private (FanOutView View, string Id)? ItemOf(RunEvent runEvent)
    {
        var id = runEvent switch
        {
            StepStartedEvent e => e.StepId,
            StepLogEvent e => e.StepId,
            StepFinishedEvent e => e.StepId,
            ApprovalEvent e => e.StepId,
            _ => null,
        };
        if (id is null)
        {
            return null;
        }

        var parent = FanOutList.StepOf(id);
        if (parent == id || graph.Playbook.FindStep(parent) is not { ForEach: not null })
        {
            return null;
        }

        return (_fanOuts.GetOrAdd(parent, _ => new FanOutView()), id);
    }

    /// <summary>
    /// What the tree shows of one fan-out's items: how many are in each state, and the few that need eyes (running,
    /// waiting for approval, failed). Each event updates it in constant time.
    /// </summary>
    private sealed class FanOutView
    {
        private const int Shown = 8;
        private readonly Lock _gate = new();
        private readonly Dictionary<string, string> _statusOf = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);
        private readonly Dictionary<string, (string Status, string Detail)> _active = new(StringComparer.Ordinal);
        private readonly List<(string Id, string Detail)> _failed = [];

        public void On(string id, RunEvent runEvent)
        {
            lock (_gate)
            {
                switch (runEvent)
                {
                    case StepStartedEvent e:
                        Move(id, "running", e.Attempt > 1 ? $"attempt {e.Attempt}" : e.Action);
                        break;
                    case StepLogEvent e when _active.TryGetValue(id, out var current):
                        _active[id] = current with { Detail = e.Line };
                        break;
                    case StepFinishedEvent e:
                        Move(id, e.Status, e.Status == "succeeded" ? string.Empty : e.Error ?? string.Empty);
                        break;
                    case ApprovalEvent e:
                        Move(id, e.State is "passed" or "approved" ? "running" : "approval", $"approval {e.State.Replace('_', ' ')}");
                        break;
                }
            }
        }

        private void Move(string id, string status, string detail)
        {
            if (_statusOf.TryGetValue(id, out var before))
            {
                _counts[before] = _counts[before] - 1;
            }

            _statusOf[id] = status;
            _counts[status] = _counts.GetValueOrDefault(status) + 1;
            if (status is "running" or "retrying" or "approval")
            {
                _active[id] = (status, detail);
            }
            else
            {
                _active.Remove(id);
            }

            if (status == "failed" && _failed.Count < Shown)
            {
                _failed.Add((id, detail));
            }
        }

        public void Render(TreeNode node, string spinner)
        {
            lock (_gate)
            {
                foreach (var (id, (status, detail)) in _active.Take(Shown))
                {
                    var icon = status switch { "approval" => "[cyan]🔒[/]", "retrying" => "[yellow]↻[/]", _ => $"[yellow]{spinner}[/]" };
                    var text = detail.Length > 80 ? detail[..80] + "…" : detail;
                    node.AddNode(new Markup($"{icon} {Markup.Escape(id)} [grey]{Markup.Escape(text)}[/]"));
                }

                foreach (var (id, detail) in _failed)
                {
                    node.AddNode(new Markup($"[red]✖[/] {Markup.Escape(id)} [grey]{Markup.Escape(detail.Length > 80 ? detail[..80] + "…" : detail)}[/]"));
                }

                var counts = _counts.Where(c => c.Value > 0).Select(c => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{c.Value:N0} {c.Key}"));
                var hidden = _active.Count > Shown ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $" ({_active.Count - Shown:N0} more active not shown)") : string.Empty;
                node.AddNode(new Markup($"[grey]items: {Markup.Escape(string.Join(" · ", counts))}{hidden}[/]"));
            }
        }
    }
}
