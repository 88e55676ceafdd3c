using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Runbook.Cli.Tests.Support;
using Runbook.Tests;

namespace Runbook.Cli.Tests.EndToEnd;

/// <summary>
/// README's first command, samples/quickstart/run, run as a process: the whole quickstart (its own Docker engine, the
/// demo system, the release, the failure, the playbook with its approval, the journal), and the promise that it leaves
/// nothing behind — after success, after a failing step, after Ctrl-C. The script gets the test's build of runbook
/// (QUICKSTART_RUNBOOK) instead of building ./runbook, and loopback ports nobody holds.
/// </summary>
public sealed partial class QuickstartTests
{
    private static readonly string Script = Repo.PathOf("samples", "quickstart", "run");

    [Fact]
    public void The_quickstart_detects_the_failure_rolls_back_with_the_approval_verifies_and_shows_the_journal()
    {
        var run = Quickstart.Start(["--yes"]);

        var exit = run.WaitForExit(TimeSpan.FromMinutes(6));

        var output = run.Output;
        Assert.True(exit == 0, $"the quickstart exited {exit}:\n{output}");
        Assert.True(output.Contains("Shipping release 2", StringComparison.Ordinal), output);
        Assert.True(output.Contains("20 of 20 requests failed", StringComparison.Ordinal), output);
        Assert.True(Regex.IsMatch(output, @"announce: INCIDENT \[P1\] api: readiness 503 \(failure switch is on\); \d+ of \d+ requests failed"), output);
        Assert.True(output.Contains("Running image demo-orders:2; previous demo-orders:1", StringComparison.Ordinal), output);
        Assert.True(output.Contains("rollback: approval passed", StringComparison.Ordinal), output);
        Assert.True(output.Contains("resolved: RESOLVED [P1] api: readiness 200 on release 1 after rolling back to demo-orders:1.", StringComparison.Ordinal), output);
        Assert.True(Regex.IsMatch(output, @"\n\d{8}-\d{6}-[0-9a-f]{6} +\S+ \S+ +quickstart-high-error-rate +compose +\S+ +succeeded"), output);
        Assert.True(Regex.IsMatch(output, @"\n\d{8}-\d{6}-[0-9a-f]{6} +\S+ \S+ +quickstart-release +compose +\S+ +succeeded"), output);
        Assert.True(output.Contains("## Incident timeline: `quickstart-high-error-rate`", StringComparison.Ordinal), output);
        Assert.True(Regex.IsMatch(output, @"\| approval decided \| `rollback` \| approved by \S+: pre-approved on the command line"), output);
        Assert.True(Regex.IsMatch(output, @"\| step succeeded \| `rollback` \| [^\n]*""revision"":""demo-orders:1"""), output);
        Assert.True(output.Contains("removed the demo system", StringComparison.Ordinal), output);
        run.AssertNothingLeftBehind();
    }

    [Fact]
    public void A_failing_step_fails_the_quickstart_and_it_still_removes_everything_it_started()
    {
        // `false` as runbook: the demo system starts, then the first playbook run fails.
        var run = Quickstart.Start(["--yes"], runbook: "/bin/false");

        var exit = run.WaitForExit(TimeSpan.FromMinutes(4));

        Assert.True(exit is not 0, run.Output);
        Assert.Contains("Starting the demo system", run.Output, StringComparison.Ordinal);
        Assert.Contains("quickstart: FAILED (exit 1)", run.Output, StringComparison.Ordinal);
        run.AssertNothingLeftBehind();
    }

    [Fact]
    public void Ctrl_C_while_the_demo_system_starts_stops_the_quickstart_and_removes_everything_it_started()
    {
        var run = Quickstart.Start(["--yes"]);
        run.WaitForOutput("Starting the demo system", TimeSpan.FromMinutes(2));

        run.Interrupt();
        var exit = run.WaitForExit(TimeSpan.FromMinutes(2));

        Assert.True(exit == 130, $"exit {exit}:\n{run.Output}");
        Assert.Contains("removed the demo system", run.Output, StringComparison.Ordinal);
        run.AssertNothingLeftBehind();
    }

    [Fact]
    public void A_port_already_in_use_stops_the_quickstart_before_it_starts_anything_and_names_the_setting()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var taken = ((IPEndPoint)holder.LocalEndpoint).Port;
        var run = Quickstart.Start(["--yes"], httpPort: taken, startsTheEngine: false);

        var exit = run.WaitForExit(TimeSpan.FromMinutes(1));

