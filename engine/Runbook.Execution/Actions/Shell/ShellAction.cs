using System.Text;
using Runbook.Language.Shell;

namespace Runbook.Execution.Actions.Shell;

/// <summary>
/// Runs a <c>run:</c> step's script with bash, sh or pwsh, spawned directly in a session and process group of its
/// own (<see cref="SessionProcess"/>) so that cancelling the step interrupts, then kills, everything it started.
/// Lines stream as they come.
/// Outputs: stdout, stderr, exit_code, and every <c>name=value</c> the script writes to <c>$RUNBOOK_OUTPUT</c>.
/// </summary>
/// <param name="gracePeriod">How long a step has after Ctrl-C (SIGINT) before its processes are killed (default 5 s).</param>
internal sealed class ShellAction(TimeSpan? gracePeriod = null) : IStepAction
{
    private const int CaptureLimit = 1024 * 1024;

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    private readonly TimeSpan _gracePeriod = gracePeriod ?? TimeSpan.FromSeconds(5);

    public string Name => "run";

    public async ValueTask<StepOutcome> ExecuteAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        var shell = invocation.GetString("shell") ?? "bash";
        var text = invocation.GetString("script") ?? string.Empty;
        var env = (invocation.Get("env") as IReadOnlyDictionary<string, object?> ?? new Dictionary<string, object?>())
            .ToDictionary(e => e.Key, e => (string?)Values.ToText(e.Value), StringComparer.Ordinal);

        // Every value the engine hands the script must be one its context can only read as data (docs/execution.md).
        var sources = (invocation.Get("expressions") as IReadOnlyDictionary<string, object?> ?? new Dictionary<string, object?>())
            .ToDictionary(e => e.Key, e => Values.ToText(e.Value), StringComparer.Ordinal);
        var refusal = invocation.GetString("refusal")
            ?? ShellValueCheck.Refusal(text, shell, env, variable => ShellScript.Describe(variable, sources));
        if (refusal is not null)
        {
            return StepOutcome.Failure($"refused before the script started: {refusal}", retryable: false);
        }

        var directory = Directory.CreateTempSubdirectory("runbook-step-");
        try
        {
            var script = Path.Combine(directory.FullName, shell == "pwsh" ? "step.ps1" : "step.sh");
            var outputFile = Path.Combine(directory.FullName, "outputs");
            // Written synchronously: a few hundred bytes, where an async write is a thread-pool hop each.
            File.WriteAllText(script, text);
            File.WriteAllBytes(outputFile, []);
            env["RUNBOOK_OUTPUT"] = outputFile;

            var stdout = new Capture();
            var stderr = new Capture();
            SessionProcess process;
            try
            {
                process = SessionProcess.Start(Arguments(shell, script), invocation.GetString("working_directory") ?? invocation.Context.WorkingDirectory, env);
            }
            catch (SpawnException e)
            {
                return StepOutcome.Failure(e.Message, retryable: false);
            }

            var group = process.Id; // the shell leads its own session and process group
            var streamed = Task.WhenAll(
                StreamLinesAsync(process.StandardOutput, line =>
                {
                    stdout.Add(line);
                    invocation.Log.Line(LogStream.Stdout, line);
                }),
                StreamLinesAsync(process.StandardError, line =>
                {
                    stderr.Add(line);
                    invocation.Log.Line(LogStream.Stderr, line);
                }));
            using (cancellationToken.Register(() => _ = StopAsync(group, process.Exited, invocation.Context.Time)))
            {
                int exitCode;
                try
                {
                    exitCode = await process.Exited.ConfigureAwait(false);
                }
                catch (SpawnException e)
                {
                    ProcessGroup.KillAll(group);
                    await streamed.ConfigureAwait(false);
                    return StepOutcome.Failure(e.Message, retryable: false);
                }

                if (ProcessGroup.IsAlive(group))
                {
                    ProcessGroup.KillAll(group); // no child outlives its step (and none keeps its output pipes open)
                }

                await streamed.ConfigureAwait(false);
                var outputs = new Dictionary<string, object?>(StepOutputsFile.Read(outputFile), StringComparer.Ordinal)
                {
                    ["stdout"] = stdout.Text,
                    ["stderr"] = stderr.Text,
                    ["exit_code"] = (long)exitCode,
                };

                cancellationToken.ThrowIfCancellationRequested();
                if (exitCode == 0)
                {
                    return StepOutcome.Success(outputs);
                }

                var tail = string.Join(" | ", stderr.LastLines(3));
                return StepOutcome.Failure($"the script exited with code {exitCode}{(tail.Length > 0 ? $": {tail}" : string.Empty)}", outputs);
            }
        }
        finally
        {
            try
            {
                directory.Delete(recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>Calls <paramref name="line"/> for each line of <paramref name="stream"/> as it arrives, until end of file.</summary>
    private static async Task StreamLinesAsync(Stream stream, Action<string> line)
    {
        using var reader = new StreamReader(stream, Utf8, detectEncodingFromByteOrderMarks: false);
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } text)
        {
            line(text);
        }
    }

    private static string[] Arguments(string shell, string script) => shell switch
    {
        "sh" => ["sh", "-e", script],
        "pwsh" => ["pwsh", "-NoProfile", "-NonInteractive", "-File", script],
        _ => ["bash", "--noprofile", "--norc", "-eo", "pipefail", script],
    };

    /// <summary>Two-stage stop: SIGINT to the group, then SIGKILL if anything is left after the grace period.</summary>
    private async Task StopAsync(int group, Task finished, TimeProvider time)
    {
        ProcessGroup.Interrupt(group);
        await Task.WhenAny(finished, Task.Delay(_gracePeriod, time)).ConfigureAwait(false);
        if (ProcessGroup.IsAlive(group))
        {
            ProcessGroup.KillAll(group);
        }
    }

    /// <summary>The last megabyte of a stream, line by line.</summary>
    private sealed class Capture
    {
        private readonly LinkedList<string> _lines = new();
        private readonly Lock _gate = new();
        private int _size;

        public void Add(string line)
        {
            lock (_gate)
            {
                _lines.AddLast(line);
                _size += line.Length + 1;
                while (_size > CaptureLimit && _lines.First is { } first)
                {
                    _size -= first.Value.Length + 1;
                    _lines.RemoveFirst();
                }
            }
        }

        public string Text
        {
            get
            {
                lock (_gate)
                {
                    return string.Join('\n', _lines);
                }
            }
        }

        public IEnumerable<string> LastLines(int count)
        {
            lock (_gate)
            {
                return [.. _lines.Where(l => l.Trim().Length > 0).TakeLast(count)];
            }
        }
    }
}
