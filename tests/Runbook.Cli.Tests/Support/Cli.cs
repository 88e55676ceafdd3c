using System.Diagnostics;

namespace Runbook.Cli.Tests.Support;

/// <summary>What a run of the command printed and returned.</summary>
internal sealed record CliResult(int ExitCode, string Out, string Error);

/// <summary>
/// A way to run `runbook`: the JIT build through dotnet, or the native binary. Environment variables a test
/// needs are given to the child process (<see cref="With"/>), never set on this process, which tests share.
/// </summary>
public sealed class CliTarget(string name, string fileName, string? dll, System.Collections.Immutable.ImmutableDictionary<string, string?>? environment = null)
{
    private readonly System.Collections.Immutable.ImmutableDictionary<string, string?> _environment =
        environment ?? System.Collections.Immutable.ImmutableDictionary<string, string?>.Empty;

    public string Name { get; } = name;

    /// <summary>The same target with <paramref name="variable"/> set (or, with null, removed) in the commands it runs.</summary>
    public CliTarget With(string variable, string? value) => new(Name, fileName, dll, _environment.SetItem(variable, value));

    public override string ToString() => Name;

    internal CliResult Run(params string[] args) => RunIn(Repo.Root, args);

    /// <summary>Starts a command and leaves it running (its output drained); the caller ends it.</summary>
    internal Process Launch(params string[] args)
    {
        var process = Process.Start(Start(Repo.Root, args))!;
        process.StandardOutput.ReadToEndAsync();
        process.StandardError.ReadToEndAsync();
        return process;
    }

    /// <summary>Starts a run, SIGKILLs it after <paramref name="after"/>, and returns the run id the journal has, if any.</summary>
    internal (string? RunId, int? ExitCode) StartAndKill(TimeSpan after, string[] args, string journal)
    {
        using var process = Process.Start(Start(Repo.Root, args))!;
        process.StandardOutput.ReadToEndAsync();
        process.StandardError.ReadToEndAsync();
        int? exitCode = null;
        if (process.WaitForExit(after))
        {
            exitCode = process.ExitCode;
        }
        else
        {
            // SIGKILL of the engine alone: its step's shell may outlive it, as after a crash. An operator looks only
            // once that orphan is gone, so the test waits for exactly those processes to end (with a deadline).
            var orphans = Descendants(process.Id);
            process.Kill(entireProcessTree: false);
            process.WaitForExit();
            WaitForExit(orphans, TimeSpan.FromSeconds(30));
        }

        var history = RunIn(Repo.Root, "history", "--journal", journal, "--limit", "1");
        Assert.True(history.ExitCode == 0, $"history failed: {history.Error}");
        var runId = System.Text.RegularExpressions.Regex.Match(history.Out, @"^\d{8}-\d{6}-[0-9a-f]{6}", System.Text.RegularExpressions.RegexOptions.Multiline).Value;
        return (runId is { Length: > 0 } && SeenRuns.Add(runId) ? runId : null, exitCode);
    }

    /// <summary>Starts a command, sends SIGINT once <paramref name="ready"/> holds, and waits for it to end.</summary>
    internal (int ExitCode, string Out) RunAndInterrupt(Func<bool> ready, params string[] args)
    {
        using var process = Process.Start(Start(Repo.Root, args))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        process.StandardError.ReadToEndAsync();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!ready())
        {
            if (process.HasExited || DateTime.UtcNow >= deadline)
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }

