using System.Data;
using System.Globalization;
using Npgsql;
using Runbook.Execution.Journal.Postgres;
using Runbook.Language.Expressions.Evaluation;
using Runbook.Language.Model;

namespace Runbook.Execution.Actions.Sql;

/// <summary>
/// sql.query: one PostgreSQL statement with <c>@name</c> parameters bound by Npgsql (values are never spliced
/// into the text), inside a READ ONLY transaction unless the step says <c>mutates: true</c>, with a
/// server-side statement timeout. Outputs the rows (bounded) and the row count.
/// </summary>
internal sealed class SqlQueryAction : IStepAction
{
    public string Name => "sql.query";

    public async ValueTask<StepOutcome> ExecuteAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        var mutates = ExpressionValues.Truthy(invocation.Get("__mutates"));
        var maxRows = long.TryParse(invocation.GetString("max_rows"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var m) ? m : 100;
        var timeout = Duration.TryParse(invocation.GetString("statement_timeout") ?? "30s", out var t) ? t.Value : TimeSpan.FromSeconds(30);
        string connectionString;
        try
        {
            connectionString = ConnectionStrings.FromLocation(invocation.GetString("connection") ?? string.Empty).ConnectionString;
        }
        catch (Exception ex) when (ex is ArgumentException or Journal.JournalException)
        {
            return StepOutcome.Failure($"the connection is not a PostgreSQL URL or connection string: {ConnectionStrings.Redact(ex.Message)}", retryable: false);
        }

        try
        {
            await using var source = new NpgsqlSlimDataSourceBuilder(connectionString).EnableArrays().Build();
            await using var connection = await source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false);
            await using (var setup = new NpgsqlCommand(
                $"SET TRANSACTION {(mutates ? "READ WRITE" : "READ ONLY")}; SET LOCAL statement_timeout = {(long)timeout.TotalMilliseconds}", connection, transaction))
            {
                await setup.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await using var command = new NpgsqlCommand(invocation.GetString("query"), connection, transaction);
            if (invocation.Get("parameters") is IReadOnlyDictionary<string, object?> parameters)
            {
                foreach (var (name, value) in parameters)
                {
                    command.Parameters.AddWithValue(name, Parameter(name, value));
                }
            }

            var rows = new List<object?>();
            long count = 0;
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    count++;
                    if (rows.Count < maxRows)
                    {
                        var row = new Dictionary<string, object?>(StringComparer.Ordinal);
                        for (var i = 0; i < reader.FieldCount; i++)
                        {
                            row[reader.GetName(i)] = ToValue(reader.GetValue(i));
                        }

                        rows.Add(row);
                    }
                }

                if (reader.FieldCount == 0)
                {
                    count = reader.RecordsAffected;
                }
            }

            if (mutates)
            {
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
            }

            return StepOutcome.Success(new Dictionary<string, object?>
            {
                ["rows"] = rows,
                ["row_count"] = count,
                ["truncated"] = count > rows.Count,
            });
        }
        catch (PostgresException ex)
        {
            var hint = ex.SqlState == "25006" ? " (the step is read-only: set 'mutates: true' if it must write)" : string.Empty;
            return StepOutcome.Failure($"PostgreSQL error {ex.SqlState}: {ex.MessageText}{hint}", retryable: ex.SqlState is "57014" or "40001" or "40P01");
        }
        catch (ArgumentException ex)
        {
            return StepOutcome.Failure(ex.Message, retryable: false);
        }
        catch (NpgsqlException ex)
        {
            return StepOutcome.Failure($"cannot reach PostgreSQL: {ConnectionStrings.Redact(ex.Message)}");
        }
    }

    /// <summary>
    /// A playbook value as a bound parameter: scalars as they are, a list of one kind of scalar as a PostgreSQL
    /// array (for <c>= ANY(@ids)</c>), a map as its JSON text (for a jsonb parameter, cast with <c>@p::jsonb</c>).
    /// </summary>
    private static object Parameter(string name, object? value) => value switch
    {
        null => DBNull.Value,
        string or bool or long or double or decimal => value,
        IReadOnlyDictionary<string, object?> map => Values.ToJson(map),
        IEnumerable<object?> list => list.ToList() switch
        {
            var items when items.All(i => i is string) => items.Cast<string>().ToArray(),
            var items when items.All(i => i is long) => items.Cast<long>().ToArray(),
            var items when items.All(i => i is long or double) => items.Select(i => Convert.ToDouble(i, System.Globalization.CultureInfo.InvariantCulture)).ToArray(),
            var items when items.All(i => i is bool) => items.Cast<bool>().ToArray(),
            _ => throw new ArgumentException($"parameter '{name}' is a list of mixed or nested values; a PostgreSQL array needs one kind of scalar"),
        },
        _ => Values.ToText(value),
    };

    private static object? ToValue(object value) => value switch
    {
        DBNull => null,
        string or bool or long or decimal or double => value,
        int i => (long)i,
        short s => (long)s,
        float f => (double)f,
        DateTime d => d.ToString("O", CultureInfo.InvariantCulture),
        DateTimeOffset d => d.ToString("O", CultureInfo.InvariantCulture),
        Guid g => g.ToString(),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture),
    };
}
