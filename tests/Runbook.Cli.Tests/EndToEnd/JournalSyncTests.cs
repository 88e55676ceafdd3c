using System.Text.RegularExpressions;
using Runbook.Cli.Tests.Support;

namespace Runbook.Cli.Tests.EndToEnd;

/// <summary>
/// The durability rule (docs/execution.md) on the real files: `runbook exec` runs under strace, which records
/// every sync of the journal's files and every start of a step's shell, in order. Between two step starts
/// the journal must be synced exactly when the second step mutates.
/// </summary>
public sealed partial class JournalSyncTests
{
    private const string Playbook = """
        apiVersion: runbook/v1
        kind: Playbook
        name: sync-points
        phases:
          mitigate:
            - id: read_0
              run: "true"
              mutates: false
            - id: read_1
              run: "true"
              mutates: false
            - id: change_1
              run: "true"
            - id: read_2
              run: "true"
              mutates: false
            - id: change_2
              run: "true"
        """;

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void The_journal_is_synced_after_a_mutating_steps_start_and_before_its_shell_runs_and_never_for_a_read_only_step(CliTarget cli)
    {
        var strace = new[] { "/usr/bin/strace", "/bin/strace" }.FirstOrDefault(File.Exists);
        Assert.True(strace is not null, "strace is missing: run .ci/install-test-dependencies (or apt-get install strace)");
        var folder = Directory.CreateTempSubdirectory("runbook-sync-").FullName;
        try
        {
            var playbook = Path.Combine(folder, "sync-points.yaml");
            File.WriteAllText(playbook, Playbook);
            var journal = Path.Combine(folder, "journal.db");
            // The journal exists and is migrated first, so the traced run's syncs are its appends' alone.
            Assert.Equal(0, cli.Run("history", "--journal", journal).ExitCode);
            var trace = Path.Combine(folder, "trace.txt");

            var result = cli.RunUnder([strace, "-f", "-y", "-qq", "-e", "trace=execve,fsync,fdatasync,sync_file_range", "-o", trace],
                "exec", playbook, "--provider", "compose", "--journal", journal);

            Assert.True(result.ExitCode == 0, result.Error);
            var segments = SyncsBetweenStepStarts(File.ReadAllLines(trace), folder);
            // Before read_0's shell: opening the journal (a new write-ahead log syncs its header once) — not judged.
            // Before read_1's: nothing (read_0's end and read_1's start ride on a later sync). Before change_1's: its
            // start. Before read_2's: nothing. Before change_2's: its start. After: the run's end.
            Assert.Equal(6, segments.Count);
            Assert.Equal(0, segments[1]);
            Assert.True(segments[2] >= 1, "change_1's start was not synced before its shell started");
            Assert.Equal(0, segments[3]);
            Assert.True(segments[4] >= 1, "change_2's start was not synced before its shell started");
            Assert.True(segments[5] >= 1, "the run's end was never synced");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// The number of syncs of a file in <paramref name="folder"/> before the first step's shell starts, between each
    /// two, and after the last. A step's shell is the first program a new process runs with the step's script.
    /// </summary>
    private static List<int> SyncsBetweenStepStarts(string[] trace, string folder)
    {
        var segments = new List<int> { 0 };
        var stepProcesses = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in trace)
        {
            var pid = line.Split(' ', 2)[0];
            if (line.Contains("execve(", StringComparison.Ordinal) && StepScript().IsMatch(line) && stepProcesses.Add(pid))
            {
                segments.Add(0);
            }
            else if (SyncCall().IsMatch(line) && line.Contains(folder, StringComparison.Ordinal))
            {
                segments[^1]++;
            }
        }

        return segments;
    }

    [GeneratedRegex(@"runbook-step-[^/""]*/step\.sh")]
    private static partial Regex StepScript();

    [GeneratedRegex(@"\b(fsync|fdatasync|sync_file_range)\(")]
    private static partial Regex SyncCall();
}
