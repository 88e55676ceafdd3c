using System.Globalization;
using System.Text;
using System.Text.Json;
using Runbook.Language.Model;

namespace Runbook.Execution.Actions.Prometheus;

/// <summary>
/// alertmanager.silence: POST /api/v2/silences for the matchers, from now for the duration. Its descriptor gives it a
/// default rollback, alertmanager.expire of the id it outputs, so a failed run ends the silence it started.
/// </summary>
internal sealed class AlertmanagerSilenceAction : IStepAction, IDryRunPreview
{
    public string Name => "alertmanager.silence";

    public async ValueTask<StepOutcome> ExecuteAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        if (Prepare(invocation, out var api, out var silence) is { } error)
        {
            return StepOutcome.Failure(error, retryable: false);
        }

        var response = await api!.SendAsync(HttpMethod.Post, "/api/v2/silences", [], silence!.Json(), cancellationToken).ConfigureAwait(false);
        if (response.Problem is not null)
        {
            return StepOutcome.Failure(response.Problem, retryable: response.Status == 0 || (int)response.Status >= 500);
        }

        string? id;
        try
        {
            using var doc = JsonDocument.Parse(response.Body);
            id = doc.RootElement.GetProperty("silenceID").GetString();
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException)
        {
            id = null;
        }

        if (string.IsNullOrEmpty(id))
        {
            return StepOutcome.Failure($"{Name}: {api.Target} accepted the silence but gave no silenceID; check that url is Alertmanager (API v2) and look for the silence there", retryable: false);
        }

        invocation.Log.Line(LogStream.Info, $"silence {id}: {silence.Describe()} until {Time(silence.EndsAt)}");
        return StepOutcome.Success(new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["id"] = id,
            ["starts_at"] = Time(silence.StartsAt),
            ["ends_at"] = Time(silence.EndsAt),
        });
    }

    public ValueTask<DryRunPreview> PreviewAsync(StepInvocation invocation, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Prepare(invocation, out var api, out var silence) is { } error
            ? new DryRunPreview($"would not silence anything: {error}")
            : new DryRunPreview($"would silence alerts matching {silence!.Describe()} on {api!.Target} for {silence.Length.Text} "
                + $"(until {Time(silence.EndsAt)}), created by {silence.CreatedBy}: {silence.Comment}"));

    private static string? Prepare(StepInvocation invocation, out MetricsApi? api, out Silence? silence)
    {
        silence = null;
        api = MetricsApi.For(invocation, out var urlError);
        if (api is null)
        {
            return urlError;
        }

        IReadOnlyList<Matcher> matchers;
        try
        {
            matchers = Matcher.ParseAll(invocation.Get("matchers"));
        }
        catch (FormatException ex)
        {
            return $"{invocation.ActionName}: {ex.Message}";
        }

        if (!Duration.TryParse(invocation.GetString("duration") ?? string.Empty, out var length) || length.Value <= TimeSpan.Zero)
        {
            return $"{invocation.ActionName}: duration must be a positive duration such as 30m or 2h";
        }

        var comment = invocation.GetString("comment") is { Length: > 0 } c ? c : $"runbook run {invocation.Context.RunId}";
        var createdBy = invocation.GetString("created_by") is { Length: > 0 } by ? by : "runbook";
        var now = invocation.Context.Time.GetUtcNow();
        silence = new Silence(matchers, now, now + length.Value, length, createdBy, comment);
        return null;
    }

    internal static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private sealed record Silence(IReadOnlyList<Matcher> Matchers, DateTimeOffset StartsAt, DateTimeOffset EndsAt, Duration Length, string CreatedBy, string Comment)
    {
        public string Describe() => "{" + string.Join(", ", Matchers) + "}";

        /// <summary>The silence as Alertmanager's API takes it: every value a JSON string, none read as syntax.</summary>
        public string Json()
        {
            using var buffer = new MemoryStream();
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                json.WriteStartArray("matchers");
                foreach (var matcher in Matchers)
                {
                    json.WriteStartObject();
                    json.WriteString("name", matcher.Name);
                    json.WriteString("value", matcher.Value);
                    json.WriteBoolean("isRegex", matcher.IsRegex);
                    json.WriteBoolean("isEqual", matcher.IsEqual);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteString("startsAt", Time(StartsAt));
                json.WriteString("endsAt", Time(EndsAt));
                json.WriteString("createdBy", CreatedBy);
                json.WriteString("comment", Comment);
                json.WriteEndObject();
            }

            return Encoding.UTF8.GetString(buffer.ToArray());
        }
    }
}

/// <summary>
/// alertmanager.expire: DELETE /api/v2/silence/{id}. A silence that has already expired counts as done, so the
/// rollback can run twice (a retried <c>runbook rollback</c>) without failing.
/// </summary>
internal sealed class AlertmanagerExpireAction : IStepAction, IDryRunPreview
{
    public string Name => "alertmanager.expire";

    public async ValueTask<StepOutcome> ExecuteAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        if (MetricsApi.For(invocation, out var urlError) is not { } api)
        {
            return StepOutcome.Failure(urlError!, retryable: false);
        }

        if (invocation.GetString("id") is not { Length: > 0 } id)
        {
            return StepOutcome.Failure($"{Name}: id is empty; give the silence id (alertmanager.silence's output id)", retryable: false);
        }

        var path = "/api/v2/silence/" + Uri.EscapeDataString(id);
        var response = await api.SendAsync(HttpMethod.Delete, path, [], null, cancellationToken).ConfigureAwait(false);
        if (response.Problem is not null)
        {
            var current = await api.GetAsync(path, [], cancellationToken).ConfigureAwait(false);
            if (current.Problem is null && State(current.Body) == "expired")
            {
                invocation.Log.Line(LogStream.Info, $"silence {id} had already expired");
                return Expired(id);
            }

            return StepOutcome.Failure(current.Status == System.Net.HttpStatusCode.NotFound
                ? $"{Name}: {api.Target} has no silence {id}; check the id"
                : response.Problem, retryable: response.Status == 0 || (int)response.Status >= 500);
        }

        invocation.Log.Line(LogStream.Info, $"silence {id} expired");
        return Expired(id);
    }

    public ValueTask<DryRunPreview> PreviewAsync(StepInvocation invocation, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new DryRunPreview(MetricsApi.For(invocation, out var error) is { } api
            ? $"would expire silence {invocation.GetString("id")} on {api.Target}"
            : $"would not expire anything: {error}"));

    private static StepOutcome Expired(string id) => StepOutcome.Success(new Dictionary<string, object?>(StringComparer.Ordinal) { ["id"] = id, ["expired"] = true });

    private static string? State(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.GetProperty("status").GetProperty("state").GetString();
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException)
        {
            return null;
        }
    }
}
