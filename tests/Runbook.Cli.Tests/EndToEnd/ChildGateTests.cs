using Runbook.Cli.Tests.Support;

namespace Runbook.Cli.Tests.EndToEnd;

/// <summary>
/// A playbook.run step whose child stops at an approval gate, through the CLI: the parent waits, history and show name
/// the child's gate by its path, approve and deny take that path, and resume of the parent continues the child.
/// </summary>
public sealed class ChildGateTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("runbook-child-gate-").FullName;

    private string Journal => Path.Combine(_folder, "journal.db");

    private string Ledger => Path.Combine(_folder, "ledger.txt");

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void A_childs_gate_is_approved_through_the_parent_by_its_path_and_resume_finishes_child_and_parent(CliTarget target)
    {
        var cli = target.With("RUNBOOK_USER", "alice");
        var (runId, childId) = StartPaused(cli);

        var history = cli.Run("history", "--journal", Journal);
        var show = cli.Run("show", runId, "--journal", Journal);
        var resumeChild = cli.Run("resume", childId, "--journal", Journal);
        var wrongName = cli.Run("approve", runId, "restart", "--as", "bob", "--journal", Journal);
        var approve = cli.Run("approve", runId, "sub/restart", "--as", "bob", "--journal", Journal);
        var resume = cli.Run("resume", runId, "--journal", Journal);

        Assert.Contains($"{runId}   ", history.Out, StringComparison.Ordinal);
        Assert.Contains("awaiting_approval (sub/restart)", history.Out, StringComparison.Ordinal);
        Assert.Contains("waiting for approval of 'sub/restart'", show.Out, StringComparison.Ordinal);
        Assert.Equal(2, resumeChild.ExitCode);
        Assert.Contains($"resume the parent, which continues it: runbook resume {runId}", resumeChild.Error, StringComparison.Ordinal);
        Assert.Equal(2, wrongName.ExitCode);
        Assert.Contains("(it asked for: sub/restart)", wrongName.Error, StringComparison.Ordinal);
        Assert.True(approve.ExitCode == 0, approve.Error);
        Assert.True(resume.ExitCode == 0, resume.Out + resume.Error);
        Assert.Equal(["before", "drain", "restart", "after"], File.ReadAllLines(Ledger));
        Assert.Contains(runId, cli.Run("history", "--journal", Journal, "--status", "succeeded").Out, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void A_denial_of_a_childs_gate_denies_the_parent_with_exit_3_and_rollback_of_the_parent_undoes_the_childs_steps(CliTarget target)
    {
        var cli = target.With("RUNBOOK_USER", "alice");
        var (runId, _) = StartPaused(cli);

        var deny = cli.Run("deny", runId, "sub/restart", "--as", "carol", "--comment", "not now", "--journal", Journal);
        var resume = cli.Run("resume", runId, "--journal", Journal);
        var denied = File.ReadAllLines(Ledger);
        var rollback = cli.Run("rollback", runId, "--journal", Journal);

        Assert.True(deny.ExitCode == 0, deny.Error);
        Assert.Equal(3, resume.ExitCode);
        Assert.Contains("'sub/restart' was denied", resume.Out + resume.Error, StringComparison.Ordinal);
        Assert.Equal(["before", "drain"], denied);
        Assert.True(rollback.ExitCode == 0, rollback.Out + rollback.Error);
        Assert.Equal(["before", "drain", "undrain", "unbefore"], File.ReadAllLines(Ledger));
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void Someone_outside_the_approvers_cannot_open_a_childs_gate_through_the_parent(CliTarget target)
    {
        var cli = target.With("RUNBOOK_USER", "alice");
        var (runId, _) = StartPaused(cli);

        var mallory = cli.Run("approve", runId, "sub/restart", "--as", "mallory", "--journal", Journal);
        var self = cli.Run("approve", runId, "sub/restart", "--as", "alice", "--journal", Journal);
        var resume = cli.Run("resume", runId, "--journal", Journal);

        Assert.Equal(3, mallory.ExitCode);
        Assert.Equal(3, self.ExitCode);
        Assert.Equal(3, resume.ExitCode);
        Assert.Equal(["before", "drain"], File.ReadAllLines(Ledger));
    }

    private (string RunId, string ChildId) StartPaused(CliTarget cli)
    {
        var paused = cli.Run("exec", "tests/Runbook.Cli.Tests/Data/child-gate/parent.yaml", "--provider", "compose", "--journal", Journal,
            "--config", "tests/Runbook.Cli.Tests/Data/runbook.yaml", "--input", $"ledger={Ledger}");
        Assert.True(paused.ExitCode == 3, paused.Out + paused.Error);
        var runs = System.Text.RegularExpressions.Regex.Matches(cli.Run("history", "--journal", Journal).Out, @"^(\d{8}-\d{6}-[0-9a-f]{6}) .* (child-gate-\w+) ",
            System.Text.RegularExpressions.RegexOptions.Multiline);
        var runId = runs.Single(m => m.Groups[2].Value == "child-gate-parent").Groups[1].Value;
        var childId = runs.Single(m => m.Groups[2].Value == "child-gate-child").Groups[1].Value;
        Assert.Contains($"runbook approve {runId} sub/restart --as NAME", paused.Out + paused.Error, StringComparison.Ordinal);
        Assert.Equal(["before", "drain"], File.ReadAllLines(Ledger));
        return (runId, childId);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
