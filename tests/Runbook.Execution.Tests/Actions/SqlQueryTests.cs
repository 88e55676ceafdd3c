using Npgsql;
using Runbook.Execution.Actions;
using Runbook.Execution.Tests.Support;

namespace Runbook.Execution.Tests.Actions;

[Collection(PostgresCollection.Name)]
public sealed class SqlQueryTests(PostgresCluster cluster)
{
    private static readonly IStepAction Sql = BuiltinActionRegistry.Create().Single(a => a.Name == "sql.query");

    private async Task<string> DatabaseAsync()
    {
        var database = await cluster.CreateDatabaseAsync();
        await using var connection = new NpgsqlConnection(cluster.ConnectionString(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("CREATE TABLE notes (id serial, body text); INSERT INTO notes (body) VALUES ('a'), ('b'), ('c');", connection);
        await command.ExecuteNonQueryAsync();
        return database;
    }

    private static Task<StepOutcome> Run(ActionContext ctx, string url, string query, bool mutates = false, IReadOnlyDictionary<string, object?>? parameters = null, object? maxRows = null) =>
        Sql.ExecuteAsync(ctx.Invocation("sql.query", new Dictionary<string, object?>
        {
            ["connection"] = url,
            ["query"] = query,
            ["parameters"] = parameters,
            ["max_rows"] = maxRows,
            ["statement_timeout"] = "500ms",
            ["__mutates"] = mutates,
        }), CancellationToken.None).AsTask();

    [Fact]
    public async Task Rows_come_back_bounded_with_the_full_count()
    {
        if (!cluster.Ready())
        {
            return;
        }

        using var ctx = new ActionContext();
        var outcome = await Run(ctx, cluster.Url(await DatabaseAsync()), "SELECT id, body FROM notes ORDER BY id", maxRows: 2L);

        var success = Assert.IsType<Succeeded>(outcome);
        Assert.Equal(3L, success.Outputs["row_count"]);
        Assert.Equal(true, success.Outputs["truncated"]);
        Assert.All(success.Outputs.Keys, key => Assert.Contains(key, Runbook.Language.Actions.BuiltinActions.All.Single(a => a.Name == "sql.query").Outputs.Select(o => o.Name)));
        var rows = (List<object?>)success.Outputs["rows"]!;
        Assert.Equal("a", ((Dictionary<string, object?>)rows[0]!)["body"]);
    }

    [Fact]
    public async Task Parameters_are_bound_never_spliced()
    {
        if (!cluster.Ready())
        {
            return;
        }

        using var ctx = new ActionContext();
        var url = cluster.Url(await DatabaseAsync());
        const string hostile = "'; DROP TABLE notes; --";
        var insert = await Run(ctx, url, "INSERT INTO notes (body) VALUES (@body)", mutates: true,
            parameters: new Dictionary<string, object?> { ["body"] = hostile });
        var read = await Run(ctx, url, "SELECT body FROM notes WHERE body = @body", parameters: new Dictionary<string, object?> { ["body"] = hostile });

        Assert.IsType<Succeeded>(insert);
        Assert.Equal(1L, Assert.IsType<Succeeded>(read).Outputs["row_count"]);
    }

    [Fact]
    public async Task A_list_parameter_binds_as_an_array_and_a_map_as_json()
    {
        if (!cluster.Ready())
        {
            return;
        }

        using var ctx = new ActionContext();
        var url = cluster.Url(await DatabaseAsync());
        var any = await Run(ctx, url, "SELECT id FROM notes WHERE body = ANY(@bodies) ORDER BY id",
            parameters: new Dictionary<string, object?> { ["bodies"] = new List<object?> { "a", "c" } });
        var json = await Run(ctx, url, "SELECT (@doc::jsonb)->>'service' AS service",
            parameters: new Dictionary<string, object?> { ["doc"] = new Dictionary<string, object?> { ["service"] = "api" } });
        var mixed = await Run(ctx, url, "SELECT 1 WHERE 1 = ANY(@ids)",
            parameters: new Dictionary<string, object?> { ["ids"] = new List<object?> { 1L, "two" } });

        Assert.Equal(2L, Assert.IsType<Succeeded>(any).Outputs["row_count"]);
        Assert.Equal("api", ((Dictionary<string, object?>)((List<object?>)Assert.IsType<Succeeded>(json).Outputs["rows"]!)[0]!)["service"]);
        Assert.Contains("parameter 'ids' is a list of mixed or nested values", Assert.IsType<Failed>(mixed).Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_read_only_step_cannot_write()
    {
        if (!cluster.Ready())
        {
            return;
        }

        using var ctx = new ActionContext();
        var outcome = await Run(ctx, cluster.Url(await DatabaseAsync()), "DELETE FROM notes");

        var failed = Assert.IsType<Failed>(outcome);
        Assert.Contains("25006", failed.Error, StringComparison.Ordinal);
        Assert.Contains("mutates: true", failed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_statement_timeout_stops_a_slow_query()
    {
        if (!cluster.Ready())
        {
            return;
        }

        using var ctx = new ActionContext();
        var outcome = await Run(ctx, cluster.Url(await DatabaseAsync()), "SELECT pg_sleep(5)");

        Assert.Contains("57014", Assert.IsType<Failed>(outcome).Error, StringComparison.Ordinal);
    }
}