        Assert.Equal(1, exit);
        Assert.Contains($"port {taken} on 127.0.0.1 is in use; choose others with QUICKSTART_HTTP_PORT", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Starting a private Docker engine", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_argument_is_refused_with_exit_2_and_a_pointer_to_help()
    {
        var run = Quickstart.Start(["--yse"], startsTheEngine: false);

        var exit = run.WaitForExit(TimeSpan.FromMinutes(1));

        Assert.Equal(2, exit);
        Assert.Contains("quickstart: unknown argument '--yse' (try --help)", run.Output, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"Starting a private Docker engine in (\S+)")]
    private static partial Regex WorkFolder();

    /// <summary>One run of the script in its own process group (as a terminal runs it), with its output collected.</summary>
    private sealed class Quickstart
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();
        private readonly int[] _ports;

        private Quickstart(Process process, int[] ports)
        {
            _process = process;
            _ports = ports;
        }

        public string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        public static Quickstart Start(string[] args, string? runbook = null, int? httpPort = null, bool startsTheEngine = true)
        {
            if (startsTheEngine && !Environment.IsPrivilegedProcess)
            {
                TestDependency.Missing("root", "the quickstart starts a private Docker engine, which needs root",
                    "sudo dotnet test tests/Runbook.Cli.Tests -c Release --filter FullyQualifiedName~QuickstartTests");
            }

            // The test's own build of the CLI (an apphost beside runbook.dll), so the script does not build ./runbook.
            runbook ??= Path.Combine(AppContext.BaseDirectory, "runbook");
            Assert.True(File.Exists(runbook), $"{runbook} is missing: the CLI's apphost should be copied beside the tests");
            int[] ports = [httpPort ?? FreePort(), FreePort()];
            // setsid: its own process group, so Interrupt() can do what Ctrl-C on a terminal does (signal the group).
            var start = new ProcessStartInfo("setsid", [Script, .. args])
            {
                WorkingDirectory = Repo.Root,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
            };
            start.Environment["QUICKSTART_RUNBOOK"] = runbook;
            start.Environment["QUICKSTART_HTTP_PORT"] = ports[0].ToString(System.Globalization.CultureInfo.InvariantCulture);
            start.Environment["QUICKSTART_PG_PORT"] = ports[1].ToString(System.Globalization.CultureInfo.InvariantCulture);
            start.Environment.Remove("DOCKER_HOST");
            var process = Process.Start(start)!;
            process.StandardInput.Close();
            var run = new Quickstart(process, ports);
            process.OutputDataReceived += (_, e) => run.Append(e.Data);
            process.ErrorDataReceived += (_, e) => run.Append(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return run;
        }

        public int WaitForExit(TimeSpan within)
        {
            if (!_process.WaitForExit(within))
            {
                Signal("KILL");
                _process.WaitForExit();
                Assert.Fail($"the quickstart did not finish within {within}; killed. Its output:\n{Output}");
            }

            _process.WaitForExit(); // the output handlers have run to the end
            return _process.ExitCode;
        }

        public void WaitForOutput(string text, TimeSpan within)
        {
            var deadline = Stopwatch.StartNew();
            while (!Output.Contains(text, StringComparison.Ordinal))
            {
                if (_process.HasExited || deadline.Elapsed > within)
                {
                    Signal("KILL");
                    Assert.Fail($"the quickstart never printed '{text}'. Its output:\n{Output}");
                }

                Thread.Sleep(100);
            }
        }

        /// <summary>SIGINT to the whole process group: Ctrl-C on a terminal.</summary>
        public void Interrupt() => Signal("INT");

        /// <summary>The work folder is gone, no process still runs from it (the engine, a container), and the ports are free.</summary>
        public void AssertNothingLeftBehind()
        {
            var work = WorkFolder().Match(Output) is { Success: true } m ? m.Groups[1].Value : null;
            if (work is not null)
            {
                Assert.False(Directory.Exists(work), $"{work} is still there");
                var survivors = Directory.GetDirectories("/proc").Select(Path.GetFileName).Where(p => p!.All(char.IsAsciiDigit))
                    .Select(pid => (Pid: pid, CommandLine: Read($"/proc/{pid}/cmdline").Replace('\0', ' ')))
                    .Where(p => p.CommandLine.Contains(work, StringComparison.Ordinal)).ToList();
                Assert.True(survivors.Count == 0, "still running: " + string.Join("; ", survivors.Select(s => $"{s.Pid} {s.CommandLine}")));
            }

            foreach (var port in _ports)
            {
                using var client = new TcpClient();
                var connected = false;
                try
                {
                    client.Connect(IPAddress.Loopback, port);
                    connected = true;
                }
                catch (SocketException)
                {
                }

                Assert.False(connected, $"something still listens on 127.0.0.1:{port}");
            }
        }

        private static string Read(string path)
        {
            try
            {
                return File.ReadAllText(path);
            }
            catch (IOException)
            {
                return string.Empty; // the process ended while we looked
            }
            catch (UnauthorizedAccessException)
            {
                return string.Empty;
            }
        }

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        private void Append(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_output)
            {
                _output.Append(line).Append('\n');
            }
        }

        private void Signal(string signal)
        {
            if (_process.HasExited)
            {
                return;
            }

            // setsid made the script a group leader: its pid is the group's id.
            using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal, "--", "-" + _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
            kill.WaitForExit();
        }
    }
}
