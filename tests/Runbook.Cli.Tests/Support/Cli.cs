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

    internal CliResult RunIn(string workingDirectory, params string[] args)
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
        using var process = Process.Start(start)!;
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
