using System.Globalization;
using System.Security.Cryptography;
using Npgsql;
using Runbook.Language.Expressions.Evaluation;

namespace Runbook.Execution.Actions.Postgres;

/// <summary>
/// postgres.backup: pg_dump in custom format (-Fc) into a file beside the final one, checked with
/// <c>pg_restore --list</c>, then moved into place, so a backup that exists is one that restores. A folder gets
/// &lt;database&gt;-&lt;UTC time&gt;.dump (the time from the run's clock). Outputs path, bytes, sha256, duration
/// (seconds), objects (entries in the archive) and the server's version. A dry run checks the connection and the
/// tools and names the file without writing it.
/// </summary>
internal sealed class PostgresBackupAction(PostgresTools tools) : IStepAction
{
    public PostgresBackupAction()
        : this(PostgresTools.System)
    {
    }

    public string Name => "postgres.backup";

    public async ValueTask<StepOutcome> ExecuteAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        var started = invocation.Context.Time.GetTimestamp();
        var target = PostgresTarget.Parse(invocation.GetString("connection"), invocation.GetString("database"), out var problem);
        if (target is null)
        {
            return StepOutcome.Failure($"{Name}: {problem}", retryable: false);
        }

        var overwrite = ExpressionValues.Truthy(invocation.Get("overwrite"));
        var file = Destination(invocation, target.Database, out problem);
        if (file is null)
        {
            return StepOutcome.Failure($"{Name}: {problem}", retryable: false);
        }

        if (File.Exists(file) && !overwrite)
        {
            return StepOutcome.Failure($"{Name}: {file} already exists; name another file, give a folder for a timestamped name, or set 'overwrite: true'", retryable: false);
        }

        if (Directory.Exists(file))
        {
            return StepOutcome.Failure($"{Name}: {file} is a folder; end the path with '/' for a timestamped file inside it", retryable: false);
        }

        if (invocation.Get("compress") is { } compressValue
            && (!long.TryParse(Values.ToText(compressValue), NumberStyles.Integer, CultureInfo.InvariantCulture, out var level) || level is < 0 or > 9))
        {
            return StepOutcome.Failure($"{Name}: 'compress' must be a level from 0 to 9, not '{Values.ToText(compressValue)}'", retryable: false);
        }

        int major;
        try
        {
            major = await target.ServerMajorVersionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or ArgumentException or InvalidOperationException)
        {
            return StepOutcome.Failure(PostgresConnectionErrors.Describe(Name, target, ex), retryable: ex is not PostgresException);
        }

        var pgDump = tools.Find("pg_dump", major);
        var pgRestore = tools.Find("pg_restore", major);
        if (pgDump is null || pgRestore is null)
        {
            return StepOutcome.Failure($"{Name}: {tools.Missing(pgDump is null ? "pg_dump" : "pg_restore", major)}", retryable: false);
        }

        if (invocation.Context.DryRun)
        {
            invocation.Log.Line(LogStream.Info, $"dry run: would back up {target.Display} (PostgreSQL {major}) with {pgDump} to {file}");
            return StepOutcome.Success(new Dictionary<string, object?>
            {
                ["path"] = file,
                ["server_version"] = major.ToString(CultureInfo.InvariantCulture),
            });
        }

        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        var partial = $"{file}.partial-{invocation.Context.RunId}";
        try
        {
            List<string> dumpArguments = ["--format=custom", "--no-password", "--file", partial];
            if (invocation.Get("compress") is { } compress)
            {
                dumpArguments.Add($"--compress={Values.ToText(compress)}");
            }

            invocation.Log.Line(LogStream.Info, $"pg_dump {major} of {target.Display} to {file}");
            var dump = await PgProgram.RunAsync(pgDump, dumpArguments, target, invocation, cancellationToken).ConfigureAwait(false);
            if (dump.ExitCode != 0)
            {
                return StepOutcome.Failure($"{Name}: pg_dump of {target.Display} failed (exit {dump.ExitCode}): {PgProgram.LastError(dump.Stderr)}");
            }

            var list = await PgProgram.RunAsync(pgRestore, ["--list", partial], target, invocation, cancellationToken).ConfigureAwait(false);
            if (list.ExitCode != 0)
            {
                return StepOutcome.Failure($"{Name}: the backup of {target.Display} did not verify (pg_restore --list exit {list.ExitCode}): {PgProgram.LastError(list.Stderr)}; nothing was kept");
            }

            var contents = ArchiveContents.Parse(list.Stdout);
            string sha256;
            long bytes;
            await using (var stream = File.OpenRead(partial))
            {
                bytes = stream.Length;
                sha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
            }

            File.Move(partial, file, overwrite);
            var seconds = Math.Round(invocation.Context.Time.GetElapsedTime(started).TotalSeconds, 3);
            invocation.Log.Line(LogStream.Info, $"backup verified: {contents.Objects} entries, {bytes} bytes, sha256 {sha256}");
            return StepOutcome.Success(new Dictionary<string, object?>
            {
                ["path"] = file,
                ["bytes"] = bytes,
                ["sha256"] = sha256,
                ["duration"] = seconds,
                ["objects"] = contents.Objects,
                ["server_version"] = major.ToString(CultureInfo.InvariantCulture),
            });
        }
        finally
        {
            File.Delete(partial);
        }
    }

    /// <summary>
    /// The file to write: the path as given, or inside it with a timestamped name when it is a folder (it exists
    /// as one, or ends with a slash). Relative paths are taken from the playbook's folder.
    /// </summary>
    private static string? Destination(StepInvocation invocation, string database, out string? problem)
    {
        problem = null;
        var path = invocation.GetString("path");
        if (string.IsNullOrWhiteSpace(path) || path.Contains('\0', StringComparison.Ordinal))
        {
            problem = "'path' is empty; name a file (backups/orders.dump) or a folder ending with '/'";
            return null;
        }

        var full = Path.GetFullPath(path, invocation.Context.WorkingDirectory);
        if (path.EndsWith('/') || Directory.Exists(full))
        {
            var stamp = invocation.Context.Time.GetUtcNow().ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
            var safeName = string.Concat(database.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' ? c : '_'));
            return Path.Combine(full, $"{safeName}-{stamp}.dump");
        }

        return full;
    }
}
