using System.Text;
using CliWrap;

namespace Runbook.Execution.Actions.Postgres;

/// <summary>
/// Runs pg_dump or pg_restore against a target through CliWrap: the arguments name no host, user or password,
/// the libpq environment and a 0600 passfile in a private temp folder carry them, and the folder goes when the
/// program ends. Stderr lines stream to the step's log with the password scrubbed.
/// </summary>
internal static class PgProgram
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static async Task<Result> RunAsync(string program, IReadOnlyList<string> arguments, PostgresTarget target, StepInvocation invocation, CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("runbook-pg-");
        try
        {
            var passFile = Path.Combine(folder.FullName, "pgpass");
            target.WritePassFile(passFile);
            var stdout = new StringBuilder();
            var stderr = new StringBuilder();
            var result = await Cli.Wrap(program)
                .WithArguments(arguments)
                .WithEnvironmentVariables(target.Environment(passFile))
                .WithWorkingDirectory(invocation.Context.WorkingDirectory)
                .WithValidation(CommandResultValidation.None)
                .WithStandardOutputPipe(PipeTarget.ToStringBuilder(stdout))
                .WithStandardErrorPipe(PipeTarget.ToDelegate(line =>
                {
                    var clean = target.Scrub(line);
                    stderr.AppendLine(clean);
                    invocation.Log.Line(LogStream.Stderr, clean);
                }))
                .ExecuteAsync(cancellationToken).ConfigureAwait(false);
            return new Result(result.ExitCode, target.Scrub(stdout.ToString()), stderr.ToString());
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>The last meaningful line of a program's stderr, for a one-line error ("pg_dump: error: …").</summary>
    public static string LastError(string stderr)
    {
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.LastOrDefault(l => l.Contains("error", StringComparison.OrdinalIgnoreCase)) ?? lines.LastOrDefault() ?? "no message";
    }
}
