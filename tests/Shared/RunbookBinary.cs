using System.Diagnostics;

namespace Runbook.Tests;

/// <summary>
/// The <c>runbook</c> command as the provider end-to-end tests start it: <c>jit</c> (runbook.dll beside the test
/// assembly, under dotnet) or <c>native</c> (RUNBOOK_NATIVE, else dist/runbook of this checkout; a missing one
/// fails the test, naming <c>./build.sh publish</c>).
/// </summary>
public static class RunbookBinary
{
    public static TheoryData<string> Targets() => new() { "jit", "native" };

    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "RunbookEngine.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? AppContext.BaseDirectory;
    }

    public static string Native()
    {
        var path = Environment.GetEnvironmentVariable("RUNBOOK_NATIVE") is { Length: > 0 } configured ? configured : Path.Combine(RepoRoot(), "dist", "runbook");
        if (!File.Exists(path))
        {
            TestDependency.Missing("The native binary", $"{path} does not exist", "./build.sh publish");
        }

        return path;
    }

    /// <summary>
    /// runbook.dll as the CLI project built it (engine/Runbook.Cli/bin/CONFIGURATION/TFM, beside its own dependencies),
    /// else the copy beside the test assembly. A test project that references ASP.NET Core drops the assemblies that
    /// framework carries (Microsoft.Extensions.Logging.Abstractions, which Npgsql loads), and runbook.dll runs on
    /// Microsoft.NETCore.App alone, so its SQL actions failed to load from that copy.
    /// </summary>
    public static string Jit()
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var built = Path.Combine(RepoRoot(), "engine", "Runbook.Cli", "bin", here.Parent?.Name ?? "Release", here.Name, "runbook.dll");
        return File.Exists(built) ? built : Path.Combine(AppContext.BaseDirectory, "runbook.dll");
    }

    /// <summary>
    /// Runs <c>runbook ARGS</c> in <paramref name="folder"/> (behind <paramref name="wrapper"/>, e.g. unshare) to its end
    /// (killed after two minutes): its exit code and its output and errors. <paramref name="environment"/> is applied in
    /// order to the child only (null removes a variable), after NO_COLOR and RUNBOOK_USER=alice.
    /// </summary>
    public static (int ExitCode, string Out) Run(
        string target, string folder, IEnumerable<(string Name, string? Value)> environment, string[] wrapper, params string[] args)
    {
        string[] command = target == "native" ? [Native(), .. args] : ["dotnet", Jit(), .. args];
        string[] full = [.. wrapper, .. command];
        var start = new ProcessStartInfo(full[0]) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in full[1..])
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["NO_COLOR"] = "1";
        start.Environment["RUNBOOK_USER"] = "alice";
        foreach (var (name, value) in environment)
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

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
        }

        return (process.ExitCode, output.Result + error.Result);
    }
}
