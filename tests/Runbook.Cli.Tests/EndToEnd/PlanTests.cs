using System.Text.Json;
using Runbook.Cli.Tests.Support;

namespace Runbook.Cli.Tests.EndToEnd;

/// <summary>`runbook plan` and `runbook graph`, as processes, on both builds.</summary>
public sealed class PlanTests
{
    private const string Playbook = "playbooks/high-error-rate.yaml";

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void The_text_plan_lists_steps_gates_and_the_rollback_plan(CliTarget cli)
    {
        var result = cli.Run("plan", Playbook, "--provider", "kubernetes", "--input", "service=checkout");

        Assert.Equal(0, result.ExitCode);
        Snapshot.Match(result.Out, "plan-high-error-rate-kubernetes-text");
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void The_markdown_plan_carries_a_mermaid_graph(CliTarget cli)
    {
        var result = cli.Run("plan", Playbook, "--provider", "aws", "--format", "markdown");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("```mermaid\nflowchart TD\n", result.Out, StringComparison.Ordinal);
        Snapshot.Match(result.Out, "plan-high-error-rate-aws-markdown");
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void The_json_plan_has_steps_in_order_and_never_a_secret(CliTarget cli)
    {
        var result = cli.Run("plan", Playbook, "--provider", "compose", "--format", "json");

        Assert.Equal(0, result.ExitCode);
        using var doc = JsonDocument.Parse(result.Out);
        Assert.Equal("runbook.plan/v1", doc.RootElement.GetProperty("format").GetString());
        var plan = doc.RootElement.GetProperty("plan");
        var ids = plan.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("id").GetString()).ToList();
        Assert.Equal(["status", "health", "logs", "history", "announce", "rollback", "wait_rollout", "verify"], ids);
        var secret = plan.GetProperty("inputs").EnumerateArray().Single(i => i.GetProperty("name").GetString() == "slack_webhook");
        Assert.Equal("***", secret.GetProperty("value").GetString());
        Assert.StartsWith("sha256:", plan.GetProperty("hashes").GetProperty("playbook").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void Plan_writes_the_plan_file_for_exec(CliTarget cli)
    {
        var file = Path.Combine(Path.GetTempPath(), $"plan-{Guid.NewGuid():N}.json");
        try
        {
            var result = cli.Run("plan", Playbook, "--provider", "gcp", "--out", file);

            Assert.Equal(0, result.ExitCode);
            using var doc = JsonDocument.Parse(File.ReadAllText(file));
            Assert.Equal("gcp", doc.RootElement.GetProperty("plan").GetProperty("provider").GetString());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void Invalid_inputs_are_all_reported_and_exit_2(CliTarget cli)
    {
        var result = cli.Run("plan", "samples/playbooks/disk-pressure.yaml", "--provider", "compose",
            "--input", "older_than_days=9999", "--input", "pth=/tmp");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("has no input 'pth' (did you mean 'path'?)", result.Error, StringComparison.Ordinal);
        Assert.Contains("input 'older_than_days' must be between 1 and 365, got 9999", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void Planning_an_invalid_playbook_prints_its_diagnostics_and_exits_2(CliTarget cli)
    {
        var result = cli.Run("plan", "tests/Runbook.Cli.Tests/Data/broken.yaml", "--provider", "compose");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("error RB0110: unknown action 'service.scael'", result.Error, StringComparison.Ordinal);
        Assert.Empty(result.Out);
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void Graph_prints_mermaid(CliTarget cli)
    {
        var result = cli.Run("graph", Playbook);

        Assert.Equal(0, result.ExitCode);
        Snapshot.Match(result.Out, "graph-high-error-rate");
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void Help_names_every_command(CliTarget cli)
    {
        var result = cli.Run("--help");

        Assert.Equal(0, result.ExitCode);
        Snapshot.Match(result.Out, "help-root");
    }
}
