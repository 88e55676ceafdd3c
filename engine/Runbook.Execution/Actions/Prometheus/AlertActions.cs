using System.Globalization;
using System.Text;
using System.Text.Json;
using Runbook.Language.Actions;
using Runbook.Language.Model;

namespace Runbook.Execution.Actions.Prometheus;

/// <summary>prometheus.alerts: /api/v1/alerts, kept to the alerts whose labels match and whose state is asked for.</summary>
internal sealed class PrometheusAlertsAction : IStepAction
{
    public string Name => "prometheus.alerts";

    public async ValueTask<StepOutcome> ExecuteAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        if (MetricsApi.For(invocation, out var urlError) is not { } api)
        {
            return StepOutcome.Failure(urlError!, retryable: false);
        }

        if (!MetricsArguments.TryThreshold(invocation, out var threshold, out var thresholdError))
        {
            return StepOutcome.Failure(thresholdError!, retryable: false);
        }

        var state = (invocation.GetString("state") ?? "firing").Trim().ToLowerInvariant();
        if (state is not ("firing" or "pending" or "any"))
        {
            return StepOutcome.Failure($"{Name}: state '{state}' is not firing, pending or any", retryable: false);
        }

        var wanted = MetricsArguments.Labels(invocation);
        var response = await api.GetAsync("/api/v1/alerts", [], cancellationToken).ConfigureAwait(false);
        if (response.Problem is not null)
        {
            return StepOutcome.Failure(response.Problem, retryable: response.Status == 0 || (int)response.Status >= 500);
        }

        var alerts = new List<object?>();
        try
        {
            using var doc = JsonDocument.Parse(response.Body);
            foreach (var alert in doc.RootElement.GetProperty("data").GetProperty("alerts").EnumerateArray())
            {
                var labels = Strings(alert.GetProperty("labels"));
                var alertState = alert.GetProperty("state").GetString() ?? string.Empty;
                if ((state != "any" && alertState != state) || wanted.Any(w => Values.ToText(labels.GetValueOrDefault(w.Key)) != w.Value || !labels.ContainsKey(w.Key)))
                {
                    continue;
                }

                alerts.Add(new Dictionary<string, object?>(StringComparer.Ordinal)
                {
                    ["name"] = labels.GetValueOrDefault("alertname"),
                    ["state"] = alertState,
                    ["labels"] = labels,
                    ["annotations"] = alert.TryGetProperty("annotations", out var a) ? Strings(a) : new Dictionary<string, object?>(),
                    ["active_at"] = alert.TryGetProperty("activeAt", out var at) ? at.GetString() : null,
                    ["value"] = alert.TryGetProperty("value", out var v) && v.GetString() is { } text && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
                        ? MetricsApi.Output(number) : null,
                });
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException)
        {
            return StepOutcome.Failure($"{Name}: {api.Target} answered with something that is not Prometheus' alert list ({ex.Message}); check that url is Prometheus", retryable: false);
        }

        return AlertOutcome.Of(Name, alerts, threshold, state == "any" ? "alerts" : $"{state} alerts", invocation);
    }

    internal static Dictionary<string, object?> Strings(JsonElement map) =>
        map.ValueKind == JsonValueKind.Object
            ? map.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.ToString(), StringComparer.Ordinal)
            : [];
}

/// <summary>alertmanager.alerts: /api/v2/alerts filtered by matchers, each with whether it is silenced or inhibited and by what.</summary>
internal sealed class AlertmanagerAlertsAction : IStepAction
{
    public string Name => "alertmanager.alerts";

    public async ValueTask<StepOutcome> ExecuteAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        if (MetricsApi.For(invocation, out var urlError) is not { } api)
        {
            return StepOutcome.Failure(urlError!, retryable: false);
        }

        if (!MetricsArguments.TryThreshold(invocation, out var threshold, out var thresholdError))
        {
            return StepOutcome.Failure(thresholdError!, retryable: false);
        }

        IReadOnlyList<Matcher> matchers;
        try
        {
            matchers = invocation.Get("matchers") is null ? [] : Matcher.ParseAll(invocation.Get("matchers"));
        }
        catch (FormatException ex)
        {
            return StepOutcome.Failure($"{Name}: {ex.Message}", retryable: false);
        }

        var query = matchers.Select(m => new KeyValuePair<string, string>("filter", m.ToString())).ToList();
        query.Add(new("silenced", Flag(invocation, "silenced")));
        query.Add(new("inhibited", Flag(invocation, "inhibited")));
        query.Add(new("active", "true"));
        var response = await api.GetAsync("/api/v2/alerts", query, cancellationToken).ConfigureAwait(false);
        if (response.Problem is not null)
        {
            return StepOutcome.Failure(response.Problem, retryable: response.Status == 0 || (int)response.Status >= 500);
        }

