using System.Diagnostics;
using Runbook.Execution.Actions;
using Runbook.Execution.Actions.Shell;
using Runbook.Execution.Tests.Support;

namespace Runbook.Execution.Tests.Actions;

public sealed class ShellActionTests
{
    private static StepInvocation Script(ActionContext ctx, string script, string shell = "bash") =>
        ctx.Invocation("run", new Dictionary<string, object?> { ["script"] = script, ["shell"] = shell });

    [Fact]
    public async Task Lines_stream_and_outputs_come_from_the_output_file()
    {
        using var ctx = new ActionContext();

        var outcome = await new ShellAction().ExecuteAsync(Script(ctx, """
            echo one
            echo two >&2
            echo "revision=r42" >> "$RUNBOOK_OUTPUT"
            { echo "notes<<END"; echo "line 1"; echo "line 2"; echo "END"; } >> "$RUNBOOK_OUTPUT"
            """), CancellationToken.None);

        var success = Assert.IsType<Succeeded>(outcome);
        Assert.Equal("r42", success.Outputs["revision"]);
        Assert.Equal("line 1\nline 2", success.Outputs["notes"]);
        Assert.Equal("one", success.Outputs["stdout"]);
        Assert.Equal(0L, success.Outputs["exit_code"]);
        Assert.Contains((LogStream.Stderr, "two"), ctx.Lines);
    }

    [Fact]
    public async Task A_failing_command_fails_the_step_with_its_exit_code_and_last_error_lines()
    {
        using var ctx = new ActionContext();

        var outcome = await new ShellAction().ExecuteAsync(Script(ctx, "echo 'no such service' >&2; false; echo never"), CancellationToken.None);

        var failed = Assert.IsType<Failed>(outcome);
        Assert.Equal("the script exited with code 1: no such service", failed.Error);
        Assert.Equal(1L, failed.Outputs["exit_code"]);
    }

    [Fact]
    public async Task Cancelling_a_step_leaves_no_process_it_started()
    {
        using var ctx = new ActionContext();
        using var cancel = new CancellationTokenSource();
        var pids = Path.GetTempFileName();
        var run = new ShellAction(gracePeriod: TimeSpan.FromMilliseconds(300)).ExecuteAsync(Script(ctx, $"""
            trap '' INT
            sleep 300 & echo $! >> {pids}
            bash -c 'trap "" INT; sleep 300' & echo $! >> {pids}
            echo $$ >> {pids}
            wait
            """), cancel.Token).AsTask();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (File.ReadAllLines(pids).Length < 3)
        {
            Assert.False(run.IsCompleted, "the script ended before it started its processes");
            Assert.True(DateTime.UtcNow < deadline, "the script did not start its three processes within 30 s");
            await Task.Delay(20); // polling a file the script writes, bounded by the deadline
        }

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);

        foreach (var pid in File.ReadAllLines(pids).Select(int.Parse))
        {
            Assert.False(IsAlive(pid), $"process {pid} outlived its step");
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
