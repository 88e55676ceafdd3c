using System.Diagnostics;

namespace Runbook.Tests;

/// <summary>
/// Runs a test project's setup script (copied beside the test assembly), which installs what it can and prints
/// <c>name=path</c> lines for what it found; a non-zero exit says, on stderr, what is missing.
/// </summary>
public static class SetupScript
{
    public static (IReadOnlyDictionary<string, string> Found, string? Unavailable) Run(string script)
    {
        var start = new ProcessStartInfo("bash", [Path.Combine(AppContext.BaseDirectory, script)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var setup = Process.Start(start)!;
        var output = setup.StandardOutput.ReadToEndAsync();
        var error = setup.StandardError.ReadToEndAsync();
        setup.WaitForExit();
        if (setup.ExitCode != 0)
        {
            return (new Dictionary<string, string>(), $"{script} failed ({setup.ExitCode}): {error.Result.Trim()}");
        }

        var found = output.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('=', 2)).Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1]);
        return (found, null);
    }
}
