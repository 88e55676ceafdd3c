using System.Text;
using Runbook.Cli.Execution;
using Runbook.Execution.Engine;
using Runbook.Language;
using Runbook.Language.Actions;
using Spectre.Console;

namespace Runbook.Cli.Tests.Rendering;

/// <summary>The live tree of a run with a fan-out: what it shows of the items, and that it stays small for a huge list.</summary>
public sealed class FanOutTreeTests
{
    private const string Playbook = """
        apiVersion: runbook/v1
        kind: Playbook
        name: sweep
        phases:
          mitigate:
            - id: touch
              for_each: ${{ inputs.hosts }}
              max_parallel: 3
              uses: http.check
              with: { url: "${{ item }}" }
        inputs:
          hosts: { type: list }
        """;

    private static readonly DateTimeOffset At = new(2026, 11, 30, 3, 0, 0, TimeSpan.Zero);

    private static (TerminalRunObserver Observer, Func<string> Screen) Observer()
    {
        var loaded = PlaybookLoader.Load("sweep.yaml", Encoding.UTF8.GetBytes(Playbook), ActionCatalog.Create([]));
        Assert.True(loaded.IsValid, string.Join("\n", loaded.Diagnostics));
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = 200;
        var observer = new TerminalRunObserver(loaded.Graph!, console);
        return (observer, () =>
        {
            writer.GetStringBuilder().Clear();
            console.Write(observer.Render());
            return writer.ToString();
        }
        );
    }

    [Fact]
    public void Ten_thousand_items_show_as_the_few_running_and_failed_and_one_line_of_counts()
    {
        var (observer, screen) = Observer();
        observer.On(new StepStartedEvent("r", At, "touch", "touch", "mitigate", "for_each", 1));
        for (var i = 0; i < 10_000; i++)
        {
            observer.On(new StepStartedEvent("r", At, $"touch[h{i}]", $"touch[h{i}]", "mitigate", "http.check", 1));
            if (i < 9_997)
            {
                observer.On(new StepFinishedEvent("r", At, $"touch[h{i}]", i == 42 ? "failed" : "succeeded", 1, i == 42 ? "refused" : null, null, false, null));
            }
        }

        var text = screen();
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.True(lines.Length < 20, $"{lines.Length} lines:\n{text}");
        Assert.Contains("items: 3 running · 9,996 succeeded · 1 failed", text, StringComparison.Ordinal);
        Assert.Contains("touch[h9999]", text, StringComparison.Ordinal);
        Assert.Contains("touch[h42] refused", text, StringComparison.Ordinal);
        Assert.DoesNotContain("touch[h100]", text, StringComparison.Ordinal);
    }

    [Fact]
    public void An_item_waiting_for_its_approval_shows_under_its_step_until_it_runs()
    {
        var (observer, screen) = Observer();
        observer.On(new StepStartedEvent("r", At, "touch", "touch", "mitigate", "for_each", 1));
        observer.On(new ApprovalEvent("r", At, "touch[api]", "waiting", "runbook approve r 'touch[api]'"));

        Assert.Contains("touch[api] approval waiting", screen(), StringComparison.Ordinal);

        observer.On(new StepStartedEvent("r", At, "touch[api]", "touch[api]", "mitigate", "http.check", 1));
        observer.On(new StepFinishedEvent("r", At, "touch[api]", "succeeded", 1, null, null, false, null));
        var after = screen();
        Assert.DoesNotContain("approval waiting", after, StringComparison.Ordinal);
        Assert.Contains("items: 1 succeeded", after, StringComparison.Ordinal);
    }
}
