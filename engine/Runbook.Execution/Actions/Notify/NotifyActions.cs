using System.Text.Json;

namespace Runbook.Execution.Actions.Notify;

/// <summary>notify.console: the message on the operator's terminal.</summary>
internal sealed class ConsoleNotifyAction : IStepAction
{
    public string Name => "notify.console";

    public ValueTask<StepOutcome> ExecuteAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        foreach (var line in NotificationSender.Text(invocation).Split('\n'))
        {
            invocation.Log.Line(LogStream.Info, line);
        }

        return ValueTask.FromResult(StepOutcome.Success());
    }
}

/// <summary>notify.slack: an incoming-webhook message, <c>{"text": …}</c> with an optional channel.</summary>
internal sealed class SlackNotifyAction : IStepAction
{
    public string Name => "notify.slack";

    public ValueTask<StepOutcome> ExecuteAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        var payload = new Dictionary<string, object?> { ["text"] = NotificationSender.Text(invocation) };
        if (invocation.GetString("channel") is { } channel)
        {
            payload["channel"] = channel;
        }

        return new(NotificationSender.SendAsync(invocation, "Slack", invocation.GetString("webhook") ?? string.Empty, Values.ToJson(payload), cancellationToken));
    }
}

/// <summary>notify.teams: an incoming-webhook MessageCard with a title and the text.</summary>
internal sealed class TeamsNotifyAction : IStepAction
{
    public string Name => "notify.teams";

    public ValueTask<StepOutcome> ExecuteAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        var title = invocation.GetString("title") ?? "Runbook";
        var payload = new Dictionary<string, object?>
        {
            ["@type"] = "MessageCard",
            ["@context"] = "https://schema.org/extensions",
            ["summary"] = title,
            ["title"] = title,
            ["text"] = NotificationSender.Text(invocation),
        };
        return new(NotificationSender.SendAsync(invocation, "Teams", invocation.GetString("webhook") ?? string.Empty, Values.ToJson(payload), cancellationToken));
    }
}

/// <summary>
/// notify.webhook: POST <c>{"text": …}</c>, or the given json, with the given headers, to any endpoint (Opsgenie,
/// a status page, a chat bridge); outputs the response body, and its JSON when it is JSON.
/// </summary>
internal sealed class WebhookNotifyAction : IStepAction
{
    private const int BodyLimit = 64 * 1024;

    public string Name => "notify.webhook";

    public ValueTask<StepOutcome> ExecuteAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        var payload = invocation.Get("json") is { } json ? Values.ToJson(json) : Values.ToJson(new Dictionary<string, object?> { ["text"] = NotificationSender.Text(invocation) });
        return new(NotificationSender.SendAsync(invocation, "webhook", invocation.GetString("url") ?? string.Empty, payload, cancellationToken,
            Response, invocation.Get("headers") as IReadOnlyDictionary<string, object?>));
    }

    private static IReadOnlyDictionary<string, object?> Response(string body)
    {
        object? parsed = null;
        try
        {
            using var doc = JsonDocument.Parse(body);
            parsed = Values.FromJson(doc.RootElement);
        }
        catch (JsonException)
        {
            // Not JSON: the text is all there is.
        }

        return new Dictionary<string, object?> { ["body"] = body.Length > BodyLimit ? body[..BodyLimit] : body, ["json"] = parsed };
    }
}

/// <summary>notify.pagerduty: an Events API v2 event (trigger, acknowledge, resolve); outputs the dedup_key.</summary>
internal sealed class PagerDutyNotifyAction : IStepAction
{
    /// <summary>PagerDuty's US service region; accounts in the EU region give <c>url: https://events.eu.pagerduty.com/v2/enqueue</c>.</summary>
    public const string DefaultUrl = "https://events.pagerduty.com/v2/enqueue";

    public string Name => "notify.pagerduty";

    public ValueTask<StepOutcome> ExecuteAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        var action = invocation.GetString("event_action") ?? "trigger";
        var payload = new Dictionary<string, object?>
        {
            ["routing_key"] = invocation.GetString("routing_key"),
            ["event_action"] = action,
        };
        if (invocation.GetString("dedup_key") is { } key)
        {
            payload["dedup_key"] = key;
        }

        if (action == "trigger")
        {
            payload["payload"] = new Dictionary<string, object?>
            {
                ["summary"] = invocation.GetString("summary") ?? NotificationSender.Text(invocation),
                ["source"] = invocation.GetString("source") ?? "runbook",
                ["severity"] = invocation.GetString("severity") ?? "error",
                ["custom_details"] = new Dictionary<string, object?> { ["run_id"] = invocation.Context.RunId } as IReadOnlyDictionary<string, object?>,
            } as IReadOnlyDictionary<string, object?>;
        }

        return new(NotificationSender.SendAsync(invocation, "PagerDuty", invocation.GetString("url") ?? DefaultUrl, Values.ToJson(payload), cancellationToken, DedupKey));
    }

    private static IReadOnlyDictionary<string, object?> DedupKey(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.TryGetProperty("dedup_key", out var key)
                ? new Dictionary<string, object?> { ["dedup_key"] = key.GetString() }
                : new Dictionary<string, object?>();
        }
        catch (JsonException)
        {
            return new Dictionary<string, object?>();
        }
    }
}