                throw new TimeoutException($"runbook {string.Join(' ', args)} never reached the point to interrupt it at "
                    + (process.HasExited ? "(it ended first)" : "within 30 s"));
            }

            Thread.Sleep(20); // polling a file the run writes, bounded by the deadline above
        }

        using (var kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            kill.WaitForExit();
        }

        if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("the interrupted run did not end");
        }

        return (process.ExitCode, stdout.Result);
    }

    private HashSet<string> SeenRuns { get; } = new(StringComparer.Ordinal);

    private ProcessStartInfo Start(string workingDirectory, string[] args, IReadOnlyDictionary<string, string?>? environment = null)
    {
        if (dll is null && !File.Exists(fileName))
        {
            // The native case is always listed, so a missing binary fails its tests instead of dropping them.
            Runbook.Tests.TestDependency.Missing("The native binary", $"{fileName} does not exist", "./build.sh publish");
        }

        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (dll is not null)
        {
            start.ArgumentList.Add(dll);
        }

        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["NO_COLOR"] = "1";
        start.Environment["RUNBOOK_USER"] = "alice";
        // The target's own variables first, then this call's: each reaches the child only.
        foreach (var (name, value) in _environment.Concat(environment ?? new Dictionary<string, string?>()))
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        return start;
    }

    /// <summary>Every process below <paramref name="pid"/>, from the parent ids in /proc/*/stat (Linux).</summary>
    private static List<int> Descendants(int pid)
    {
        var parents = new Dictionary<int, int>();
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            var stat = int.TryParse(Path.GetFileName(dir), out var id) ? TryRead(Path.Combine(dir, "stat")) : string.Empty;
            var fields = stat.Length > 0 ? stat[(stat.LastIndexOf(')') + 2)..].Split(' ') : [];
            if (fields.Length > 1 && int.TryParse(fields[1], out var parent))
            {
                parents[id] = parent;
            }
        }

        var found = new List<int>();
        var queue = new Queue<int>([pid]);
        while (queue.Count > 0)
        {
            var current = queue.Dequeue();
            foreach (var child in parents.Where(p => p.Value == current).Select(p => p.Key))
            {
                found.Add(child);
                queue.Enqueue(child);
            }
        }

        return found;
    }

    /// <summary>Waits until each process has ended (gone, or a zombie no one reaped), or fails at the deadline.</summary>
    private static void WaitForExit(List<int> pids, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (pids.Any(Alive))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the orphaned step processes {string.Join(", ", pids.Where(Alive))} did not end within {within}");
            Thread.Sleep(10); // polling /proc, bounded by the deadline above
        }

        static bool Alive(int pid)
        {
            var stat = TryRead($"/proc/{pid}/stat");
            return stat.Length > 0 && stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z') is false;
        }
    }

    private static string TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return string.Empty;
        }
        catch (UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }

    /// <summary>
    /// Runs a command with its own environment variables (given to the child only, never set in this test
    /// process), killed after <paramref name="timeout"/>: null then.
    /// </summary>
    internal CliResult? RunWith(string workingDirectory, IReadOnlyDictionary<string, string?> environment, TimeSpan timeout, params string[] args)
    {
        using var process = Process.Start(Start(workingDirectory, args, environment))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            return null;
        }

        return new CliResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs a command under another program (strace, script …): <paramref name="wrapper"/>, then runbook and its arguments.</summary>
    internal CliResult RunUnder(string[] wrapper, params string[] args)
    {
        var start = Start(Repo.Root, args);
        var inner = new List<string> { start.FileName };
        inner.AddRange(start.ArgumentList);
        start.FileName = wrapper[0];
        start.ArgumentList.Clear();
        foreach (var arg in wrapper.Skip(1).Concat(inner))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{string.Join(' ', wrapper)} runbook {string.Join(' ', args)} did not finish");
        }

        return new CliResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    internal CliResult RunIn(string workingDirectory, params string[] args)
    {
        using var process = Process.Start(Start(workingDirectory, args))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"runbook {string.Join(' ', args)} did not finish");
        }

        return new CliResult(process.ExitCode, stdout.Result, stderr.Result);
    }
}

/// <summary>
/// The builds every end-to-end test runs against: the JIT build and the native binary (RUNBOOK_NATIVE when it names
/// one, as ./build.sh test does, else dist/runbook). Without the binary each native case fails naming the command that
/// builds it, so a run that left out half the end-to-end cases is never green.
/// </summary>
public static class CliTargets
{
    public static string? NativePath =>
        Environment.GetEnvironmentVariable("RUNBOOK_NATIVE") is { Length: > 0 } path ? path
        : File.Exists(Repo.PathOf("dist", "runbook")) ? Repo.PathOf("dist", "runbook") : null;

    public static IEnumerable<object[]> All()
    {
        yield return [new CliTarget("jit", "dotnet", Path.Combine(AppContext.BaseDirectory, "runbook.dll"))];
        yield return [new CliTarget("native", NativePath ?? Repo.PathOf("dist", "runbook"), null)];
    }
}
