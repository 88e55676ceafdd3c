using Npgsql;
using Runbook.Execution.Actions;
using Runbook.Execution.Engine;
using Runbook.Execution.Journal;
using Runbook.Execution.Tests.Support;

namespace Runbook.Execution.Tests.Actions;

/// <summary>
/// The repro against the real PostgreSQL: a value written into sql.query's query text must never become SQL.
/// The checker refuses it (RB0312), the executor refuses it again for a playbook that skipped the checker, and the fix
/// the diagnostic gives binds the same hostile value as data.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SqlInjectionTests(PostgresCluster cluster)
{
    private const string Hostile = "x'; create table pwned(a int); --";

    private static string Playbook(string query, string parameters = "") => $$$"""
        apiVersion: runbook/v1
        kind: Playbook
        name: sql-injection
        inputs:
          db: { type: string }
          name: { type: string }
        phases:
          mitigate:
            - id: lookup
              uses: sql.query
              mutates: true
              with:
                connection: "${{ inputs.db }}"
                query: "{{{query}}}"{{{parameters}}}
              rollback: { run: "true" }
        """;

    private async Task<bool> TableExistsAsync(string database)
    {
        await using var connection = new NpgsqlConnection(cluster.ConnectionString(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT to_regclass('public.pwned') IS NOT NULL", connection);
        return (bool)(await command.ExecuteScalarAsync())!;
    }

    private static ExecutorHarness Harness() => new(BuiltinActionRegistry.Create().Single(a => a.Name == "sql.query"), new FakeAction("run", _ => StepOutcome.Success()));

    [Fact]
    public async Task An_expression_inside_the_query_is_refused_by_the_checker_with_the_parameter_fix()
    {
        await using var harness = Harness();

        var loaded = harness.LoadUnchecked(Playbook("select '${{ inputs.name }}'"));

        var error = Assert.Single(loaded.Diagnostics, d => d.IsError);
        Assert.Equal("RB0312", error.Descriptor.Code);
        Assert.Contains("write @name in the query and pass the value as parameters: { name: \"${{ inputs.name }}\" }", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_playbook_that_skipped_the_checker_still_cannot_splice_a_value_into_sql()
    {
        if (!cluster.Ready())
        {
            return;
        }

        var database = await cluster.CreateDatabaseAsync();
        await using var harness = Harness();
        var loaded = harness.LoadUnchecked(Playbook("select '${{ inputs.name }}'"));

        var result = await Executor.StartAsync(await harness.ServicesAsync(), ExecutorHarness.Request(loaded,
            new Dictionary<string, string> { ["db"] = cluster.Url(database), ["name"] = Hostile }));

        Assert.False(await TableExistsAsync(database), "the hostile value created a table");
        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.Contains("'query' of 'sql.query' is SQL and takes no expression", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_same_value_passed_as_a_parameter_is_data_and_creates_nothing()
    {
        if (!cluster.Ready())
        {
            return;
        }

        var database = await cluster.CreateDatabaseAsync();
        await using var harness = Harness();

        var result = await harness.RunAsync(Playbook("select @name::text as v", "\n        parameters: { name: \"${{ inputs.name }}\" }"),
            new Dictionary<string, string> { ["db"] = cluster.Url(database), ["name"] = Hostile });

        Assert.Equal(RunStatus.Succeeded, result.Status);
        var rows = Assert.IsAssignableFrom<IReadOnlyList<object?>>((await harness.StateAsync(result.RunId)).Step("lookup").Outputs["rows"]);
        Assert.Equal(Hostile, Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(Assert.Single(rows))["v"]);
        Assert.False(await TableExistsAsync(database), "the hostile value created a table");
    }
}
