using System.Collections.Immutable;
using O = Runbook.Language.Actions.OutputDescriptor;

namespace Runbook.Language.Actions;

/// <summary>The actions every installation has, whatever the provider.</summary>
public static class BuiltinActions
{
    private static ParameterDescriptor Req(string name, ParameterType type, string description) => new(name, type, true, description);

    private static ParameterDescriptor Opt(string name, ParameterType type, string description) => new(name, type, false, description);

    private static ActionDescriptor Action(string name, string summary, bool mutates, string plan, ImmutableArray<OutputDescriptor> outputs, params ParameterDescriptor[] parameters) =>
        new(name, summary, mutates, [.. parameters], outputs, plan);

    /// <summary>sql.query's query: values go in as bind parameters, never as text.</summary>
    private static readonly CodeLanguage Sql = new("SQL", "parameters", "@{name}");

    private static readonly ParameterDescriptor[] NotifyCommon =
    [
        Opt("text", ParameterType.String, "The message; may hold ${{ }} expressions."),
        Opt("template", ParameterType.String, "A Scriban template file rendered with the same context, instead of text; inside the playbook's folder or the templates folder of runbook.yaml.") with { IsFile = true },
        Opt("fail_on_error", ParameterType.Boolean, "Fail the step when the notification cannot be delivered (default false)."),
    ];

    public static ImmutableArray<ActionDescriptor> All { get; } =
    [
        Action("http.request", "Send an HTTP request and capture the response.", true, "{method} {url}",
            [O.Integer("status"), O.Object("headers"), O.Text("body"), O.Json("json")],
            Req("url", ParameterType.String, "Absolute http(s) URL."),
            Opt("method", ParameterType.String, "HTTP method (default GET)."),
            Opt("headers", ParameterType.Map, "Request headers."),
            Opt("body", ParameterType.String, "Request body as text."),
            Opt("json", ParameterType.Any, "Request body as JSON."),
            Opt("timeout", ParameterType.Duration, "Request timeout (default 30s)."),
            Opt("expect_status", ParameterType.StatusCodes, "Expected status code or list of codes.")),
        Action("http.check", "Check an HTTP endpoint's status, body or JSON value (read-only).", false, "check {url} (expect {expect_status})",
            [O.Integer("status"), O.Object("headers"), O.Text("body"), O.Json("json")],
            Req("url", ParameterType.String, "Absolute http(s) URL."),
            Opt("method", ParameterType.String, "HTTP method (default GET)."),
            Opt("headers", ParameterType.Map, "Request headers."),
            Opt("timeout", ParameterType.Duration, "Request timeout (default 10s)."),
            Opt("expect_status", ParameterType.StatusCodes, "Expected status code or list of codes (default 200)."),
            Opt("expect_body_contains", ParameterType.String, "Text the body must contain."),
            Opt("expect_json", ParameterType.Map, "JSON paths and the values they must hold.")),
        Action("sql.query", "Run a parameterised PostgreSQL query (read-only unless the step says mutates: true).", false, "query {connection}: {query}",
            [O.List("rows"), O.Integer("row_count"), O.Boolean("truncated")],
            Req("connection", ParameterType.String, "Connection string (usually a secret input)."),
            Req("query", ParameterType.String, "SQL with @name parameters; values are never spliced into the text.") with { Code = Sql },
            Opt("parameters", ParameterType.Map, "Parameter values by name; a list binds as an array (= ANY(@ids)), a mapping as JSON text (@doc::jsonb)."),
            Opt("max_rows", ParameterType.Number, "Rows kept in the output (default 100)."),
            Opt("statement_timeout", ParameterType.Duration, "Server-side statement timeout (default 30s).")),
        Action("notify.console", "Print a message to the operator's terminal.", false, "print: {text}", [], NotifyCommon),
        Action("notify.slack", "Post to a Slack incoming webhook.", false, "post to Slack: {text}", [O.Boolean("delivered"), O.Integer("status")],
            [Req("webhook", ParameterType.String, "Incoming-webhook URL (a secret input)."), Opt("channel", ParameterType.String, "Channel override."), .. NotifyCommon]),
        Action("notify.teams", "Post to a Microsoft Teams incoming webhook.", false, "post to Teams: {text}", [O.Boolean("delivered"), O.Integer("status")],
            [Req("webhook", ParameterType.String, "Incoming-webhook URL (a secret input)."), Opt("title", ParameterType.String, "Card title."), .. NotifyCommon]),
        Action("notify.webhook", "POST a JSON payload to a webhook.", false, "POST {url}: {text}", [O.Boolean("delivered"), O.Integer("status"), O.Text("body"), O.Json("json")],
            [Req("url", ParameterType.String, "Webhook URL."), Opt("headers", ParameterType.Map, "Request headers."), Opt("json", ParameterType.Any, "Payload instead of {text}."), .. NotifyCommon]),
        Action("notify.pagerduty", "Trigger, acknowledge or resolve a PagerDuty incident (Events API v2).", false, "PagerDuty event: {summary}", [O.Text("dedup_key"), O.Boolean("delivered"), O.Integer("status")],
            Req("routing_key", ParameterType.String, "Integration routing key (a secret input)."),
            Opt("event_action", ParameterType.String, "trigger | acknowledge | resolve (default trigger)."),
            Opt("summary", ParameterType.String, "Incident summary."),
            Opt("severity", ParameterType.String, "critical | error | warning | info."),
            Opt("source", ParameterType.String, "Affected system."),
            Opt("dedup_key", ParameterType.String, "Deduplication key."),
            Opt("url", ParameterType.String, "Events API endpoint (default https://events.pagerduty.com/v2/enqueue; EU accounts: https://events.eu.pagerduty.com/v2/enqueue)."),
            Opt("fail_on_error", ParameterType.Boolean, "Fail the step when the event cannot be delivered.")),
        Action("approval", "Wait for people to approve before the run goes on.", false, "wait for approval: {message}", [O.List("approvers")],
            Opt("message", ParameterType.String, "What the approvers are asked.")),
        Action("wait.sleep", "Wait for a fixed time.", false, "wait {duration}", [],
            Req("duration", ParameterType.Duration, "How long to wait.")),
        Action("wait.until", "Poll a condition or an HTTP check until it holds or the timeout passes.", false, "wait until {condition} (every {interval}, up to {timeout})", [O.Integer("attempts")],
            Opt("condition", ParameterType.Any, "An expression that must become true."),
            Opt("url", ParameterType.String, "An HTTP endpoint to check instead."),
            Opt("expect_status", ParameterType.StatusCodes, "Expected status for url (default 200)."),
            Opt("interval", ParameterType.Duration, "Time between polls (default 5s)."),
            Req("timeout", ParameterType.Duration, "Give up after this long.")),
        Action("assert", "Fail the step unless a condition holds.", false, "assert {condition}", [],
            Req("condition", ParameterType.Any, "An expression that must be true."),
            Opt("message", ParameterType.String, "Why it must hold, shown when it does not.")),
        Action("playbook.run", "Run another playbook with inputs; its outputs come back, its rollbacks join this run's.", true, "run playbook {path}", [O.Object("outputs"), O.Text("status"), O.Text("run_id")],
            Req("path", ParameterType.String, "Path of the playbook, relative to this file and inside its folder.") with { IsFile = true },
            Opt("inputs", ParameterType.Map, "Inputs for it.")),
        .. ServiceActions.All,
        .. MetricsActions.All,
        .. TlsActions.All,
        .. DataActions.All,
    ];
}
