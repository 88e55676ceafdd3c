using System.Diagnostics;
using Runbook.Cli.Tests.Support;

namespace Runbook.Cli.Tests.EndToEnd;

public sealed class InterruptTests
{
    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void Ctrl_c_cancels_the_running_step_kills_its_processes_and_rolls_back_on_request(CliTarget cli)
    {
        var folder = Directory.CreateTempSubdirectory("runbook-int-").FullName;
        try
        {
            var ledger = Path.Combine(folder, "ledger");
            var journal = Path.Combine(folder, "j.db");
            var (exitCode, _) = cli.RunAndInterrupt(() => File.Exists(ledger + ".pid"),
                "exec", "tests/Runbook.Cli.Tests/Data/interruptible.yaml", "--provider", "compose", "--journal", journal,
                "--input", $"ledger={ledger}", "--rollback-on-interrupt");

            Assert.Equal(130, exitCode);
            Assert.Equal(["do first", "undo first"], File.ReadAllLines(ledger));
            var sleeper = int.Parse(File.ReadAllText(ledger + ".pid").Trim(), System.Globalization.CultureInfo.InvariantCulture);
            Assert.False(Directory.Exists($"/proc/{sleeper}") && !File.ReadAllText($"/proc/{sleeper}/stat").Contains(") Z ", StringComparison.Ordinal),
                "the step's child process outlived the interrupt");
            var history = cli.Run("history", "--journal", journal);
            Assert.Contains("interrupted", history.Out, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
