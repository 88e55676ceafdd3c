using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Runbook.Execution.Actions;
using Runbook.Execution.Tests.Support;

namespace Runbook.Execution.Tests.Actions;

public sealed class HttpAndNotifyTests
{
    private static IStepAction Action(string name) => BuiltinActionRegistry.Create().Single(a => a.Name == name);

    [Fact]
    public async Task Http_check_passes_on_the_expected_status_body_and_json()
    {
        await using var server = await LoopbackServer.StartAsync(async (c, _) =>
        {
            c.Response.ContentType = "application/json";
            await c.Response.WriteAsync("""{"status":"ok","checks":{"db":{"ok":true}}}""");
        });
        using var ctx = new ActionContext();

        var outcome = await Action("http.check").ExecuteAsync(ctx.Invocation("http.check", new Dictionary<string, object?>
        {
            ["url"] = server.Url + "/health",
            ["expect_body_contains"] = "ok",
            ["expect_json"] = new Dictionary<string, object?> { ["checks.db.ok"] = true } as IReadOnlyDictionary<string, object?>,
        }), CancellationToken.None);

        var success = Assert.IsType<Succeeded>(outcome);
        Assert.Equal(200L, success.Outputs["status"]);
        Assert.Equal("ok", ((IReadOnlyDictionary<string, object?>)success.Outputs["json"]!)["status"]);
    }

    [Fact]
    public async Task Http_check_fails_on_another_status_and_a_4xx_is_not_worth_retrying()
    {
        await using var server = await LoopbackServer.StartAsync((c, _) =>
        {
            c.Response.StatusCode = 404;
            return c.Response.WriteAsync("no such route");
        });
        using var ctx = new ActionContext();

        var outcome = await Action("http.request").ExecuteAsync(ctx.Invocation("http.request", new Dictionary<string, object?>
        {
            ["url"] = server.Url + "/x",
            ["method"] = "POST",
            ["json"] = new Dictionary<string, object?> { ["a"] = 1L } as IReadOnlyDictionary<string, object?>,
        }), CancellationToken.None);

        var failed = Assert.IsType<Failed>(outcome);
        Assert.False(failed.Retryable);
        Assert.Contains("answered 404: no such route", failed.Error, StringComparison.Ordinal);
        Assert.Equal("""{"a":1}""", Assert.Single(server.Requests).Body);
    }

