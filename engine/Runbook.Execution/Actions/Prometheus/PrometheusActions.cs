using System.Globalization;
using System.Text.Json;
using Runbook.Language.Actions;
using Runbook.Language.Model;

namespace Runbook.Execution.Actions.Prometheus;

/// <summary>
/// prometheus.query and prometheus.query_range: PromQL (with $name placeholders filled from labels: as quoted,
/// escaped strings) against /api/v1/query or /api/v1/query_range; numbers come back as numbers, and expect: holds
/// every measured value to a threshold.
/// </summary>
internal sealed class PrometheusQueryAction(bool range) : IStepAction
{
    public string Name => range ? "prometheus.query_range" : "prometheus.query";

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

        string query;
        try
        {
            query = PromQlTemplate.Render(invocation.GetString("query") ?? string.Empty, MetricsArguments.Labels(invocation));
        }
        catch (ArgumentException ex)
        {
            return StepOutcome.Failure($"{Name}: {ex.Message} (RB0320); write $name in the query and give it under labels:", retryable: false);
        }

        var parameters = new List<KeyValuePair<string, string>> { new("query", query) };
        if (range)
        {
            var window = Duration.TryParse(invocation.GetString("range") ?? "1h", out var r) ? r.Value : TimeSpan.FromHours(1);
            var step = Duration.TryParse(invocation.GetString("step") ?? "1m", out var s) ? s.Value : TimeSpan.FromMinutes(1);
            var end = invocation.Context.Time.GetUtcNow();
            parameters.Add(new("start", Unix(end - window)));
            parameters.Add(new("end", Unix(end)));
            parameters.Add(new("step", step.TotalSeconds.ToString(CultureInfo.InvariantCulture)));
        }
        else if (invocation.GetString("time") is { Length: > 0 } time)
        {
            parameters.Add(new("time", time));
        }

        var response = await api.GetAsync(range ? "/api/v1/query_range" : "/api/v1/query", parameters, cancellationToken).ConfigureAwait(false);
        if (response.Problem is not null)
        {
            return StepOutcome.Failure(response.Problem, retryable: response.Status == 0 || (int)response.Status >= 500);
        }

        QueryResult result;
        try
        {
            result = QueryResult.Parse(response.Body);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException or KeyNotFoundException)
        {
            return StepOutcome.Failure($"{Name}: {api.Target} answered with something that is not a Prometheus query result ({ex.Message}); check that url is Prometheus", retryable: false);
        }

        var outputs = result.Outputs();
        invocation.Log.Line(LogStream.Info, result.Summary());
        return threshold is null ? StepOutcome.Success(outputs)
            : result.Check(threshold) is { } miss ? StepOutcome.Failure($"{Name}: {miss}", outputs)
            : StepOutcome.Success(outputs);
    }

    private static string Unix(DateTimeOffset time) => (time.ToUnixTimeMilliseconds() / 1000.0).ToString("0.###", CultureInfo.InvariantCulture);
}

/// <summary>One series of a query result: its labels and its samples (one for an instant vector or a scalar).</summary>
internal sealed record Series(IReadOnlyDictionary<string, object?> Labels, IReadOnlyList<(double Time, string Text, double Value)> Samples)
{
    /// <summary>The series as PromQL writes a selector: {service="checkout"}, or {} for none.</summary>
    public string Name => "{" + string.Join(", ", Labels.Select(l => $"{l.Key}={PromQlTemplate.Quote(Values.ToText(l.Value))}")) + "}";
}

/// <summary>A Prometheus query result (vector, matrix, scalar or string) and what the step outputs from it.</summary>
internal sealed record QueryResult(string Type, IReadOnlyList<Series> Series, string? Text)
{
    public static QueryResult Parse(string body)
    {
        using var doc = JsonDocument.Parse(body);
        var data = doc.RootElement.GetProperty("data");
        var type = data.GetProperty("resultType").GetString() ?? string.Empty;
        var result = data.GetProperty("result");
        switch (type)
        {
            case "scalar":
                return new QueryResult(type, [new Series(new Dictionary<string, object?>(), [Sample(result)])], null);
            case "string":
                return new QueryResult(type, [], result[1].GetString());
            default:
                var series = new List<Series>();
                foreach (var item in result.EnumerateArray())
                {
                    var labels = item.GetProperty("metric").EnumerateObject()
                        .ToDictionary(p => p.Name, p => (object?)p.Value.GetString(), StringComparer.Ordinal);
                    var samples = item.TryGetProperty("values", out var values)
                        ? values.EnumerateArray().Select(Sample).ToList()
                        : [Sample(item.GetProperty("value"))];
                    series.Add(new Series(labels, samples));
                }

                return new QueryResult(type, series, null);
        }
    }

