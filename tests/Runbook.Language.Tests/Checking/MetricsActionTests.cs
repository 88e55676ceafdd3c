using System.Text;
using Runbook.Language.Actions;
using Runbook.Language.Diagnostics;
using Runbook.Language.Model;

namespace Runbook.Language.Tests.Checking;

/// <summary>
/// The checker and binder on the metrics actions: PromQL is code (RB0312), placeholders and labels: must match
/// (RB0320), expect: is a threshold (RB0319), a silence mutates (RB0301 in assess/gather) and brings its own rollback.
/// </summary>
public sealed class MetricsActionTests
{
    private static LoadedPlaybook Load(string phase, string step) => PlaybookLoader.Load("p.yaml", Encoding.UTF8.GetBytes($$"""
        apiVersion: runbook/v1
        kind: Playbook
        name: p
        inputs:
          service: { type: string, default: checkout }
          am: { type: string, default: "http://127.0.0.1:9093" }
        phases:
          {{phase}}:
            - id: probe
        {{step}}
        """), ActionCatalog.Create([]));

    private static IReadOnlyList<Diagnostic> Errors(string step, string phase = "resolve") => [.. Load(phase, step).Diagnostics.Where(d => d.IsError)];

    private static string Query(string query, string more = "") =>
        $"      uses: prometheus.query\n      with:\n        url: http://p:9090\n        query: '{query}'{more}";

    [Theory]
    [InlineData("up{service=\"${{ inputs.service }}\"}")]
    [InlineData("${{ inputs.service }}")]
    [InlineData("rate(x[5m]) > ${{ inputs.service }}")]
    public void An_expression_inside_a_query_is_refused_with_the_labels_fix(string query)
    {
        var error = Assert.Single(Errors(Query(query)));

        Assert.Equal("RB0312", error.Code);
        Assert.Contains("write $service in the query and pass the value as labels: { service: \"${{ inputs.service }}\" }", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void A_placeholder_with_its_value_in_labels_is_accepted()
    {
        Assert.Empty(Errors(Query("up{service=$service}", "\n        labels: { service: \"${{ inputs.service }}\" }")));
    }

    [Theory]
    [InlineData("up{service=$service}", "", "the query uses $service, and labels gives it no value")]
    [InlineData("up{service=$service}", "\n        labels: { servce: x }", "the query uses $service, and labels gives it no value")]
    [InlineData("up", "\n        labels: { service: x }", "labels gives 'service', and the query has no $service")]
    public void Placeholders_and_labels_that_do_not_match_are_RB0320(string query, string labels, string message)
    {
        var error = Assert.Single(Errors(Query(query, labels)));

        Assert.Equal("RB0320", error.Code);
        Assert.Equal($"'query' of 'prometheus.query': {message}", error.Message);
    }

    [Theory]
    [InlineData("up{path=\"/a/$notplaceholder\"}")]
    [InlineData("up # costs $nothing")]
    [InlineData("sum(x) by (job)")]
    public void A_dollar_inside_a_promql_string_or_comment_is_not_a_placeholder(string query)
    {
        Assert.Empty(Errors(Query(query)));
    }

    [Theory]
    [InlineData("under 1%", "'under 1%' does not start with an operator")]
    [InlineData("<", "'<' has no number after '<'")]
    [InlineData("< ten", "'ten' in '< ten' is not a finite number")]
    [InlineData("=> 5", "'=> 5' does not start with an operator")]
    [InlineData("< NaN", "'NaN' in '< NaN' is not a finite number")]
    public void An_expect_that_is_not_a_threshold_is_RB0319_with_the_grammar(string expect, string problem)
    {
        var error = Assert.Single(Errors(Query("up", $"\n        expect: \"{expect}\"")));

        Assert.Equal("RB0319", error.Code);
        Assert.Equal($"'expect' of 'prometheus.query': {problem}", error.Message);
        Assert.Equal("write an operator (<, <=, >, >=, ==, !=) and a number, such as \"< 0.01\" or \">= 99.9\"", error.Fix);
    }

    [Theory]
    [InlineData("< 0.01")]
    [InlineData(">= 99.9")]
    [InlineData("== 0")]
    [InlineData("!= 0")]
    [InlineData("<=1e-3")]
    [InlineData("> -5")]
    public void Each_operator_with_a_number_is_a_threshold(string expect)
    {
        Assert.Empty(Errors(Query("up", $"\n        expect: \"{expect}\"")));
    }

    [Theory]
    [InlineData("assess")]
    [InlineData("gather")]
    public void A_silence_in_a_read_only_phase_is_RB0301(string phase)
    {
        var error = Assert.Single(Errors("      uses: alertmanager.silence\n      with: { url: http://am, matchers: { alertname: X }, duration: 1h }", phase));

        Assert.Equal("RB0301", error.Code);
        Assert.Contains("'alertmanager.silence' mutates", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_silence_without_rollback_gets_its_expiry_as_the_rollback_reading_its_own_id()
    {
        var loaded = Load("mitigate", "      uses: alertmanager.silence\n      with: { url: \"${{ inputs.am }}\", token: x, matchers: { alertname: X }, duration: 1h }");

        Assert.DoesNotContain(loaded.Diagnostics, d => d.IsError || d.Code == "RB0302");
        var step = loaded.Playbook!.Steps.Single();
        var rollback = Assert.IsType<UsesAction>(step.Rollback!.Action);
        Assert.Equal("alertmanager.expire", rollback.Name);
        Assert.Equal(["url ${{ inputs.am }}", "token x", "id ${{ steps.probe.outputs.id }}"], rollback.With.Select(a => $"{a.Name} {a.Value.Raw}"));
    }

    [Fact]
    public void A_rollback_the_step_writes_wins_over_the_default()
    {
        var loaded = Load("mitigate", "      uses: alertmanager.silence\n      with: { url: http://am, matchers: { alertname: X }, duration: 1h }\n      rollback: { run: echo undone }");

        Assert.IsType<RunAction>(loaded.Playbook!.Steps.Single().Rollback!.Action);
    }

    [Fact]
    public void Created_by_and_comment_default_to_the_run()
    {
        var loaded = Load("mitigate", "      uses: alertmanager.silence\n      with: { url: http://am, matchers: { alertname: X }, duration: 1h, comment: planned }");

        var uses = Assert.IsType<UsesAction>(loaded.Playbook!.Steps.Single().Action);
        Assert.Equal("${{ run.initiator }}", uses.Find("created_by")!.Value.Raw);
        Assert.Equal("planned", uses.Find("comment")!.Value.Raw);
    }

    [Fact]
    public void Only_the_silence_brings_a_default_rollback()
    {
        Assert.Equal(["alertmanager.silence"], ActionCatalog.Create([]).Actions.Where(a => a.DefaultRollback is not null).Select(a => a.Name));
    }

    [Theory]
    [InlineData("\"}) or vector(1) #", "\"\\\"}) or vector(1) #\"")]
    [InlineData("a\\b", "\"a\\\\b\"")]
    [InlineData("line\nbreak", "\"line\\nbreak\"")]
    [InlineData("\u0001", "\"\\u0001\"")]
    public void A_value_becomes_one_quoted_promql_string(string value, string quoted)
    {
        Assert.Equal($"up{{service={quoted}}}", PromQlTemplate.Render("up{service=$service}", new Dictionary<string, string> { ["service"] = value }));
    }
}