    [Fact]
    public async Task Slack_gets_its_payload_and_a_5xx_is_retried()
    {
        await using var server = await LoopbackServer.StartAsync((c, n) =>
        {
            c.Response.StatusCode = n < 3 ? 503 : 200;
            return c.Response.WriteAsync("ok");
        });
        using var ctx = new ActionContext();

        var outcome = await Action("notify.slack").ExecuteAsync(ctx.Invocation("notify.slack", new Dictionary<string, object?>
        {
            ["webhook"] = server.Url + "/services/T000/B000/SECRET",
            ["text"] = "INCIDENT: api error rate high",
            ["channel"] = "#incidents",
        }), CancellationToken.None);

        Assert.Equal(true, Assert.IsType<Succeeded>(outcome).Outputs["delivered"]);
        AssertDeclared("notify.slack", outcome);
        Assert.Equal(3, server.Requests.Count);
        Assert.Equal("""{"text":"INCIDENT: api error rate high","channel":"#incidents"}""", server.Requests.Last().Body);
        Assert.DoesNotContain(ctx.Lines, l => l.Text.Contains("SECRET", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_failed_notification_does_not_fail_the_step_unless_it_says_so()
    {
        await using var server = await LoopbackServer.StartAsync((c, _) =>
        {
            c.Response.StatusCode = 500;
            return Task.CompletedTask;
        });
        using var ctx = new ActionContext();
        var arguments = new Dictionary<string, object?> { ["webhook"] = server.Url, ["text"] = "x" };

        var lenient = await Action("notify.teams").ExecuteAsync(ctx.Invocation("notify.teams", arguments), CancellationToken.None);
        arguments["fail_on_error"] = true;
        var strict = await Action("notify.teams").ExecuteAsync(ctx.Invocation("notify.teams", arguments), CancellationToken.None);

        Assert.Equal(false, Assert.IsType<Succeeded>(lenient).Outputs["delivered"]);
        Assert.IsType<Failed>(strict);
        using var card = JsonDocument.Parse(server.Requests.First().Body);
        Assert.Equal("MessageCard", card.RootElement.GetProperty("@type").GetString());
    }

    [Fact]
    public async Task A_webhook_gets_its_headers_and_its_response_comes_back_as_outputs()
    {
        await using var server = await LoopbackServer.StartAsync((c, _) =>
        {
            c.Response.StatusCode = 202;
            c.Response.ContentType = "application/json";
            return c.Response.WriteAsync("""{"result":"Request will be processed","requestId":"43a2"}""");
        });
        using var ctx = new ActionContext();

        var outcome = await Action("notify.webhook").ExecuteAsync(ctx.Invocation("notify.webhook", new Dictionary<string, object?>
        {
            ["url"] = server.Url + "/v2/alerts",
            ["headers"] = new Dictionary<string, object?> { ["Authorization"] = "GenieKey k3y" } as IReadOnlyDictionary<string, object?>,
            ["json"] = new Dictionary<string, object?> { ["message"] = "api down" } as IReadOnlyDictionary<string, object?>,
        }), CancellationToken.None);

        var succeeded = Assert.IsType<Succeeded>(outcome);
        AssertDeclared("notify.webhook", outcome);
        Assert.Equal(202L, succeeded.Outputs["status"]);
        Assert.Equal("43a2", Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(succeeded.Outputs["json"])["requestId"]);
        Assert.Contains("Request will be processed", (string)succeeded.Outputs["body"]!, StringComparison.Ordinal);
        Assert.Equal("GenieKey k3y", Assert.Single(server.Requests).Headers.Authorization.ToString());
        Assert.Equal("""{"message":"api down"}""", server.Requests.Single().Body);
    }

    [Fact]
    public async Task A_notification_endpoint_that_hangs_is_retried_and_never_fails_the_step()
    {
        await using var server = await LoopbackServer.StartAsync((c, _) => Task.Delay(TimeSpan.FromSeconds(5), c.RequestAborted));
        using var ctx = new ActionContext(httpTimeout: TimeSpan.FromMilliseconds(200));

        var outcome = await Action("notify.slack").ExecuteAsync(ctx.Invocation("notify.slack", new Dictionary<string, object?> { ["webhook"] = server.Url, ["text"] = "x" }),
            CancellationToken.None);

        Assert.Equal(false, Assert.IsType<Succeeded>(outcome).Outputs["delivered"]);
        Assert.Equal(3, server.Requests.Count);
        Assert.Contains(ctx.Lines, l => l.Text.Contains("did not answer in time", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PagerDuty_gets_an_events_v2_trigger_and_returns_the_dedup_key()
    {
        await using var server = await LoopbackServer.StartAsync((c, _) =>
        {
            c.Response.StatusCode = 202;
            c.Response.ContentType = "application/json";
            return c.Response.WriteAsync("""{"status":"success","message":"Event processed","dedup_key":"srv01/HTTP"}""");
        });
        using var ctx = new ActionContext();

        var outcome = await Action("notify.pagerduty").ExecuteAsync(ctx.Invocation("notify.pagerduty", new Dictionary<string, object?>
        {
            ["routing_key"] = "R0UT1NGKEY",
            ["summary"] = "api 5xx above 5%",
            ["severity"] = "critical",
            ["source"] = "api",
            ["url"] = server.Url + "/v2/enqueue",
        }), CancellationToken.None);

        Assert.Equal("srv01/HTTP", Assert.IsType<Succeeded>(outcome).Outputs["dedup_key"]);
        AssertDeclared("notify.pagerduty", outcome);
        using var doc = JsonDocument.Parse(Assert.Single(server.Requests).Body);
        Assert.Equal("R0UT1NGKEY", doc.RootElement.GetProperty("routing_key").GetString());
        Assert.Equal("trigger", doc.RootElement.GetProperty("event_action").GetString());
        Assert.Equal("critical", doc.RootElement.GetProperty("payload").GetProperty("severity").GetString());
        Assert.Equal("api 5xx above 5%", doc.RootElement.GetProperty("payload").GetProperty("summary").GetString());
    }

    /// <summary>Every output an action returns is one the language declares, so playbooks may read it without RB02xx errors.</summary>
    private static void AssertDeclared(string action, StepOutcome outcome)
    {
        var declared = Runbook.Language.Actions.BuiltinActions.All.Single(a => a.Name == action).Outputs.Select(o => o.Name);
        Assert.All(Assert.IsType<Succeeded>(outcome).Outputs.Keys, key => Assert.Contains(key, declared));
    }

    [Fact]
    public void Every_builtin_action_the_language_declares_has_an_implementation_with_declared_outputs()
    {
        var implemented = BuiltinActionRegistry.Create().Select(a => a.Name).ToHashSet();
        var declared = Runbook.Language.Actions.BuiltinActions.All
            .Where(a => !a.IsServiceAction && a.Name is not ("approval" or "playbook.run"))
            .Select(a => a.Name)
            .ToList();

        Assert.All(declared, name => Assert.Contains(name, implemented));
    }
}
