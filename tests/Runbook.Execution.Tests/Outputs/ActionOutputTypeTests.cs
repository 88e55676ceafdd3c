using Microsoft.AspNetCore.Http;
using Runbook.Execution.Actions;
using Runbook.Execution.Engine;
using Runbook.Execution.Journal;
using Runbook.Execution.Tests.Support;
using Runbook.Language.Actions;

namespace Runbook.Execution.Tests.Outputs;

/// <summary>The types the catalog gives each action's outputs are the types the actions really return.</summary>
public sealed class ActionOutputTypeTests
{
    private static IStepAction Action(string name) => BuiltinActionRegistry.Create().Single(a => a.Name == name);

    /// <summary>Every output returned is declared, with a value of its declared type.</summary>
    private static void AssertTyped(string action, IReadOnlyDictionary<string, object?> outputs)
    {
        var declared = BuiltinActions.All.Single(a => a.Name == action).Outputs.ToDictionary(o => o.Name, o => o.Type, StringComparer.Ordinal);
        Assert.NotEmpty(outputs);
        Assert.All(outputs, output =>
        {
            Assert.True(declared.TryGetValue(output.Key, out var type), $"{action} returned '{output.Key}', which its descriptor does not list");
            Assert.True(DeclaredOutputs.Holds(type, output.Value), $"{action}.{output.Key} is declared {type} but was {output.Value?.GetType().Name}");
        });
    }

    private static async Task<LoopbackServer> JsonServer(int status = 200) => await LoopbackServer.StartAsync(async (c, _) =>
    {
        c.Response.StatusCode = status;
        c.Response.ContentType = "application/json";
        await c.Response.WriteAsync("""{"ok": true, "dedup_key": "k1", "items": [1, 2]}""");
    });

    [Theory]
    [InlineData("http.check")]
    [InlineData("http.request")]
    public async Task Http_actions_return_their_declared_types(string action)
    {
        await using var server = await JsonServer();
        using var ctx = new ActionContext();

        var outcome = await Action(action).ExecuteAsync(ctx.Invocation(action, new Dictionary<string, object?> { ["url"] = server.Url + "/x" }), CancellationToken.None);

        var success = Assert.IsType<Succeeded>(outcome);
        AssertTyped(action, success.Outputs);
        Assert.Equal(["body", "headers", "json", "status"], success.Outputs.Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("notify.webhook", "url")]
    [InlineData("notify.slack", "webhook")]
    [InlineData("notify.teams", "webhook")]
    [InlineData("notify.pagerduty", "url")]
    public async Task Notifications_return_their_declared_types(string action, string target)
    {
        await using var server = await JsonServer(202);
        using var ctx = new ActionContext();
        var arguments = new Dictionary<string, object?> { [target] = server.Url + "/hook", ["text"] = "x" };
        if (action == "notify.pagerduty")
        {
            arguments["routing_key"] = "R0UT1NGKEY";
        }

        var outcome = await Action(action).ExecuteAsync(ctx.Invocation(action, arguments), CancellationToken.None);

        AssertTyped(action, Assert.IsType<Succeeded>(outcome).Outputs);
    }

    [Fact]
    public async Task Wait_until_an_url_answers_returns_an_integer_count_of_attempts()
    {
        await using var server = await JsonServer();
        using var ctx = new ActionContext();

        var outcome = await Action("wait.until").ExecuteAsync(ctx.Invocation("wait.until", new Dictionary<string, object?>
        {
            ["url"] = server.Url + "/health",
            ["interval"] = "10ms",
            ["timeout"] = "5s",
        }), CancellationToken.None);

        AssertTyped("wait.until", Assert.IsType<Succeeded>(outcome).Outputs);
    }

    [Fact]
    public async Task Playbook_run_returns_its_declared_outputs_run_id_included()
    {
        await using var harness = new ExecutorHarness([.. BuiltinActionRegistry.Create()]);
        var child = harness.Load("""
            apiVersion: runbook/v1
            kind: Playbook
            name: child
            phases:
              assess:
                - id: hello
                  run: echo hi
                  mutates: false
            """);

        var result = await harness.RunAsync($$"""
            apiVersion: runbook/v1
            kind: Playbook
            name: parent
            phases:
              gather:
                - id: sub
                  uses: playbook.run
                  mutates: false
                  with: { path: "{{Path.GetFileName(child.Path)}}" }
            """);

        Assert.Equal(RunStatus.Succeeded, result.Status);
        var outputs = (await harness.StateAsync(result.RunId)).Step("sub").Outputs;
        AssertTyped("playbook.run", outputs);
        Assert.Equal(["outputs", "run_id", "status"], outputs.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Holds_accepts_a_value_only_of_its_type_and_null_of_every_type()
    {
        Assert.True(DeclaredOutputs.Holds(Runbook.Language.Model.OutputType.Integer, null));
        Assert.True(DeclaredOutputs.Holds(Runbook.Language.Model.OutputType.Integer, 3L));
        Assert.False(DeclaredOutputs.Holds(Runbook.Language.Model.OutputType.Integer, "3"));
        Assert.False(DeclaredOutputs.Holds(Runbook.Language.Model.OutputType.Integer, 3.5m));
        Assert.True(DeclaredOutputs.Holds(Runbook.Language.Model.OutputType.Number, 3L));
        Assert.False(DeclaredOutputs.Holds(Runbook.Language.Model.OutputType.String, 3L));
        Assert.False(DeclaredOutputs.Holds(Runbook.Language.Model.OutputType.Boolean, "true"));
        Assert.False(DeclaredOutputs.Holds(Runbook.Language.Model.OutputType.List, new Dictionary<string, object?>()));
        Assert.True(DeclaredOutputs.Holds(Runbook.Language.Model.OutputType.Object, new Dictionary<string, object?>()));
        Assert.True(DeclaredOutputs.Holds(Runbook.Language.Model.OutputType.Json, "anything"));
    }
}
