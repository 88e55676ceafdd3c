namespace Runbook.Cli.Execution;

/// <summary>Who is running the command: RUNBOOK_USER, else the login name.</summary>
internal static class Identity
{
    public static string Current =>
        Environment.GetEnvironmentVariable("RUNBOOK_USER") is { Length: > 0 } user ? user
        : Environment.GetEnvironmentVariable("USER") is { Length: > 0 } login ? login
        : Environment.UserName;
}