    private static (double, string, double) Sample(JsonElement pair)
    {
        var text = pair[1].GetString() ?? "NaN";
        return (pair[0].GetDouble(), text, MetricsApi.Sample(text));
    }

    /// <summary>The single series' latest sample, when the result is one series or a scalar.</summary>
    private (double Time, string Text, double Value)? Single => Series is [{ Samples.Count: > 0 } one] ? one.Samples[^1] : null;

    public Dictionary<string, object?> Outputs() => new(StringComparer.Ordinal)
    {
        ["value"] = Single is { } single ? MetricsApi.Output(single.Value) : null,
        ["value_text"] = Single?.Text ?? Text,
        ["series"] = Series.Select(s => (object?)SeriesOutput(s)).ToList(),
        ["result_type"] = Type,
        ["count"] = (long)Series.Count,
    };

    private Dictionary<string, object?> SeriesOutput(Series series)
    {
        var output = new Dictionary<string, object?>(StringComparer.Ordinal) { ["labels"] = series.Labels };
        if (Type == "matrix")
        {
            output["values"] = series.Samples.Select(s => (object?)new Dictionary<string, object?>
            {
                ["timestamp"] = s.Time,
                ["value"] = MetricsApi.Output(s.Value),
                ["value_text"] = s.Text,
            }).ToList();
        }
        else
        {
            output["timestamp"] = series.Samples[0].Time;
            output["value"] = MetricsApi.Output(series.Samples[0].Value);
            output["value_text"] = series.Samples[0].Text;
        }

        return output;
    }

    public string Summary() => Single is { } single ? $"{Type}: {single.Text}" : $"{Type}: {Series.Count} series";

    /// <summary>Why the result misses the threshold (every sample of every series must meet it); null when it holds.</summary>
    public string? Check(Threshold threshold)
    {
        if (Type == "string")
        {
            return $"the query returned a string, not a number; expect {threshold} needs a number";
        }

        if (Series.Count == 0 || Series.All(s => s.Samples.Count == 0))
        {
            return $"no data: the query returned no series, so expect {threshold} cannot be judged; check the query and its labels (an absent series is not a pass)";
        }

        var misses = Series.SelectMany(s => s.Samples.Where(p => !threshold.Holds(p.Value)).Select(p => (s, p))).ToList();
        if (misses.Count == 0)
        {
            return null;
        }

        var (series, sample) = misses.OrderByDescending(m => double.IsNaN(m.p.Value) ? double.PositiveInfinity : Math.Abs(m.p.Value - threshold.Limit)).First();
        var where = Series.Count == 1 && series.Labels.Count == 0 ? string.Empty : $" for {series.Name}";
        var nan = double.IsNaN(sample.Value) ? " (NaN: no meaningful value, such as a ratio of zero to zero)" : string.Empty;
        var more = misses.Count > 1 ? $"; {misses.Count} samples miss it" : string.Empty;
        return $"expected {threshold}, measured {sample.Text}{nan}{where}{more}";
    }
}

/// <summary>Arguments the metrics actions share.</summary>
internal static class MetricsArguments
{
    /// <summary>expect: as a threshold (null when absent), or the error for a computed value that is not one.</summary>
    public static bool TryThreshold(StepInvocation invocation, out Threshold? threshold, out string? error)
    {
        threshold = null;
        error = null;
        if (invocation.GetString("expect") is not { } text)
        {
            return true;
        }

        threshold = Threshold.Parse(text, out var problem);
        if (threshold is null)
        {
            error = $"{invocation.ActionName}: expect: {problem} (RB0319); write {Threshold.Grammar}";
        }

        return threshold is not null;
    }

    /// <summary>labels: as text values (a number or boolean is written the way the language writes it).</summary>
    public static Dictionary<string, string> Labels(StepInvocation invocation) =>
        invocation.Get("labels") is IReadOnlyDictionary<string, object?> labels
            ? labels.ToDictionary(l => l.Key, l => Values.ToText(l.Value), StringComparer.Ordinal)
            : [];
}

/// <summary>The metrics actions, for the one line in <see cref="BuiltinActionRegistry"/>.</summary>
internal static class MetricsActionSet
{
    public static IEnumerable<IStepAction> Create() =>
    [
        new PrometheusQueryAction(range: false),
        new PrometheusQueryAction(range: true),
        new PrometheusAlertsAction(),
        new AlertmanagerAlertsAction(),
        new AlertmanagerSilenceAction(),
        new AlertmanagerExpireAction(),
    ];
}
