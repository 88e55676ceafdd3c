using Runbook.Execution.Actions;
using Runbook.Execution.Engine;
using Runbook.Execution.Journal;
using Runbook.Execution.Tests.Support;
using Runbook.Tests;

namespace Runbook.Execution.Tests.Actions;

/// <summary>
/// prometheus.alerts, alertmanager.alerts, alertmanager.silence and its rollback against the real Prometheus (rules
/// from a file, HighErrorRate firing at once) and the real Alertmanager it sends to.
/// </summary>
[Collection(MetricsCollection.Name)]
public sealed class AlertActionTests(MetricsStack stack)
{
    private static IStepAction Action(string name) => BuiltinActionRegistry.Create().Single(a => a.Name == name);

    private static IReadOnlyList<IReadOnlyDictionary<string, object?>> Alerts(StepOutcome outcome) =>
        [.. Assert.IsAssignableFrom<IReadOnlyList<object?>>(outcome.Outputs["alerts"]).Cast<IReadOnlyDictionary<string, object?>>()];

    private async Task<StepOutcome> PrometheusAlertsAsync(Dictionary<string, object?> arguments)
    {
        Assert.True(stack.Ready());
        await MetricsStack.WaitUntilAsync(async () =>
            Alerts(await RunAsync("prometheus.alerts", new() { ["url"] = stack.PrometheusUrl, ["username"] = MetricsStack.User, ["password"] = MetricsStack.Password }))
                .Any(a => (string?)a["name"] == "HighErrorRate"), "HighErrorRate to fire");
        return await RunAsync("prometheus.alerts", new(arguments) { ["url"] = stack.PrometheusUrl, ["username"] = MetricsStack.User, ["password"] = MetricsStack.Password });
    }

    private static async Task<StepOutcome> RunAsync(string action, Dictionary<string, object?> arguments)
    {
        using var ctx = new ActionContext();
        return await Action(action).ExecuteAsync(ctx.Invocation(action, arguments), CancellationToken.None);
    }

    private async Task<StepOutcome> AlertmanagerAlertsAsync(object? matchers, bool? silenced = null, string? expect = null)
    {
        Assert.True(stack.Ready());
        await stack.WaitForAlertmanagerAlertAsync("HighErrorRate");
        return await RunAsync("alertmanager.alerts", new() { ["url"] = stack.AlertmanagerUrl, ["matchers"] = matchers, ["silenced"] = silenced, ["expect"] = expect });
    }

    [Fact]
    public async Task Firing_alerts_are_kept_to_those_whose_labels_match()
    {
        var checkout = await PrometheusAlertsAsync(new() { ["labels"] = new Dictionary<string, object?> { ["alertname"] = "HighErrorRate", ["service"] = "checkout" } });
        var search = await PrometheusAlertsAsync(new() { ["labels"] = new Dictionary<string, object?> { ["service"] = "search" } });

        var alert = Assert.Single(Alerts(Assert.IsType<Succeeded>(checkout)));
        Assert.Equal("firing", alert["state"]);
        Assert.Equal("page", ((IReadOnlyDictionary<string, object?>)alert["labels"]!)["severity"]);
        Assert.Equal("5xx above 0.5/s", ((IReadOnlyDictionary<string, object?>)alert["annotations"]!)["summary"]);
        Assert.Equal(1L, checkout.Outputs["count"]);
        ActionOutputContract.AssertAgree("prometheus.alerts", checkout.Outputs);
        Assert.Equal(0L, search.Outputs["count"]);
    }

    [Fact]
    public async Task The_state_filter_separates_pending_from_firing()
    {
        var pending = await PrometheusAlertsAsync(new() { ["state"] = "pending" });
        var firing = await PrometheusAlertsAsync(new() { ["state"] = "firing" });
        var any = await PrometheusAlertsAsync(new() { ["state"] = "any" });

        Assert.Equal(["NeverSettles"], Alerts(pending).Select(a => (string?)a["name"]));
        Assert.DoesNotContain(Alerts(firing), a => (string?)a["name"] == "NeverSettles");
        Assert.Contains(Alerts(any), a => (string?)a["name"] == "NeverSettles");
        Assert.Contains(Alerts(any), a => (string?)a["name"] == "HighErrorRate");
    }

