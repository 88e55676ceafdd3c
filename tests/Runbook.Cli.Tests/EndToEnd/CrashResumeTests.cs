using System.Diagnostics;
using Runbook.Cli.Tests.Support;

namespace Runbook.Cli.Tests.EndToEnd;

/// <summary>
/// Fault injection: the engine is killed with SIGKILL at random points in many runs; each run is then
/// resumed (deciding, as a human would, from the ledger the steps write) until it ends. Every completed
/// mutating step must have run exactly once, and rollbacks must have run in reverse order.
/// </summary>
public sealed class CrashResumeTests
{
    private const int Runs = 50;

    [Fact]
    public void Killing_the_engine_at_random_points_never_runs_a_step_twice_and_rollbacks_keep_their_order()
    {
        var cli = CliTargets.All().Select(t => (CliTarget)t[0]).Last(); // the native binary when there is one
        var folder = Directory.CreateTempSubdirectory("runbook-crash-").FullName;
        var journal = Path.Combine(folder, "journal.db");
        var random = new Random(20261124);
        var journaled = 0;
        try
        {
            for (var i = 0; i < Runs; i++)
            {
                var ledger = Path.Combine(folder, $"ledger-{i}.txt");
                var fail = i % 2 == 1;
                var args = new[] { "exec", "tests/Runbook.Cli.Tests/Data/crash-me.yaml", "--provider", "compose", "--journal", journal,
                    "--input", $"ledger={ledger}", "--input", $"fail={(fail ? "true" : "false")}" };
                var killedAfter = TimeSpan.FromMilliseconds(random.Next(0, 1000));
                var (runId, finishedAlone) = cli.StartAndKill(killedAfter, args, journal);
                var lines = File.Exists(ledger) ? File.ReadAllLines(ledger) : [];
                if (runId is null)
                {
                    Assert.Empty(lines); // killed before the run was journaled: nothing may have happened
                    continue;
                }

                journaled++;

                var exit = finishedAlone ?? ResumeUntilDone(cli, runId, journal, ledger);
                lines = File.ReadAllLines(ledger);
                var does = lines.Where(l => l.StartsWith("do ", StringComparison.Ordinal)).ToList();
                var undoes = lines.Where(l => l.StartsWith("undo ", StringComparison.Ordinal)).ToList();
                Assert.Equal(does.Distinct().Count(), does.Count); // exactly once
                if (fail)
                {
                    Assert.Equal(1, exit);
                    Assert.Equal(["do a", "do b", "do c"], does);
                    Assert.Equal(["undo c", "undo b", "undo a"], undoes);
                }
                else
                {
                    Assert.Equal(0, exit);
                    Assert.Equal(["do a", "do b", "do c", "do d"], does);
                    Assert.Empty(undoes);
                }
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        // Most kills land after the run started; a test where none did would prove nothing.
        Assert.True(journaled >= Runs * 3 / 4, $"only {journaled} of {Runs} runs reached the journal");
    }

    /// <summary>Resumes as an operator would: for a step that may or may not have happened, the ledger tells.</summary>
    private static int ResumeUntilDone(CliTarget cli, string runId, string journal, string ledger)
    {
        var extra = new List<string>();
        for (var round = 0; round < 10; round++)
        {
            var result = cli.Run(["resume", runId, "--journal", journal, .. extra]);
            if (result.ExitCode != 2)
            {
                return result.ExitCode;
            }

            // Killed after the run's end was journaled but before the process exited: it is over, as exec would have said.
            if (result.Error.Contains("already finished (succeeded)", StringComparison.Ordinal))
            {
                return 0;
            }

            if (result.Error.Contains("already finished (rolled_back)", StringComparison.Ordinal))
            {
                return 1;
            }

            extra.Clear();
            var unsure = result.Error.Split('\n').Select(l => l.Trim())
                .Where(l => l.Contains("--mark-done", StringComparison.Ordinal)).Select(l => l.Split(' ')[4]).ToList();
            Assert.True(unsure.Count > 0, $"resume failed: {result.Error}");
            var lines = File.Exists(ledger) ? File.ReadAllLines(ledger) : [];
            foreach (var step in unsure)
            {
                extra.AddRange(lines.Contains($"do {step}") ? ["--mark-done", step] : ["--rerun", step]);
            }
        }

        throw new InvalidOperationException($"run {runId} did not finish after 10 resumes");
    }
}
