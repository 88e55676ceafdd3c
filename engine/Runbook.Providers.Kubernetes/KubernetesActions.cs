using System.Globalization;
using System.Text.Json;
using Runbook.Execution.Actions;
using Runbook.Execution.Providers;

namespace Runbook.Providers.Kubernetes;

/// <summary>kubernetes.get: any object, or a list by label selector, as data the next steps can read.</summary>
internal sealed class KubernetesGetAction(KubeApi api) : IStepAction
{
    public string Name => "kubernetes.get";

    public async ValueTask<StepOutcome> ExecuteAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        try
        {
            var resource = KubeResource.Find(invocation.GetString("kind") ?? string.Empty);
            var name = invocation.GetString("name");
            var ns = invocation.GetString("namespace") ?? api.Namespace;
            if (name is { Length: > 0 })
            {
                using var one = await api.GetJsonAsync(resource.ObjectPath(ns, name), $"{resource.Kind.ToLowerInvariant()} '{name}'", cancellationToken).ConfigureAwait(false);
                var value = Values.FromJson(one.RootElement);
                return StepOutcome.Success(new Dictionary<string, object?> { ["object"] = value, ["items"] = new List<object?> { value }, ["count"] = 1L });
            }

            var query = new List<string>();
            if (invocation.GetString("selector") is { Length: > 0 } selector)
            {
                query.Add("labelSelector=" + Uri.EscapeDataString(selector));
            }

            if (invocation.GetString("field_selector") is { Length: > 0 } fields)
            {
                query.Add("fieldSelector=" + Uri.EscapeDataString(fields));
            }

            var path = resource.ListPath(ns) + (query.Count > 0 ? "?" + string.Join('&', query) : string.Empty);
            using var list = await api.GetJsonAsync(path, $"{resource.Plural} in namespace '{ns}'", cancellationToken).ConfigureAwait(false);
            var items = list.RootElement.TryGetProperty("items", out var array) && array.ValueKind == JsonValueKind.Array
                ? array.EnumerateArray().Select(Values.FromJson).ToList()
                : [];
            invocation.Log.Line(LogStream.Info, $"{items.Count} {resource.Plural}");
            return StepOutcome.Success(new Dictionary<string, object?> { ["items"] = items, ["object"] = null, ["count"] = (long)items.Count });
        }
        catch (ProviderException ex)
        {
            return StepOutcome.Failure(ex.Message, retryable: ex.Retryable);
        }
    }
}

/// <summary>kubernetes.events: an object's events (or a namespace's), oldest first, as 'kubectl events --for kind/name' lists them.</summary>
internal sealed class KubernetesEventsAction(KubeApi api) : IStepAction
{
    public string Name => "kubernetes.events";

    public async ValueTask<StepOutcome> ExecuteAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        try
        {
            // Without kind and name: every event of the namespace, like 'kubectl get events --sort-by=.lastTimestamp'.
            var resource = invocation.GetString("kind") is { Length: > 0 } kind ? KubeResource.Find(kind) : null;
            var name = invocation.GetString("name") ?? string.Empty;
            var ns = invocation.GetString("namespace") ?? api.Namespace;
            var path = KubeResource.Find("events").ListPath(ns);
            if (resource is not null)
            {
                path += "?fieldSelector=" + Uri.EscapeDataString($"involvedObject.kind={resource.Kind}" + (name.Length > 0 ? $",involvedObject.name={name}" : string.Empty));
            }

            using var list = await api.GetJsonAsync(path, resource is null ? $"events in namespace '{ns}'" : $"events of {resource.Kind.ToLowerInvariant()} '{name}'",
                cancellationToken).ConfigureAwait(false);
            var events = list.RootElement.GetProperty("items").EnumerateArray().Select(Event).OrderBy(e => e.LastSeen).ThenBy(e => e.Name, StringComparer.Ordinal).ToList();
            foreach (var e in events)
            {
                invocation.Log.Line(e.Type == "Warning" ? LogStream.Stderr : LogStream.Stdout,
                    $"{e.LastSeen:yyyy-MM-dd'T'HH:mm:ss'Z'} {e.Type} {e.Reason} {e.Object}: {e.Message}{(e.Count > 1 ? $" (x{e.Count})" : string.Empty)}");
            }

            return StepOutcome.Success(new Dictionary<string, object?>
            {
                ["events"] = events.Select(e => (object?)new Dictionary<string, object?>
                {
                    ["type"] = e.Type,
                    ["reason"] = e.Reason,
                    ["message"] = e.Message,
                    ["count"] = e.Count,
                    ["first_seen"] = e.FirstSeen.ToString("O", CultureInfo.InvariantCulture),
                    ["last_seen"] = e.LastSeen.ToString("O", CultureInfo.InvariantCulture),
                    ["object"] = e.Object,
                    ["source"] = e.Source,
                }).ToList(),
                ["warnings"] = (long)events.Count(e => e.Type == "Warning"),
            });
        }
        catch (ProviderException ex)
        {
            return StepOutcome.Failure(ex.Message, retryable: ex.Retryable);
        }
    }

    private sealed record EventLine(string Name, string Object, string Type, string Reason, string Message, long Count, DateTimeOffset FirstSeen, DateTimeOffset LastSeen, string? Source);

    /// <summary>core/v1 events carry lastTimestamp; newer ones only eventTime (and series) — take what is there.</summary>
    private static EventLine Event(JsonElement e)
    {
        static string? Text(JsonElement element, string name) =>
            element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        static DateTimeOffset? Time(JsonElement element, string name) =>
            Text(element, name) is { } t && DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d) ? d : null;

        var metadata = e.GetProperty("metadata");
        var series = e.TryGetProperty("series", out var s) ? s : default;
        var last = Time(e, "lastTimestamp") ?? Time(series, "lastObservedTime") ?? Time(e, "eventTime") ?? Time(metadata, "creationTimestamp") ?? DateTimeOffset.UnixEpoch;
        var first = Time(e, "firstTimestamp") ?? Time(e, "eventTime") ?? last;
        var count = e.TryGetProperty("count", out var c) && c.ValueKind == JsonValueKind.Number ? c.GetInt64() : 1;
        var source = e.TryGetProperty("source", out var src) ? Text(src, "component") : Text(e, "reportingComponent");
        var involved = e.TryGetProperty("involvedObject", out var o) ? $"{Text(o, "kind")}/{Text(o, "name")}" : Text(e, "regarding") ?? string.Empty;
        return new EventLine(Text(metadata, "name") ?? string.Empty, involved, Text(e, "type") ?? "Normal", Text(e, "reason") ?? string.Empty,
            Text(e, "message") ?? string.Empty, count, first, last, source);
    }
}