        var alerts = new List<object?>();
        try
        {
            using var doc = JsonDocument.Parse(response.Body);
            foreach (var alert in doc.RootElement.EnumerateArray())
            {
                var labels = PrometheusAlertsAction.Strings(alert.GetProperty("labels"));
                var status = alert.GetProperty("status");
                alerts.Add(new Dictionary<string, object?>(StringComparer.Ordinal)
                {
                    ["name"] = labels.GetValueOrDefault("alertname"),
                    ["state"] = status.GetProperty("state").GetString(),
                    ["silenced"] = status.GetProperty("silencedBy").GetArrayLength() > 0,
                    ["silenced_by"] = status.GetProperty("silencedBy").EnumerateArray().Select(s => (object?)s.GetString()).ToList(),
                    ["inhibited_by"] = status.GetProperty("inhibitedBy").EnumerateArray().Select(s => (object?)s.GetString()).ToList(),
                    ["labels"] = labels,
                    ["annotations"] = alert.TryGetProperty("annotations", out var a) ? PrometheusAlertsAction.Strings(a) : new Dictionary<string, object?>(),
                    ["starts_at"] = alert.TryGetProperty("startsAt", out var s) ? s.GetString() : null,
                    ["ends_at"] = alert.TryGetProperty("endsAt", out var e) ? e.GetString() : null,
                    ["fingerprint"] = alert.TryGetProperty("fingerprint", out var f) ? f.GetString() : null,
                });
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException)
        {
            return StepOutcome.Failure($"{Name}: {api.Target} answered with something that is not Alertmanager's alert list ({ex.Message}); check that url is Alertmanager (API v2)", retryable: false);
        }

        return AlertOutcome.Of(Name, alerts, threshold, "alerts", invocation);
    }

    private static string Flag(StepInvocation invocation, string name) =>
        invocation.Get(name) is { } value && !Runbook.Language.Expressions.Evaluation.ExpressionValues.Truthy(value) ? "false" : "true";
}

internal static class AlertOutcome
{
    /// <summary>The alerts and their count; with expect:, the count must meet the threshold (the names in the message say which).</summary>
    public static StepOutcome Of(string action, List<object?> alerts, Threshold? threshold, string what, StepInvocation invocation)
    {
        var outputs = new Dictionary<string, object?>(StringComparer.Ordinal) { ["alerts"] = alerts, ["count"] = (long)alerts.Count };
        var names = string.Join(", ", alerts.Select(a => Values.ToText(((IReadOnlyDictionary<string, object?>)a!)["name"])).Distinct().Take(10));
        invocation.Log.Line(LogStream.Info, $"{alerts.Count} {what}{(alerts.Count > 0 ? ": " + names : string.Empty)}");
        return threshold is null || threshold.Holds(alerts.Count) ? StepOutcome.Success(outputs)
            : StepOutcome.Failure($"{action}: expected the number of {what} {threshold}, found {alerts.Count}{(alerts.Count > 0 ? " (" + names + ")" : string.Empty)}", outputs);
    }
}

/// <summary>
/// One Alertmanager label matcher: name, operator (=, !=, =~, !~) and value. Playbooks give a mapping
/// (name: value, equality) or a list of 'name=value' texts; the value travels as data (JSON for a silence, a quoted
/// and escaped matcher for a filter), never as matcher syntax.
/// </summary>
internal sealed record Matcher(string Name, string Operator, string Value)
{
    private static readonly string[] Operators = ["=~", "!~", "!=", "="];

    public bool IsRegex => Operator is "=~" or "!~";

    public bool IsEqual => Operator is "=" or "=~";

    public static IReadOnlyList<Matcher> ParseAll(object? value)
    {
        var matchers = value switch
        {
            IReadOnlyDictionary<string, object?> map => map.Select(m => new Matcher(CheckName(m.Key), "=", Values.ToText(m.Value))).ToList(),
            IReadOnlyList<object?> list => list.Select(i => Parse(Values.ToText(i))).ToList(),
            string one => [Parse(one)],
            _ => throw new FormatException("matchers must be a mapping (name: value) or a list of 'name=value', 'name!=value', 'name=~regex', 'name!~regex'"),
        };
        return matchers.Count > 0 ? matchers : throw new FormatException("matchers is empty; name at least one label, such as alertname: HighErrorRate");
    }

    public static Matcher Parse(string text)
    {
        var trimmed = text.Trim();
        var nameEnd = 0;
        while (nameEnd < trimmed.Length && (char.IsAsciiLetterOrDigit(trimmed[nameEnd]) || trimmed[nameEnd] == '_'))
        {
            nameEnd++;
        }

        var rest = trimmed[nameEnd..].TrimStart();
        var op = Operators.FirstOrDefault(o => rest.StartsWith(o, StringComparison.Ordinal));
        if (nameEnd == 0 || op is null)
        {
            throw new FormatException($"matcher '{text}' is not 'name=value', 'name!=value', 'name=~regex' or 'name!~regex'");
        }

        var value = rest[op.Length..].Trim();
        if (value.Length >= 2 && value[0] == '"' && value[^1] == '"')
        {
            value = Unquote(value[1..^1]);
        }

        return new Matcher(CheckName(trimmed[..nameEnd]), op, value);
    }

    private static string CheckName(string name) =>
        name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_')
            ? name
            : throw new FormatException($"'{name}' is not a label name (letters, digits and _, not starting with a digit)");

    private static string Unquote(string text)
    {
        var result = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            result.Append(text[i] == '\\' && i + 1 < text.Length ? text[++i] switch { 'n' => '\n', var c => c } : text[i]);
        }

        return result.ToString();
    }

    /// <summary>The matcher as Alertmanager's filter parameter reads it: the value always a quoted, escaped string.</summary>
    public override string ToString() => $"{Name}{Operator}{PromQlTemplate.Quote(Value)}";
}
