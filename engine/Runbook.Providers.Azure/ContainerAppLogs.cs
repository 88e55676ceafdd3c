using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using Azure.Core;
using Azure.Core.Pipeline;
using Runbook.Execution.Providers;

namespace Runbook.Providers.Azure;

/// <summary>
/// service.logs over the Container Apps log stream, as <c>az containerapp logs show --tail N</c> reads it: the replicas
/// of the revisions serving traffic (GET …/revisions/{r}/replicas), the app's short-lived log token (POST
/// …/getAuthtoken), then each replica container's <c>logStreamEndpoint</c> with <c>tailLines</c> and
/// <c>follow=false</c>. Chosen over a Log Analytics query because it needs nothing but the app (no workspace, no
/// second audience, no ingestion delay of minutes in the middle of an incident); see ADR 0007.
/// </summary>
internal sealed class ContainerAppLogs(HttpPipeline stream, TimeProvider time)
{
    /// <summary>The most lines the log stream gives per container (az's --tail allows 300 as well).</summary>
    public const int MaxTailLines = 300;

    public async Task<ImmutableArray<string>> ReadAsync(ContainerAppsBackend backend, string service, LogQuery query, CancellationToken cancellationToken)
    {
        if (query.Previous)
        {
            throw new ProviderException(ProviderErrorKind.Failed,
                $"service.logs of container app '{service}': the Container Apps log stream serves the running containers only, not a previous instance; query ContainerAppConsoleLogs in the environment's Log Analytics workspace for those");
        }

        var arm = backend.Arm;
        var view = await backend.ViewAsync(service, cancellationToken).ConfigureAwait(false);
        var revisions = view.Revisions.Where(r => AppView.Weight(r) > 0).Select(r => r.Name!).ToList();
        if (revisions.Count == 0 && view.Current is { } current)
        {
            revisions.Add(current);
        }

        var endpoints = new List<(string Replica, Uri Endpoint)>();
        foreach (var revision in revisions)
        {
            var replicas = await arm.GetAsync(arm.AppPath(service, $"/revisions/{Uri.EscapeDataString(revision)}/replicas"), ArmJson.Default.ReplicaCollection,
                backend.Scope("replica list", service, revision), cancellationToken).ConfigureAwait(false);
            foreach (var replica in replicas.Value ?? [])
            {
                var containers = replica.Properties?.Containers ?? [];
                var container = backend.ContainerName is { } wanted ? containers.FirstOrDefault(c => c.Name == wanted) : containers.FirstOrDefault();
                if (container?.LogStreamEndpoint is { Length: > 0 } endpoint && Uri.TryCreate(endpoint, UriKind.Absolute, out var uri))
                {
                    // The log token is a bearer credential: it goes over TLS only.
                    if (uri.Scheme != Uri.UriSchemeHttps)
                    {
                        throw new ProviderException(ProviderErrorKind.Failed,
                            $"the log stream of replica '{replica.Name}' of container app '{service}' is not https ({endpoint}): the log token is not sent over plain http");
                    }

                    endpoints.Add((replica.Name ?? "?", uri));
                }
            }
        }

        if (endpoints.Count == 0)
        {
            return [];
        }

        var token = await arm.SendAsync(RequestMethod.Post, arm.Url(arm.AppPath(service, "/getAuthtoken")), null, backend.Scope("logs", service), cancellationToken)
            .ConfigureAwait(false);
        var authToken = JsonSerializer.Deserialize(token.Body.ToMemory().Span, ArmJson.Default.ContainerAppAuthToken)?.Properties?.Token
            ?? throw new ProviderException(ProviderErrorKind.Failed, $"ARM's getAuthtoken for container app '{service}' returned no token");

        var tail = Math.Clamp(query.Tail, 0, MaxTailLines);
        var since = query.Since is { } window ? time.GetUtcNow() - window : (DateTimeOffset?)null;
        var lines = new List<(DateTimeOffset? At, int Order, string Text)>();
        foreach (var (replica, endpoint) in endpoints)
        {
            var text = await StreamAsync(endpoint, tail, authToken, service, replica, cancellationToken).ConfigureAwait(false);
            foreach (var raw in text.Split('\n'))
            {
                if (Parse(raw.TrimEnd('\r')) is not { } line || (since is { } from && line.At is { } at && at < from))
                {
                    continue;
                }

                lines.Add((line.At, lines.Count, $"[{replica}] {line.Text}"));
            }
        }

        // Oldest first across replicas; lines without a timestamp keep their place after the timed ones of their replica.
        return [.. lines.OrderBy(l => l.At ?? DateTimeOffset.MaxValue).ThenBy(l => l.Order).Select(l => l.Text).TakeLast(tail)];
    }

    private async Task<string> StreamAsync(Uri endpoint, int tail, string token, string service, string replica, CancellationToken cancellationToken)
    {
        var query = $"tailLines={tail.ToString(CultureInfo.InvariantCulture)}&follow=false";
        var url = new UriBuilder(endpoint) { Query = string.IsNullOrEmpty(endpoint.Query) ? query : $"{endpoint.Query.TrimStart('?')}&{query}" }.Uri;
        using var message = stream.CreateMessage();
        message.Request.Method = RequestMethod.Get;
        message.Request.Uri.Reset(url);
        message.Request.Headers.Add("Authorization", $"Bearer {token}");
        try
        {
            await stream.SendAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ProviderException(ProviderErrorKind.Unavailable, $"the log stream of replica '{replica}' of container app '{service}' did not answer in time ({ex.Message})", ex);
        }
        catch (global::Azure.RequestFailedException ex)
        {
            throw new ProviderException(ProviderErrorKind.Unavailable, $"cannot reach the log stream of replica '{replica}' of container app '{service}' at {endpoint.GetLeftPart(UriPartial.Authority)}: {ex.Message}", ex);
        }

        var response = message.Response;
        var body = response.Content.ToString();
        if (response.Status >= 400)
        {
            throw new ProviderException(response.Status is 401 or 403 ? ProviderErrorKind.Forbidden : response.Status == 404 ? ProviderErrorKind.NotFound : ProviderErrorKind.Failed,
                $"the log stream of replica '{replica}' of container app '{service}' answered {response.Status}: {(body.Length > 300 ? body[..300] : body).Trim()}");
        }

        return body;
    }

    /// <summary>
    /// One log-stream line: a JSON object with TimeStamp and Log (the stream's JSON format), or text that may start with
    /// an RFC 3339 timestamp; blank lines are none.
    /// </summary>
    internal static (DateTimeOffset? At, string Text)? Parse(string line)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            return null;
        }

        if (line.TrimStart().StartsWith('{'))
        {
            try
            {
                using var json = JsonDocument.Parse(line);
                if (json.RootElement.ValueKind == JsonValueKind.Object)
                {
                    string? Field(string name) => json.RootElement.EnumerateObject()
                        .FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)) is { Value.ValueKind: JsonValueKind.String } p
                        ? p.Value.GetString() : null;
                    if (Field("Log") is { } log)
                    {
                        return (Timestamp(Field("TimeStamp")), log.TrimEnd('\n', '\r'));
                    }
                }
            }
            catch (JsonException)
            {
                // Not the JSON format: an application line that starts with '{'.
            }
        }

        var space = line.IndexOf(' ', StringComparison.Ordinal);
        return space > 0 && Timestamp(line[..space]) is { } at ? (at, line) : (null, line);
    }

    private static DateTimeOffset? Timestamp(string? text) =>
        text is { Length: >= 19 } && char.IsAsciiDigit(text[0])
        && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at)
            ? at : null;
}