    [Fact]
    public async Task A_count_threshold_fails_naming_the_alerts_that_fire()
    {
        var failed = Assert.IsType<Failed>(await PrometheusAlertsAsync(new() { ["labels"] = new Dictionary<string, object?> { ["service"] = "checkout" }, ["expect"] = "== 0" }));

        Assert.Equal("prometheus.alerts: expected the number of firing alerts == 0, found 1 (HighErrorRate)", failed.Error);
    }

    [Fact]
    public async Task Alertmanager_lists_the_alert_prometheus_sent_for_a_mapping_or_a_list_of_matchers()
    {
        var byMap = await AlertmanagerAlertsAsync(new Dictionary<string, object?> { ["alertname"] = "HighErrorRate", ["service"] = "checkout" });
        var byList = await AlertmanagerAlertsAsync(new List<object?> { "alertname=HighErrorRate", "service=~\"check.*\"", "severity!=ticket" });
        var none = await AlertmanagerAlertsAsync(new List<object?> { "alertname=HighErrorRate", "service!~\"check.*|search\"" });

        Assert.Equal("checkout", ((IReadOnlyDictionary<string, object?>)Assert.Single(Alerts(byMap))["labels"]!)["service"]);
        Assert.Single(Alerts(byList));
        ActionOutputContract.AssertAgree("alertmanager.alerts", byList.Outputs);
        Assert.Equal(0L, none.Outputs["count"]);
    }

    [Fact]
    public async Task A_hostile_matcher_value_is_data_and_matches_nothing()
    {
        var outcome = await AlertmanagerAlertsAsync(new Dictionary<string, object?> { ["alertname"] = "HighErrorRate\",alertname=~\".*" });

        Assert.Equal(0L, Assert.IsType<Succeeded>(outcome).Outputs["count"]);
    }

    [Fact]
    public async Task A_matcher_that_is_not_one_is_refused_with_the_forms_it_takes()
    {
        var failed = Assert.IsType<Failed>(await RunAsync("alertmanager.alerts", new() { ["url"] = "http://127.0.0.1:1", ["matchers"] = new List<object?> { "service" } }));

        Assert.Equal("alertmanager.alerts: matcher 'service' is not 'name=value', 'name!=value', 'name=~regex' or 'name!~regex'", failed.Error);
    }

    [Fact]
    public async Task A_silence_is_created_seen_by_alertmanager_alerts_and_expired_by_its_rollback_when_a_later_step_fails()
    {
        Assert.True(stack.Ready());
        await stack.WaitForAlertmanagerAlertAsync("HighErrorRate");
        await using var harness = new ExecutorHarness([.. BuiltinActionRegistry.Create().Where(a => a.Name != "run"),
            new FakeAction("run", _ => StepOutcome.Failure("the deploy broke", retryable: false))]);
        var yaml = $$$"""
            apiVersion: runbook/v1
            kind: Playbook
            name: silence-then-fail
            inputs:
              am: { type: string }
            phases:
              mitigate:
                - id: quiet
                  uses: alertmanager.silence
                  with:
                    url: "${{ inputs.am }}"
                    matchers: { alertname: HighErrorRate, service: checkout }
                    duration: 30m
                - id: seen
                  uses: alertmanager.alerts
                  with:
                    url: "${{ inputs.am }}"
                    matchers: [ "alertname=HighErrorRate", "service=checkout" ]
                    expect: "== 1"
                - id: deploy
                  run: ./deploy.sh
            """;

        var result = await harness.RunAsync(yaml, new Dictionary<string, string> { ["am"] = stack.AlertmanagerUrl });

        var state = await harness.StateAsync(result.RunId);
        var id = Assert.IsType<string>(state.Step("quiet").Outputs["id"]);
        var seen = Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(Assert.Single(Assert.IsAssignableFrom<IReadOnlyList<object?>>(state.Step("seen").Outputs["alerts"])));
        Assert.Equal("suppressed", seen["state"]);
        Assert.Equal([id], Assert.IsAssignableFrom<IReadOnlyList<object?>>(seen["silenced_by"]));
        Assert.Equal(RunStatus.RolledBack, result.Status);
        Assert.Equal("expired", await stack.SilenceStateAsync(id));
        Assert.True(state.Step("quiet").Compensated);
    }

