using System.Diagnostics;
using Runbook.Execution.Actions;
using Runbook.Execution.Actions.Shell;
using Runbook.Execution.Tests.Support;

namespace Runbook.Execution.Tests.Actions;

/// <summary>
/// What the direct spawn of a step's shell (posix_spawn in a new session, reaped through a pidfd) must keep from
/// the setsid + CliWrap spawn it replaced, tried the way a script or a careless operator would break it.
/// </summary>
public sealed class ShellSpawnTests
{
    private static StepInvocation Script(ActionContext ctx, string script, IReadOnlyDictionary<string, object?>? env = null, string? workingDirectory = null)
    {
        var arguments = new Dictionary<string, object?> { ["script"] = script, ["shell"] = "bash" };
        if (env is not null)
        {
            arguments["env"] = env;
        }

        if (workingDirectory is not null)
        {
            arguments["working_directory"] = workingDirectory;
        }

        return ctx.Invocation("run", arguments);
    }

    private static async Task<Succeeded> Succeeds(ActionContext ctx, string script, IReadOnlyDictionary<string, object?>? env = null)
    {
        var outcome = await new ShellAction().ExecuteAsync(Script(ctx, script, env), CancellationToken.None);
        return outcome as Succeeded ?? throw new Xunit.Sdk.XunitException($"the step did not succeed: {outcome}");
    }

