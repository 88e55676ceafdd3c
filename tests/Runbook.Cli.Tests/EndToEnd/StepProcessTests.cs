using Runbook.Cli.Tests.Support;

namespace Runbook.Cli.Tests.EndToEnd;

/// <summary>
/// A shell step's process, spawned by the engine itself in a session of its own (ADR 0015), seen from outside the
/// engine on both builds: what a step's timeout does to the processes it started, and what the script reads.
/// </summary>
public sealed class StepProcessTests
{
    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void A_steps_timeout_kills_the_grandchildren_that_ignore_the_interrupt_and_fails_the_run(CliTarget cli)
    {
        var folder = Directory.CreateTempSubdirectory("runbook-timeout-").FullName;
        try
        {
            var pids = Path.Combine(folder, "pids");
            var playbook = Path.Combine(folder, "stubborn.yaml");
            File.WriteAllText(playbook, $"""
                apiVersion: runbook/v1
                kind: Playbook
                name: stubborn
                phases:
                  mitigate:
                    - id: stubborn
                      timeout: 1s
                      run: |
                        (trap '' INT TERM; sleep 300) & echo $! >> {pids}
                        (trap '' INT TERM; (trap '' INT TERM; sleep 300) & echo $! >> {pids}; wait) &
                        wait
                """);

            var result = cli.Run("exec", playbook, "--provider", "compose", "--journal", Path.Combine(folder, "j.db"));

            Assert.Equal(1, result.ExitCode);
            Assert.Contains("timed out after 1s", result.Out + result.Error, StringComparison.Ordinal);
            var started = File.ReadAllLines(pids).Select(int.Parse).ToList();
            Assert.Equal(2, started.Count);
            Assert.All(started, pid => Assert.False(IsRunning(pid), $"process {pid} outlived its step's timeout"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void A_step_never_reads_the_engines_stdin(CliTarget cli)
    {
        var folder = Directory.CreateTempSubdirectory("runbook-stdin-").FullName;
        try
        {
            var typed = Path.Combine(folder, "typed");
            File.WriteAllText(typed, "yes, delete production\n");
            var seen = Path.Combine(folder, "seen");
            var playbook = Path.Combine(folder, "reads.yaml");
            File.WriteAllText(playbook, $"""
                apiVersion: runbook/v1
                kind: Playbook
                name: reads
                phases:
                  mitigate:
                    - id: reads
                      run: cat > {seen}
                """);

            // The engine's stdin is a file with an answer in it; a step that inherited it would read that answer.
            var result = cli.RunUnder(["bash", "-c", $"exec \"$@\" < {typed}", "stdin"],
                "exec", playbook, "--provider", "compose", "--journal", Path.Combine(folder, "j.db"));

            Assert.True(result.ExitCode == 0, result.Out + result.Error);
            Assert.Equal(string.Empty, File.ReadAllText(seen));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static bool IsRunning(int pid)
    {
        // A killed orphan is reaped by init a moment later; a zombie is not running.
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal))
                {
                    return false;
                }
            }
            catch (IOException)
            {
                return false; // gone from the process table
            }

            Thread.Sleep(20); // bounded by the deadline above
        }

        return true;
    }
}