    [Fact]
    public async Task A_silence_says_who_made_it_and_why_by_default()
    {
        Assert.True(stack.Ready());
        await using var harness = new ExecutorHarness([.. BuiltinActionRegistry.Create()]);
        var result = await harness.RunAsync("""
            apiVersion: runbook/v1
            kind: Playbook
            name: quiet-search
            inputs:
              am: { type: string }
            phases:
              mitigate:
                - id: quiet
                  uses: alertmanager.silence
                  with: { url: "${{ inputs.am }}", matchers: [ "service=search" ], duration: 1h }
            """, new Dictionary<string, string> { ["am"] = stack.AlertmanagerUrl });

        Assert.Equal(RunStatus.Succeeded, result.Status);
        var quiet = (await harness.StateAsync(result.RunId)).Step("quiet").Outputs;
        ActionOutputContract.AssertAgree("alertmanager.silence", quiet);
        var id = (string)quiet["id"]!;
        using var silence = System.Text.Json.JsonDocument.Parse(await stack.Http.GetStringAsync($"{stack.AlertmanagerUrl}/api/v2/silence/{id}"));
        Assert.Equal("alice", silence.RootElement.GetProperty("createdBy").GetString());
        Assert.Equal($"runbook quiet-search run {result.RunId}", silence.RootElement.GetProperty("comment").GetString());
        var expire = await RunAsync("alertmanager.expire", new() { ["url"] = stack.AlertmanagerUrl, ["id"] = id });
        var again = await RunAsync("alertmanager.expire", new() { ["url"] = stack.AlertmanagerUrl, ["id"] = id });
        ActionOutputContract.AssertAgree("alertmanager.expire", Assert.IsType<Succeeded>(expire).Outputs);
        Assert.IsType<Succeeded>(again);
        Assert.Equal("expired", await stack.SilenceStateAsync(id));
    }

    [Fact]
    public async Task A_dry_run_says_which_silence_would_be_created_and_creates_none()
    {
        Assert.True(stack.Ready());
        await using var harness = new ExecutorHarness([.. BuiltinActionRegistry.Create()]);
        var before = await stack.Http.GetStringAsync($"{stack.AlertmanagerUrl}/api/v2/silences");

        var result = await harness.RunAsync("""
            apiVersion: runbook/v1
            kind: Playbook
            name: quiet-dry
            inputs:
              am: { type: string }
            phases:
              mitigate:
                - id: quiet
                  uses: alertmanager.silence
                  with: { url: "${{ inputs.am }}", matchers: { alertname: DryRunOnly }, duration: 2h, comment: "db failover" }
            """, new Dictionary<string, string> { ["am"] = stack.AlertmanagerUrl }, dryRun: true);

        var skipped = harness.Observer.Events.OfType<StepFinishedEvent>().Single(e => e.StepId == "quiet");
        Assert.Matches($"^would silence alerts matching \\{{alertname=\"DryRunOnly\"\\}} on {stack.AlertmanagerUrl} for 2h \\(until .+Z\\), created by alice: db failover$", skipped.Preview);
        Assert.Equal(before, await stack.Http.GetStringAsync($"{stack.AlertmanagerUrl}/api/v2/silences"));
    }

    [Fact]
    public async Task A_silence_alertmanager_refuses_fails_with_its_reason()
    {
        Assert.True(stack.Ready());
        var failed = Assert.IsType<Failed>(await RunAsync("alertmanager.silence", new()
        {
            ["url"] = stack.AlertmanagerUrl,
            ["matchers"] = new List<object?> { "alertname=~\".*\"" },
            ["duration"] = "1h",
            ["created_by"] = "alice",
            ["comment"] = "everything",
        }));

        Assert.StartsWith($"alertmanager.silence: {stack.AlertmanagerUrl} rejected the request (HTTP 400): ", failed.Error, StringComparison.Ordinal);
        Assert.Contains("empty", failed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Expiring_a_silence_that_does_not_exist_fails_naming_the_id()
    {
        Assert.True(stack.Ready());
        var failed = Assert.IsType<Failed>(await RunAsync("alertmanager.expire", new() { ["url"] = stack.AlertmanagerUrl, ["id"] = "00000000-0000-0000-0000-000000000000" }));

        Assert.Contains("00000000-0000-0000-0000-000000000000", failed.Error, StringComparison.Ordinal);
    }
}
