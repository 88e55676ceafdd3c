using System.Text;
using System.Text.Json;
using Runbook.Cli.Tests.Support;

namespace Runbook.Cli.Tests.EndToEnd;

/// <summary>`runbook exec` and the run commands, as processes, on both builds.</summary>
public sealed class ExecTests : IDisposable
{
    private const string Gated = "tests/Runbook.Cli.Tests/Data/gated.yaml";
    private const string Config = "tests/Runbook.Cli.Tests/Data/runbook.yaml";
    private const string Secret = "tok-3f9a1c77e2";
    private readonly string _folder = Directory.CreateTempSubdirectory("runbook-exec-e2e-").FullName;

    private string Journal => Path.Combine(_folder, "journal.db");

    private string Ledger => Path.Combine(_folder, "ledger.txt");

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void Without_a_terminal_a_gate_exits_3_and_two_approvals_then_resume_finish_the_run(CliTarget cli)
    {
        cli = cli.With("GATED_TOKEN", Secret);
        var first = cli.Run("exec", Gated, "--provider", "compose", "--journal", Journal, "--config", Config, "--input", $"ledger={Ledger}");
        Assert.Equal(3, first.ExitCode);
        var runId = JsonlessRunId(first.Out);
        Assert.Contains($"runbook approve {runId} change --as NAME", first.Out, StringComparison.Ordinal);
        Assert.False(File.Exists(Ledger));

        var self = cli.Run("approve", runId, "change", "--as", "alice", "--journal", Journal, "--config", Config);
        var outsider = cli.Run("approve", runId, "change", "--as", "mallory", "--journal", Journal, "--config", Config);
        var bob = cli.Run("approve", runId, "change", "--as", "bob", "--comment", "looks right", "--journal", Journal, "--config", Config);
        var stillWaiting = cli.Run("resume", runId, "--journal", Journal, "--config", Config);
        var carol = cli.Run("approve", runId, "change", "--as", "carol", "--journal", Journal, "--config", Config);
        var done = cli.Run("resume", runId, "--journal", Journal, "--config", Config);
        var show = cli.Run("show", runId, "--journal", Journal, "--format", "markdown");

        Assert.Equal(3, self.ExitCode);
        Assert.Contains("alice started this run and the gate does not allow self-approval", self.Error, StringComparison.Ordinal);
        Assert.Equal(3, outsider.ExitCode);
        Assert.Contains("mallory is not among the approvers", outsider.Error, StringComparison.Ordinal);
        Assert.Equal(0, bob.ExitCode);
        Assert.Equal(3, stillWaiting.ExitCode);
        Assert.Equal(0, carol.ExitCode);
        Assert.Equal(0, done.ExitCode);
        Assert.Equal("change\n", File.ReadAllText(Ledger));
        Assert.Contains("approved by bob: looks right", show.Out, StringComparison.Ordinal);
        Assert.Contains("approved by carol", show.Out, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void A_secret_appears_in_no_byte_the_engine_writes(CliTarget cli)
    {
        cli = cli.With("GATED_TOKEN", Secret);
        var run = cli.Run("exec", Gated, "--provider", "compose", "--journal", Journal, "--config", Config, "--input", $"ledger={Ledger}", "--format", "json");
        var runId = run.Out.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("run_id").GetString()).First()!;
        var show = cli.Run("show", runId, "--journal", Journal, "--format", "json");
        var history = cli.Run("history", "--journal", Journal);

        var written = new StringBuilder(run.Out + run.Error + show.Out + history.Out);
        foreach (var file in Directory.GetFiles(_folder, "journal.db*"))
        {
            written.Append(Encoding.UTF8.GetString(File.ReadAllBytes(file)));
        }

        Assert.Contains("looking with ***", run.Out, StringComparison.Ordinal);
        foreach (var form in new[] { Secret, Convert.ToBase64String(Encoding.UTF8.GetBytes(Secret)), Uri.EscapeDataString(Secret) })
        {
            Assert.DoesNotContain(form, written.ToString(), StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void A_dry_run_runs_read_only_steps_and_changes_nothing(CliTarget cli)
    {
        cli = cli.With("GATED_TOKEN", Secret);
        var result = cli.Run("exec", Gated, "--provider", "compose", "--journal", Journal, "--config", Config, "--input", $"ledger={Ledger}", "--dry-run");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("looking with ***", result.Out, StringComparison.Ordinal);
        Assert.Contains("skipped: dry run", result.Out, StringComparison.Ordinal);
        Assert.False(File.Exists(Ledger));
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void Exec_refuses_a_plan_whose_inputs_changed_since_review(CliTarget cli)
    {
        cli = cli.With("GATED_TOKEN", Secret);
        var plan = Path.Combine(_folder, "plan.json");
        Assert.Equal(0, cli.Run("plan", Gated, "--provider", "compose", "--input", $"ledger={Ledger}", "--out", plan).ExitCode);

        var changed = cli.Run("exec", Gated, "--provider", "compose", "--journal", Journal, "--input", $"ledger={Ledger}.other", "--plan", plan);
        var otherProvider = cli.Run("exec", Gated, "--provider", "kubernetes", "--journal", Journal, "--input", $"ledger={Ledger}", "--plan", plan);

        Assert.Equal(2, changed.ExitCode);
        Assert.Contains("the inputs changed since the plan", changed.Error, StringComparison.Ordinal);
        Assert.Equal(2, otherProvider.ExitCode);
        Assert.Contains("the provider changed", otherProvider.Error, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void Missing_and_invalid_inputs_are_reported_together_before_anything_runs(CliTarget cli)
    {
        cli = cli.With("GATED_TOKEN", null);
        var result = cli.Run("exec", Gated, "--provider", "compose", "--journal", Journal);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("input 'ledger' is required", result.Error, StringComparison.Ordinal);
        Assert.Contains("secret input 'token' has no value: env:GATED_TOKEN is not set", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Journal));
    }

    private static string JsonlessRunId(string output) =>
        System.Text.RegularExpressions.Regex.Match(output, @"run (\d{8}-\d{6}-[0-9a-f]{6})").Groups[1].Value;

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