    [Fact]
    public async Task The_shell_leads_a_session_and_process_group_of_its_own_apart_from_the_engines()
    {
        using var ctx = new ActionContext();

        // Fields after the command name in /proc/PID/stat: state, ppid, pgrp, session.
        var success = await Succeeds(ctx, """
            read -r stat < /proc/$$/stat
            set -- ${stat##*) }
            echo "$$ $3 $4"
            """);

        var ids = ((string)success.Outputs["stdout"]!).Split(' ').Select(int.Parse).ToArray();
        Assert.Equal(ids[0], ids[1]); // group leader
        Assert.Equal(ids[0], ids[2]); // session leader
        var engineSession = File.ReadAllText("/proc/self/stat").Split(") ")[1].Split(' ')[3];
        Assert.NotEqual(engineSession, ids[2].ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Stdin_is_at_end_of_file_so_a_command_that_reads_it_does_not_wait()
    {
        using var ctx = new ActionContext();

        var success = await Succeeds(ctx, """
            if read -r line; then echo "read: $line"; else echo "end of file"; fi
            cat
            echo done
            """);

        Assert.Equal("end of file\ndone", success.Outputs["stdout"]);
    }

    [Fact]
    public async Task Every_signal_starts_at_its_default_and_none_is_blocked_so_a_pipeline_ends_on_sigpipe()
    {
        using var ctx = new ActionContext();

        // The engine ignores SIGPIPE (as every .NET process does); a script that inherited that would see `yes` fail on
        // a write error (status 1) instead of ending on the signal (141 under pipefail).
        // Bits 0-30 of the masks are signals 1-31 (32 and 33 are glibc's own, which libc keeps to itself).
        var success = await Succeeds(ctx, """
            while read -r name mask; do echo "$name $(( 0x$mask & 0x7fffffff ))"; done < <(grep -E '^Sig(Ign|Blk):' /proc/self/status)
            yes | head -n 1 || echo "status $?"
            """);

        Assert.Equal("SigBlk: 0\nSigIgn: 0\ny\nstatus 141", success.Outputs["stdout"]);
    }

    [Fact]
    public async Task The_steps_environment_reaches_the_script_on_top_of_the_engines()
    {
        using var ctx = new ActionContext();

        var success = await Succeeds(ctx, """
            echo "$STEP_VALUE|${PATH:+path is set}|$RUNBOOK_OUTPUT" | sed "s|/tmp/runbook-step-[^/]*/outputs|the outputs file|"
            """, new Dictionary<string, object?> { ["STEP_VALUE"] = "a b; $(not run)" });

        Assert.Equal("a b; $(not run)|path is set|the outputs file", success.Outputs["stdout"]);
    }

    [Fact]
    public async Task A_null_environment_value_removes_the_engines_variable_from_the_process()
    {
        Environment.SetEnvironmentVariable("RUNBOOK_SPAWN_REMOVED", "from the engine");
        Environment.SetEnvironmentVariable("RUNBOOK_SPAWN_KEPT", "from the engine");
        var process = SessionProcess.Start(
            ["bash", "-c", "echo \"${RUNBOOK_SPAWN_REMOVED-unset} ${RUNBOOK_SPAWN_KEPT-unset} ${RUNBOOK_SPAWN_ADDED-unset}\""],
            Path.GetTempPath(),
            new Dictionary<string, string?> { ["RUNBOOK_SPAWN_REMOVED"] = null, ["RUNBOOK_SPAWN_ADDED"] = "by the step" });
        using var reader = new StreamReader(process.StandardOutput);

        Assert.Equal("unset from the engine by the step\n", await reader.ReadToEndAsync());
        Assert.Equal(0, await process.Exited);
    }

    [Fact]
    public async Task The_script_runs_in_the_steps_working_directory()
    {
        using var ctx = new ActionContext();
        var folder = Directory.CreateTempSubdirectory("runbook-wd-").FullName;
        try
        {
            var outcome = await new ShellAction().ExecuteAsync(Script(ctx, "pwd", workingDirectory: folder), CancellationToken.None);

            Assert.Equal(folder, Assert.IsType<Succeeded>(outcome).Outputs["stdout"]);
        }
        finally
        {
            Directory.Delete(folder);
        }
    }

    [Fact]
    public async Task A_working_directory_that_does_not_exist_fails_the_step_naming_it()
    {
        using var ctx = new ActionContext();

        var outcome = await new ShellAction().ExecuteAsync(Script(ctx, "echo never", workingDirectory: "/no/such/folder"), CancellationToken.None);

        var failed = Assert.IsType<Failed>(outcome);
        Assert.EndsWith("the working directory /no/such/folder does not exist", failed.Error, StringComparison.Ordinal);
        Assert.False(failed.Retryable);
    }

    [Fact]
    public async Task A_shell_missing_from_the_steps_path_fails_the_step_naming_the_shell_and_the_path()
    {
        using var ctx = new ActionContext();

        var outcome = await new ShellAction().ExecuteAsync(
            Script(ctx, "echo never", new Dictionary<string, object?> { ["PATH"] = "/no/such/bin" }), CancellationToken.None);

        Assert.Equal("bash was not found on PATH (/no/such/bin)", Assert.IsType<Failed>(outcome).Error);
    }

    [Fact]
    public async Task A_script_ended_by_a_signal_reports_128_plus_the_signal_as_its_exit_code()
    {
        using var ctx = new ActionContext();

        var outcome = await new ShellAction().ExecuteAsync(Script(ctx, "kill -TERM $$; sleep 5"), CancellationToken.None);

        Assert.Equal(143L, Assert.IsType<Failed>(outcome).Outputs["exit_code"]);
    }

    [Fact]
    public async Task A_background_process_left_holding_the_output_does_not_hold_the_step_and_is_killed_with_it()
    {
        using var ctx = new ActionContext();
        var started = Stopwatch.StartNew();

        var success = await Succeeds(ctx, "sleep 300 & echo $!");

        Assert.True(started.Elapsed < TimeSpan.FromSeconds(60), "the step waited for its background process");
        var pid = int.Parse((string)success.Outputs["stdout"]!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.False(IsRunning(pid), $"the background process {pid} outlived its step");
    }

    [Fact]
    public async Task The_shell_is_reaped_when_its_step_ends_so_no_zombie_is_left()
    {
        using var ctx = new ActionContext();

        var success = await Succeeds(ctx, "echo $$");

        var pid = (string)success.Outputs["stdout"]!;
        Assert.False(Directory.Exists($"/proc/{pid}"), $"the step's shell {pid} is still in the process table (a zombie)");
    }

    [Fact]
    public async Task Large_output_streams_every_line_in_order_and_keeps_the_last_megabyte()
    {
        using var ctx = new ActionContext();

        var success = await Succeeds(ctx, "seq 1 300000; seq 1 1000 >&2");

        var lines = ctx.Lines.Where(l => l.Stream == LogStream.Stdout).Select(l => l.Text).ToList();
        Assert.Equal(300000, lines.Count);
        Assert.Equal(Enumerable.Range(1, 300000).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), lines);
        Assert.Equal(1000, ctx.Lines.Count(l => l.Stream == LogStream.Stderr));
        var kept = (string)success.Outputs["stdout"]!;
        Assert.InRange(kept.Length, (1024 * 1024) - 16, 1024 * 1024);
        Assert.EndsWith("\n299999\n300000", kept, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Steps_in_parallel_each_get_their_own_exit_code_and_output()
    {
        using var ctx = new ActionContext();

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 24).Select(i =>
            new ShellAction().ExecuteAsync(Script(ctx, $"echo {i}; sleep 0.0{i % 10}; exit {i}"), CancellationToken.None).AsTask()));

        for (var i = 0; i < outcomes.Length; i++)
        {
            var outputs = outcomes[i] switch { Succeeded s => s.Outputs, Failed f => f.Outputs, var other => throw new Xunit.Sdk.XunitException($"{other}") };
            Assert.Equal((long)i, outputs["exit_code"]);
            Assert.Equal(i.ToString(System.Globalization.CultureInfo.InvariantCulture), outputs["stdout"]);
        }
    }

    [Fact]
    public async Task Processes_started_by_dotnets_process_class_at_the_same_time_keep_their_exit_codes()
    {
        using var ctx = new ActionContext();

        // .NET reaps its own children from its SIGCHLD handler; the step reaper must never take one of them, nor .NET one of ours.
        var others = Enumerable.Range(0, 16).Select(async i =>
        {
            using var process = Process.Start(new ProcessStartInfo("bash", ["-c", $"exit {i + 100}"]) { RedirectStandardOutput = true })!;
            await process.WaitForExitAsync();
            return process.ExitCode;
        }).ToList();
        var steps = Enumerable.Range(0, 16).Select(i =>
            new ShellAction().ExecuteAsync(Script(ctx, $"exit {i + 1}"), CancellationToken.None).AsTask()).ToList();

        Assert.Equal(Enumerable.Range(100, 16), await Task.WhenAll(others));
        Assert.Equal(Enumerable.Range(1, 16).Select(i => (object?)(long)i), (await Task.WhenAll(steps)).Select(o => Assert.IsType<Failed>(o).Outputs["exit_code"]));
    }

    [Fact]
    public async Task A_timeout_interrupts_then_kills_grandchildren_that_ignore_the_interrupt()
    {
        using var ctx = new ActionContext();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        var pids = Path.GetTempFileName();
        try
        {
            var run = new ShellAction(gracePeriod: TimeSpan.FromMilliseconds(200)).ExecuteAsync(Script(ctx, $"""
                (trap '' INT TERM; sleep 300) & echo $! >> {pids}
                (trap '' INT TERM; (trap '' INT TERM; sleep 300) & echo $! >> {pids}; wait) &
                wait
                """), timeout.Token).AsTask();

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);

            var started = File.ReadAllLines(pids).Select(int.Parse).ToList();
            Assert.Equal(2, started.Count);
            Assert.All(started, pid => Assert.False(IsRunning(pid), $"process {pid} outlived its step's timeout"));
        }
        finally
        {
            File.Delete(pids);
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

            Thread.Sleep(20);
        }

        return true;
    }
}
