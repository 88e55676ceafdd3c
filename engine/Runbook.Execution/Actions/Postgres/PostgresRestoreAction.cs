using Npgsql;
using Runbook.Language.Expressions.Evaluation;

namespace Runbook.Execution.Actions.Postgres;

/// <summary>
/// postgres.restore: pg_restore of a custom-format backup into a named, existing database, dropping the objects
/// the backup holds first (<c>--clean --if-exists</c>), stopping at the first error, in one transaction unless the
/// step says otherwise. Irreversible by its descriptor, so the checker requires an approval. The archive is read
/// with <c>pg_restore --list</c> before anything is dropped; its entries, counted by kind, are the outputs.
/// </summary>
internal sealed class PostgresRestoreAction(PostgresTools tools) : IStepAction, IDryRunPreview
{
    public PostgresRestoreAction()
        : this(PostgresTools.System)
    {
    }

    public string Name => "postgres.restore";

    public async ValueTask<StepOutcome> ExecuteAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        var started = invocation.Context.Time.GetTimestamp();
        var prepared = await PrepareAsync(invocation, cancellationToken).ConfigureAwait(false);
        if (prepared.Error is { } error)
        {
            return error;
        }

        var (target, pgRestore, file, contents) = (prepared.Target!, prepared.PgRestore!, prepared.File!, prepared.Contents!);
        List<string> arguments = ["--clean", "--if-exists", "--exit-on-error", "--no-password", $"--dbname={Conninfo(target.Database)}"];
        if (invocation.Get("single_transaction") is not { } single || ExpressionValues.Truthy(single))
        {
            arguments.Add("--single-transaction");
        }

        arguments.Add(file);
        invocation.Log.Line(LogStream.Info, $"restoring {contents.Objects} entries from {file} into {target.Display}");
        var restore = await PgProgram.RunAsync(pgRestore, arguments, target, invocation, cancellationToken).ConfigureAwait(false);
        if (restore.ExitCode != 0)
        {
            return StepOutcome.Failure($"{Name}: pg_restore into {target.Display} failed (exit {restore.ExitCode}): {PgProgram.LastError(restore.Stderr)}", retryable: false);
        }

        return StepOutcome.Success(new Dictionary<string, object?>
        {
            ["objects"] = contents.Objects,
            ["tables"] = contents.Count("TABLE"),
            ["table_data"] = contents.Count("TABLE DATA"),
            ["indexes"] = contents.Count("INDEX"),
            ["counts"] = contents.ToOutput(),
            ["duration"] = Math.Round(invocation.Context.Time.GetElapsedTime(started).TotalSeconds, 3),
        });
    }

    public async ValueTask<DryRunPreview> PreviewAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        var prepared = await PrepareAsync(invocation, cancellationToken).ConfigureAwait(false);
        if (prepared.Error is Failed failed)
        {
            return new DryRunPreview($"would fail: {failed.Error}");
        }

        var contents = prepared.Contents!;
        return new DryRunPreview(
            $"would restore {prepared.File} into {prepared.Target!.Display}, dropping and recreating what it holds: "
            + $"{contents.Objects} entries ({contents.Count("TABLE")} tables, {contents.Count("TABLE DATA")} with data, {contents.Count("INDEX")} indexes)");
    }

    private sealed record Prepared(StepOutcome? Error, PostgresTarget? Target = null, string? PgRestore = null, string? File = null, ArchiveContents? Contents = null);

    /// <summary>Everything short of restoring: the target, the server (reachable, the database there), the tool, and the archive read.</summary>
    private async Task<Prepared> PrepareAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        var database = invocation.GetString("database");
        if (string.IsNullOrWhiteSpace(database))
        {
            return Fail("'database' is empty; name the database to restore into");
        }

        var target = PostgresTarget.Parse(invocation.GetString("connection"), database, out var problem);
        if (target is null)
        {
            return Fail(problem!);
        }

        var path = invocation.GetString("path");
        var file = string.IsNullOrWhiteSpace(path) ? null : Path.GetFullPath(path, invocation.Context.WorkingDirectory);
        if (file is null || !File.Exists(file))
        {
            return Fail($"there is no backup file at {file ?? "(empty path)"}; name the file a postgres.backup step wrote (its outputs.path)");
        }

        int major;
        try
        {
            major = await target.ServerMajorVersionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or ArgumentException or InvalidOperationException)
        {
            return new Prepared(StepOutcome.Failure(PostgresConnectionErrors.Describe(Name, target, ex), retryable: ex is not PostgresException));
        }

        if (tools.Find("pg_restore", major) is not { } pgRestore)
        {
            return Fail(tools.Missing("pg_restore", major));
        }

        var list = await PgProgram.RunAsync(pgRestore, ["--list", file], target, invocation, cancellationToken).ConfigureAwait(false);
        if (list.ExitCode != 0)
        {
            return Fail($"{file} is not a backup pg_restore can read (exit {list.ExitCode}): {PgProgram.LastError(list.Stderr)}; nothing was changed");
        }

        return new Prepared(null, target, pgRestore, file, ArchiveContents.Parse(list.Stdout));

        Prepared Fail(string message) => new(StepOutcome.Failure($"{Name}: {message}", retryable: false));
    }

    /// <summary>
    /// The database as a libpq conninfo (<c>dbname='…'</c>, quotes and backslashes escaped): pg_restore reads a
    /// --dbname holding '=' as connection settings, so a name is never passed bare.
    /// </summary>
    internal static string Conninfo(string database) =>
        "dbname='" + database.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'";
}
