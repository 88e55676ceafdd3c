using System.Diagnostics;

namespace Runbook.Cli.Tests.Support;

/// <summary>What a run of the command printed and returned.</summary>
internal sealed record CliResult(int ExitCode, string Out, string Error);

/// <summary>A way to run `runbook`: the JIT build through dotnet, or the native binary.</summary>
public sealed class CliTarget(string name, string fileName, string? dll)
{
    public string Name { get; } = name;

    public override string ToString() => Name;

    internal CliResult Run(params string[] args) => RunIn(Repo.Root, args);

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
            process.Kill(entireProcessTree: false); // SIGKILL of the engine alone: its step's shell may outlive it, as after a crash
            process.WaitForExit();
            Thread.Sleep(300); // let an orphaned step shell finish its write, as an operator would look only after the crash
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
        while (!ready() && DateTime.UtcNow < deadline && !process.HasExited)
        {
            Thread.Sleep(20);
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
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
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
/// The builds every end-to-end test runs against: always the JIT build; the native binary when
/// RUNBOOK_NATIVE names it (./build.sh test does). With CI=true the native binary is required.
/// </summary>
public static class CliTargets
{
    public static string? NativePath =>
        Environment.GetEnvironmentVariable("RUNBOOK_NATIVE") is { Length: > 0 } path ? path
        : File.Exists(Repo.PathOf("dist", "runbook")) ? Repo.PathOf("dist", "runbook") : null;

    public static IEnumerable<object[]> All()
    {
        yield return [new CliTarget("jit", "dotnet", Path.Combine(AppContext.BaseDirectory, "runbook.dll"))];
        if (NativePath is { } native && File.Exists(native))
        {
            yield return [new CliTarget("native", native, null)];
        }
    }
}
