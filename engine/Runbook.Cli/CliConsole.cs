namespace Runbook.Cli;

/// <summary>Where the command writes, and whether it may use colour; tests pass their own.</summary>
internal sealed record CliConsole(TextWriter Out, TextWriter Error, bool Color, string WorkingDirectory)
{
    public static CliConsole System { get; } = new(
        Console.Out,
        Console.Error,
        !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("NO_COLOR") is null,
        Environment.CurrentDirectory);
}
