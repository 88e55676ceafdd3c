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

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public async Task A_crash_inside_a_childs_mutating_step_asks_a_human_by_its_path_and_mark_done_reaches_the_child(CliTarget target)
    {
        var cli = target.With("RUNBOOK_USER", "alice");
        const string runId = "20261201-050000-a1a1a1";
        const string childId = "20261201-050001-b2b2b2";
        await using (var journal = await Runbook.Execution.Journal.JournalFactory.OpenAsync(Journal, null, TimeProvider.System, CancellationToken.None))
        {
            await journal.AppendAsync(runId, Runbook.Execution.Journal.JournalEventKind.RunStarted, null, Started("parent.yaml", null));
            await journal.AppendAsync(runId, Runbook.Execution.Journal.JournalEventKind.StepStarted, "before", "{\"attempt\":1,\"mutates\":true}");
            await journal.AppendAsync(runId, Runbook.Execution.Journal.JournalEventKind.StepSucceeded, "before", "{\"attempt\":1,\"outputs\":{}}");
            await journal.AppendAsync(runId, Runbook.Execution.Journal.JournalEventKind.StepStarted, "sub", "{\"attempt\":1,\"mutates\":true}");
            await journal.AppendAsync(runId, Runbook.Execution.Journal.JournalEventKind.ChildRunStarted, "sub", $"{{\"child_run\":\"{childId}\",\"attempt\":1}}");
            await journal.AppendAsync(childId, Runbook.Execution.Journal.JournalEventKind.RunStarted, null, Started("child.yaml", runId));
            await journal.AppendAsync(childId, Runbook.Execution.Journal.JournalEventKind.StepStarted, "drain", "{\"attempt\":1,\"mutates\":true}");
        }

        var unsure = cli.Run("resume", runId, "--journal", Journal);
        var marked = cli.Run("resume", runId, "--mark-done", "sub/drain", "--journal", Journal);

        Assert.Equal(2, unsure.ExitCode);
        Assert.Contains("step 'sub/drain'", unsure.Error, StringComparison.Ordinal);
        Assert.Contains($"runbook resume {runId} --mark-done sub/drain", unsure.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("step 'sub' ", unsure.Error, StringComparison.Ordinal);
        Assert.True(marked.ExitCode == 3, marked.Out + marked.Error);
        Assert.Contains($"runbook approve {runId} sub/restart", marked.Out + marked.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Ledger), "drain, marked done, must not run again");
    }

    /// <summary>A run's start as the engine journals it, for a playbook of the child-gate folder.</summary>
    private string Started(string file, string? parent)
    {
        var path = Repo.PathOf("tests", "Runbook.Cli.Tests", "Data", "child-gate", file);
        var hash = "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(File.ReadAllText(path))));
        var ledger = System.Text.Json.JsonSerializer.Serialize(Ledger);
        return $"{{\"playbook\":\"{Path.GetFileNameWithoutExtension(file)}\",\"path\":{System.Text.Json.JsonSerializer.Serialize(path)},\"playbook_hash\":\"{hash}\","
            + $"\"provider\":\"compose\",\"initiator\":\"alice\",\"dry_run\":false,\"inputs\":{{\"ledger\":{ledger}}},"
            + $"\"approver_groups\":{{\"sre_leads\":[\"bob\",\"carol\"]}}{(parent is null ? string.Empty : $",\"parent_run\":\"{parent}\"")}}}";
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
