using System.Collections.Immutable;
using Runbook.Language.Diagnostics;
using Runbook.Language.Model;
using O = Runbook.Language.Actions.OutputDescriptor;

namespace Runbook.Language.Actions;

/// <summary>
/// Prometheus and Alertmanager over their HTTP APIs: measure (instant and range queries, with <c>expect:</c>
/// thresholds), list alerts, and silence alerts for the length of an intervention (undone by expiring the silence).
/// </summary>
public static class MetricsActions
{
    /// <summary>PromQL has no bind parameters: values come in labels: and the query names them $name (see <see cref="PromQlTemplate"/>).</summary>
    private static readonly CodeLanguage PromQl = new("PromQL", "labels", "${name}");

    private static ActionDescriptor Action(string name, string summary, bool mutates, string plan, ImmutableArray<OutputDescriptor> outputs, ImmutableArray<ParameterDescriptor> parameters) =>
        new(name, summary, mutates, parameters, outputs, plan);

    private static ParameterDescriptor Req(string name, ParameterType type, string description) => new(name, type, true, description);

    private static ParameterDescriptor Opt(string name, ParameterType type, string description) => new(name, type, false, description);

    private static readonly ArgumentRule ThresholdRule = new(Descriptors.InvalidThreshold,
        (_, text) => Threshold.Parse(text, out var problem) is null ? problem : null,
        $"write {Threshold.Grammar}");

    /// <summary>A literal query's $name placeholders and the keys of a literal labels: mapping must match.</summary>
    private static readonly ArgumentRule PlaceholderRule = new(Descriptors.QueryPlaceholderMismatch,
        (uses, query) => uses.Find("labels")?.Value switch
        {
            null => PromQlTemplate.Mismatch(query, []),
            MapArgument labels => PromQlTemplate.Mismatch(query, labels.Entries.Select(e => e.Name)),
            _ => null,
        },
        "write $name in the query where the value goes (service=$service) and give it under labels: { service: \"${{ inputs.service }}\" }");

    private static ParameterDescriptor Url(string what) =>
        Req("url", ParameterType.String, $"Base URL of {what} (an input or an environment setting), such as http://{what.ToLowerInvariant()}:{(what == "Prometheus" ? 9090 : 9093)}.");

    private static readonly ParameterDescriptor[] Access =
    [
        Opt("token", ParameterType.String, "Bearer token (a secret input)."),
        Opt("username", ParameterType.String, "User for basic auth."),
        Opt("password", ParameterType.String, "Password for basic auth (a secret input)."),
        Opt("timeout", ParameterType.Duration, "Request timeout (default 30s)."),
    ];

    private static readonly ParameterDescriptor Query =
        Req("query", ParameterType.String, "PromQL; values are written $name and given in labels:, never spliced into the text.") with { Code = PromQl, Rule = PlaceholderRule };

    private static readonly ParameterDescriptor Labels =
        Opt("labels", ParameterType.Map, "Values for the query's $name placeholders; each goes in as one quoted, escaped PromQL string.");

    private static readonly ParameterDescriptor Expect =
        Opt("expect", ParameterType.String, "A threshold every measured value must meet, such as \"< 0.01\" or \">= 99.9\"; the step fails with the value when one does not, and on no data.") with { Rule = ThresholdRule };

    private static readonly ParameterDescriptor Matchers =
        Req("matchers", ParameterType.Any, "Label matchers: a mapping (name: value, equality) or a list of 'name=value', 'name!=value', 'name=~regex', 'name!~regex'.");

    public static ImmutableArray<ActionDescriptor> All { get; } =
    [
        Action("prometheus.query", "Evaluate a PromQL query at one instant; typed values, and an optional expect: threshold.", false, "query {url}: {query} (expect {expect})",
            [O.Number("value"), O.Text("value_text"), O.List("series"), O.Text("result_type"), O.Integer("count")],
            [Url("Prometheus"), Query, Labels, Expect, Opt("time", ParameterType.String, "Evaluation time (RFC 3339 or Unix seconds; default now)."), .. Access]),
        Action("prometheus.query_range", "Evaluate a PromQL query over a window; every sample is held to expect:.", false, "query {url} over {range}: {query} (expect {expect})",
            [O.Number("value"), O.Text("value_text"), O.List("series"), O.Text("result_type"), O.Integer("count")],
            [Url("Prometheus"), Query, Labels, Expect,
                Opt("range", ParameterType.Duration, "The window, ending now (default 1h)."),
                Opt("step", ParameterType.Duration, "Resolution (default 1m)."), .. Access]),
        Action("prometheus.alerts", "List Prometheus alerts, filtered by labels and state.", false, "alerts on {url} ({state}) matching {labels}",
            [O.List("alerts"), O.Integer("count")],
            [Url("Prometheus"),
                Opt("labels", ParameterType.Map, "Labels an alert must have, with these values (alertname included)."),
                Opt("state", ParameterType.String, "firing, pending or any (default firing)."),
                Opt("expect", ParameterType.String, "A threshold on the number of matching alerts, such as \"== 0\".") with { Rule = ThresholdRule },
                .. Access]),
        Action("alertmanager.alerts", "List Alertmanager's alerts for matchers, with whether each is silenced or inhibited.", false, "alerts on {url} matching {matchers}",
            [O.List("alerts"), O.Integer("count")],
            [Url("Alertmanager"), Matchers with { Required = false },
                Opt("silenced", ParameterType.Boolean, "Include silenced alerts (default true)."),
                Opt("inhibited", ParameterType.Boolean, "Include inhibited alerts (default true)."),
                Opt("expect", ParameterType.String, "A threshold on the number of matching alerts, such as \"== 0\".") with { Rule = ThresholdRule },
                .. Access]),
        Action("alertmanager.silence", "Silence alerts matching matchers for a duration; the rollback expires the silence.", true, "silence {matchers} on {url} for {duration}",
            [O.Text("id"), O.Text("starts_at"), O.Text("ends_at")],
            [Url("Alertmanager"), Matchers,
                Req("duration", ParameterType.Duration, "How long the silence lasts."),
                Opt("comment", ParameterType.String, "Why (default names the playbook and the run).") with { Default = "runbook ${{ run.playbook }} run ${{ run.id }}" },
                Opt("created_by", ParameterType.String, "Who silences (default the run's initiator).") with { Default = "${{ run.initiator }}" },
                .. Access]) with
        {
            DefaultRollback = new("alertmanager.expire", ["url", "token", "username", "password", "timeout"],
                ImmutableDictionary<string, string>.Empty.Add("id", "id")),
        },
        Action("alertmanager.expire", "Expire a silence now (the rollback of alertmanager.silence).", true, "expire silence {id} on {url}",
            [O.Text("id"), O.Boolean("expired")],
            [Url("Alertmanager"), Req("id", ParameterType.String, "The silence id (alertmanager.silence's output)."), .. Access]),
    ];
}
