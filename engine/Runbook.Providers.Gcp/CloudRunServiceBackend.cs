using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Runbook.Execution.Providers;

namespace Runbook.Providers.Gcp;

/// <summary>
/// The service interface over Cloud Run Admin API v2 services, doing what the <c>gcloud run</c> commands do:
/// services.get (describe), revisions.list (history), services.patch of the template for scale (min/max instances),
/// restart (an annotation bumped: a new revision from the same template) and deploy (the image), services.patch of
/// the traffic for rollback (update-traffic --to-revisions), operations.get and the service's conditions for wait, and
/// Cloud Logging entries:list for logs. A revision is named as gcloud names it: its short name (web-00002-xak).
/// </summary>
internal sealed partial class CloudRunServiceBackend(GoogleRestClient client, CloudRunTarget target, string? containerName, TimeSpan pollInterval, TimeProvider time)
    : IServiceBackend
{
    /// <summary>How far back service.logs reads when no 'since' is given: what 'gcloud logging read' reads (--freshness=1d).</summary>
    public static readonly TimeSpan DefaultSince = TimeSpan.FromDays(1);

    /// <summary>The template annotation restart changes, so that Cloud Run makes a new revision of an unchanged template.</summary>
    public const string RestartAnnotation = "runbook.dev/restarted-at";

    public const string LatestType = "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST";
    public const string RevisionType = "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION";

    private const string Succeeded = "CONDITION_SUCCEEDED";
    private const string FailedState = "CONDITION_FAILED";
    private const int MaxLogPageSize = 1000;
    private const int MaxLogPages = 100;

    /// <summary>The long-running operation of this run's last change to each service, polled by describe until it is done.</summary>
    private readonly ConcurrentDictionary<string, string> _operations = new(StringComparer.Ordinal);

    public CloudRunTarget Target => target;

    public async Task<ServiceState> DescribeAsync(string service, CancellationToken cancellationToken)
    {
        // The operation first, then the service: a service read after its operation finished shows what the operation did.
        var operation = await PendingOperationAsync(service, cancellationToken).ConfigureAwait(false);
        var described = await ServiceAsync(service, cancellationToken).ConfigureAwait(false);
        var view = await ViewAsync(service, described, cancellationToken).ConfigureAwait(false);
        var ready = Condition(described.Conditions, "Ready") ?? described.TerminalCondition;
        var reconciling = described.Reconciling == true || (described.Generation is { } g && described.ObservedGeneration is { } o && g != o);
        var pinned = !IsLatestOnly(described.Traffic);
        var desiredReady = view.Desired?.Ready == true;

        // Rolled out: no change in flight (our operation done, the service not reconciling), traffic served where the
        // traffic settings send it, by a ready revision, and the service Ready — or, with traffic pinned to a revision,
        // that revision ready even if a newer one (which gets no traffic) failed.
        var healthy = operation.Done && !reconciling && view.Desired is not null && desiredReady && view.Serving?.Name == view.Desired.Name
            && (ready?.State == Succeeded || pinned);
        var problem = operation.Problem ?? view.Problem;
        var progress = Progress(described, view, operation, reconciling);
        var instances = ImmutableArray.CreateRange((described.TrafficStatuses ?? []).Where(s => s.Percent > 0).Select(s =>
        {
            var revision = Short(s.Revision ?? LatestReady(described) ?? "?");
            var known = view.Revisions.FirstOrDefault(r => r.Name == revision);
            return new ServiceInstance(revision, $"SERVING {s.Percent.GetValueOrDefault().ToString(CultureInfo.InvariantCulture)}%",
                known is null ? null : known.Ready ? "Ready" : known.ReadyText, known?.Image);
        }));
        var replicas = view.Serving is { Ready: true } serving ? serving.MinInstances : 0;
        return new ServiceState(service, replicas, view.DesiredMinInstances, view.Desired?.Image ?? TemplateImage(described, service),
            view.Desired?.Name, view.Previous?.Name, healthy, instances, problem, progress);
    }

    public async Task<ImmutableArray<Revision>> HistoryAsync(string service, int limit, CancellationToken cancellationToken)
    {
        var described = await ServiceAsync(service, cancellationToken).ConfigureAwait(false);
        var revisions = await RevisionsAsync(service, stop: list => list.Count >= limit, cancellationToken).ConfigureAwait(false);
        var shares = (described.TrafficStatuses ?? []).Where(s => s.Percent > 0)
            .GroupBy(s => Short(s.Revision ?? LatestReady(described) ?? string.Empty))
            .ToDictionary(g => g.Key, g => g.Sum(s => s.Percent.GetValueOrDefault()), StringComparer.Ordinal);
        var current = Desired(described, revisions)?.Name;
        return [.. revisions.Take(Math.Max(limit, 0)).Select(r => new Revision(r.Name, r.Name == current,
            $"{shares.GetValueOrDefault(r.Name).ToString(CultureInfo.InvariantCulture)}% traffic, {(r.Ready ? "Ready" : r.ReadyText)}, image {r.Image ?? "?"}, created {r.Created ?? "?"}"))];
    }

    public async Task<ImmutableArray<string>> LogsAsync(string service, LogQuery query, CancellationToken cancellationToken)
    {
        CheckName(service, "service");
        if (query.Tail <= 0)
        {
            return [];
        }

        var since = time.GetUtcNow() - (query.Since ?? DefaultSince);
        var request = new ListLogEntriesRequest([$"projects/{target.Project}"], LogFilter.Build(service, target.Region, since, query.Filter),
            "timestamp desc", Math.Min(query.Tail, MaxLogPageSize), null);
        var uri = new Uri(target.LoggingEndpoint, "v2/entries:list");
        var call = new GoogleCall("Cloud Logging entries.list", $"the logs of service '{service}' (project '{target.Project}', region '{target.Region}')",
            "logging.logEntries.list");

        // Newest first, as many pages as the tail needs; then turned around, so the lines read in time order.
        var newest = new List<string>();
        for (var page = 0; page < MaxLogPages && newest.Count < query.Tail; page++)
        {
            var body = JsonSerializer.SerializeToUtf8Bytes(request, GcpJson.Default.ListLogEntriesRequest);
            var response = await client.SendAsync(HttpMethod.Post, uri, body, GcpJson.Default.ListLogEntriesResponse, call, cancellationToken).ConfigureAwait(false);
            newest.AddRange((response.Entries ?? []).Select(Line).Take(query.Tail - newest.Count));
            if (string.IsNullOrEmpty(response.NextPageToken))
            {
                break;
            }

            request = request with { PageToken = response.NextPageToken };
        }

        newest.Reverse();
        return [.. newest];
    }

    public Task ScaleAsync(string service, int replicas, CancellationToken cancellationToken)
    {
        if (replicas < 0)
        {
            throw new ProviderException(ProviderErrorKind.Failed, $"service.scale of '{service}': replicas must be ≥ 0, got {replicas.ToString(CultureInfo.InvariantCulture)}");
        }

        return PatchAsync(service, "scale", changesTemplate: true, updated =>
        {
            var template = Child(updated, "template");
            var scaling = Child(template, "scaling");
            scaling["minInstanceCount"] = replicas;

            // min > max is refused by Cloud Run: a scale above the maximum raises the maximum with it.
            if (scaling["maxInstanceCount"] is JsonValue max && max.TryGetValue<int>(out var maximum) && maximum > 0 && maximum < replicas)
            {
                scaling["maxInstanceCount"] = replicas;
            }
        }, cancellationToken);
    }

    public Task RestartAsync(string service, CancellationToken cancellationToken) =>
        PatchAsync(service, "restart", changesTemplate: true, updated =>
        {
            var annotations = Child(Child(updated, "template"), "annotations");
            annotations[RestartAnnotation] = time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
        }, cancellationToken);

    public Task DeployAsync(string service, string image, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(image))
        {
            throw new ProviderException(ProviderErrorKind.Failed, $"service.deploy of '{service}' needs an image");
        }

        return PatchAsync(service, "deploy", changesTemplate: true, updated =>
        {
            var containers = Child(updated, "template")["containers"] as JsonArray;
            var container = ChooseContainer(containers?.OfType<JsonObject>().ToList() ?? [], service, c => c["name"]?.GetValue<string>());
            container["image"] = image.Trim();
        }, cancellationToken);
    }

    public async Task RollbackAsync(string service, string? revision, CancellationToken cancellationToken)
    {
        var described = await ServiceAsync(service, cancellationToken).ConfigureAwait(false);
        var revisions = await RevisionsAsync(service, stop: null, cancellationToken).ConfigureAwait(false);
        RevisionView chosen;
        if (revision is null)
        {
            var view = View(service, described, revisions);
            chosen = view.Previous ?? throw new ProviderException(ProviderErrorKind.NotFound,
                $"service '{service}' (project '{target.Project}', region '{target.Region}') has no ready revision older than {view.Desired?.Name ?? "the current one"}: nothing to roll back to; revisions: {List(revisions)}");
        }
        else
        {
            var name = Short(revision.Trim());
            chosen = revisions.FirstOrDefault(r => r.Name == name) ?? throw new ProviderException(ProviderErrorKind.NotFound,
                $"service '{service}' (project '{target.Project}', region '{target.Region}') has no revision '{name}'; its revisions, newest first: {List(revisions)}");
            if (!chosen.Ready)
            {
                throw new ProviderException(ProviderErrorKind.Failed,
                    $"revision '{name}' of service '{service}' is not ready ({chosen.ReadyText}): traffic cannot go to it; ready revisions: {List([.. revisions.Where(r => r.Ready)])}");
            }
        }

        await PatchAsync(service, "rollback", changesTemplate: false, updated =>
        {
            // As 'gcloud run services update-traffic --to-revisions REV=100': all traffic to one revision; tagged
            // targets stay (at 0 %), so their tag URLs keep working.
            var traffic = new JsonArray(new JsonObject { ["type"] = RevisionType, ["revision"] = chosen.Name, ["percent"] = 100 });
            foreach (var tagged in (updated["traffic"] as JsonArray ?? []).OfType<JsonObject>().Where(t => t["tag"] is JsonValue))
            {
                var kept = tagged.DeepClone().AsObject();
                kept["percent"] = 0;
                traffic.Add((JsonNode)kept);
            }

            updated["traffic"] = traffic;
        }, cancellationToken).ConfigureAwait(false);
    }

    public Task WaitForChangeAsync(string service, TimeSpan atMost, TimeProvider clock, CancellationToken cancellationToken) =>
        Task.Delay(atMost < pollInterval ? atMost : pollInterval, clock, cancellationToken);

    /// <summary>
    /// services.patch of the service as Cloud Run returned it (every field kept, so nothing this provider does not know
    /// is reset), with its etag and only <paramref name="change"/> applied; a template change drops template.revision so
    /// Cloud Run names the new revision. A stale etag (409 ABORTED: someone changed the service meanwhile) re-reads the
    /// service and tries once more. Remembers the operation, which describe then polls.
    /// </summary>
    private async Task PatchAsync(string service, string verb, bool changesTemplate, Action<JsonObject> change, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var current = await RawServiceAsync(service, cancellationToken).ConfigureAwait(false);
            var updated = current.DeepClone().AsObject();
            change(updated);
            if (changesTemplate && updated["template"] is JsonObject template)
            {
                template.Remove("revision");
            }

            var body = Encoding.UTF8.GetBytes(updated.ToJsonString());
            try
            {
                var operation = await client.SendAsync(HttpMethod.Patch, ServiceUri(service), body, GcpJson.Default.RunOperation,
                    Call("services.patch", service, "run.services.update"), cancellationToken).ConfigureAwait(false);
                if (operation.Name is { Length: > 0 } name && operation.Done != true)
                {
                    _operations[service] = name;
                }
                else
                {
                    _operations.TryRemove(service, out _);
                    if (operation.Error is { } error)
                    {
                        throw new ProviderException(ProviderErrorKind.Failed, $"{verb} of service '{service}' failed: {GoogleRestClient.Describe(error)}");
                    }
                }

                return;
            }
            catch (ProviderException ex) when (ex.Kind == ProviderErrorKind.Conflict && attempt == 1)
            {
                // The etag was stale: read the service again and apply the change to what it is now.
            }
            catch (ProviderException ex) when (ex.Kind == ProviderErrorKind.Conflict)
            {
                throw new ProviderException(ProviderErrorKind.Conflict,
                    $"{verb} of service '{service}': the service changed again while it was being updated (its etag was stale twice); the step may be retried. {ex.Message}", ex);
            }
        }
    }

    /// <summary>The operation of this run's last change, if any: done (and forgotten), failed (its error, in Google's words), or still running.</summary>
    private async Task<(bool Done, string? Problem, string? Running)> PendingOperationAsync(string service, CancellationToken cancellationToken)
    {
        if (!_operations.TryGetValue(service, out var name))
        {
            return (true, null, null);
        }

        RunOperation operation;
        try
        {
            operation = await client.SendAsync(HttpMethod.Get, new Uri(target.RunEndpoint, "v2/" + EscapePath(name)), null, GcpJson.Default.RunOperation,
                new GoogleCall("Cloud Run operations.get", $"operation '{name}' of service '{service}'", "run.operations.get"), cancellationToken).ConfigureAwait(false);
        }
        catch (ProviderException ex) when (ex.Kind == ProviderErrorKind.NotFound)
        {
            // Operations expire; one that is gone says nothing more than the service's own conditions do.
            _operations.TryRemove(new KeyValuePair<string, string>(service, name));
            return (true, null, null);
        }

        if (operation.Done != true)
        {
            return (false, null, name);
        }

        if (operation.Error is { } error)
        {
            return (true, $"operation {Short(name)} of service '{service}' failed: {GoogleRestClient.Describe(error)}", null);
        }

        _operations.TryRemove(new KeyValuePair<string, string>(service, name));
        return (true, null, null);
    }

    private static string Progress(RunService described, ServiceView view, (bool Done, string? Problem, string? Running) operation, bool reconciling)
    {
        var parts = new List<string>();
        if (operation.Running is { } running)
        {
            parts.Add($"operation {Short(running)} running");
        }

        if (reconciling)
        {
            parts.Add("reconciling");
        }

        if (view.Desired is { } desired)
        {
            parts.Add($"revision {desired.Name} {(desired.Ready ? "Ready" : desired.ReadyText)}");
        }

        var statuses = (described.TrafficStatuses ?? []).Where(s => s.Percent > 0)
            .Select(s => $"{s.Percent.GetValueOrDefault().ToString(CultureInfo.InvariantCulture)}% {Short(s.Revision ?? LatestReady(described) ?? "?")}").ToList();
        parts.Add(statuses.Count == 0 ? "no traffic served yet" : "serving " + string.Join(", ", statuses));
        if (view.Desired is { } wanted && view.Serving is { } serving && serving.Name != wanted.Name)
        {
            parts.Add($"traffic still to move to {wanted.Name}");
        }

        return string.Join("; ", parts);
    }

    /// <summary>What describe reports, from the service and its revisions (read newest first, only as far as needed).</summary>
    private async Task<ServiceView> ViewAsync(string service, RunService described, CancellationToken cancellationToken)
    {
        var wanted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in new[] { described.LatestCreatedRevision, described.LatestReadyRevision }
            .Concat((described.Traffic ?? []).Select(t => t.Revision)).Concat((described.TrafficStatuses ?? []).Select(t => t.Revision)))
        {
            if (name is { Length: > 0 })
            {
                wanted.Add(Short(name));
            }
        }

        // Stop once every revision the service names has been seen and a ready one older than all of them (the previous).
        var revisions = await RevisionsAsync(service, stop: list =>
        {
            var names = list.Select(r => r.Name).ToList();
            var last = names.FindLastIndex(wanted.Contains);
            return wanted.All(names.Contains) && list.Skip(last + 1).Any(r => r.Ready);
        }, cancellationToken).ConfigureAwait(false);
        return View(service, described, revisions);
    }

    private static ServiceView View(string service, RunService described, IReadOnlyList<RevisionView> revisions)
    {
        var desired = Desired(described, revisions);
        var servingName = (described.TrafficStatuses ?? []).Where(s => s.Percent > 0).OrderByDescending(s => s.Percent)
            .Select(s => s.Revision is { Length: > 0 } r ? Short(r) : LatestReady(described)).FirstOrDefault();
        var serving = servingName is null ? null : revisions.FirstOrDefault(r => r.Name == servingName);
        var previous = desired is null ? null : revisions.SkipWhile(r => r.Name != desired.Name).Skip(1).FirstOrDefault(r => r.Ready);

        // Desired instances: the template's for the latest revision (what scale just set), else the revision's own.
        var desiredIsLatest = desired is null || desired.Name == Short(described.LatestCreatedRevision ?? string.Empty);
        var desiredMin = desiredIsLatest ? described.Template?.Scaling?.MinInstanceCount ?? 0 : desired!.MinInstances;

        // A revision that failed where traffic should go cannot become ready however long one waits.
        string? problem = null;
        var latestCreated = described.LatestCreatedRevision is { } created ? revisions.FirstOrDefault(r => r.Name == Short(created)) : null;
        var failed = desired is { Failed: true } ? desired : IsLatestOnly(described.Traffic) && latestCreated is { Failed: true } ? latestCreated : null;
        if (failed is not null)
        {
            problem = $"revision {failed.Name} of service '{service}' failed: {failed.ReadyText}";
        }

        return new ServiceView(revisions, desired, serving, previous, desiredMin, problem);
    }

    /// <summary>
    /// The revision the traffic settings send 100 % (or the largest share) to. LATEST means the latest created revision —
    /// unless it failed, when Cloud Run keeps serving the latest ready one.
    /// </summary>
    private static RevisionView? Desired(RunService described, IReadOnlyList<RevisionView> revisions)
    {
        var top = (described.Traffic ?? []).Where(t => t.Percent > 0).OrderByDescending(t => t.Percent).FirstOrDefault();
        string? name;
        if (top is null || top.Type == LatestType || top.Revision is not { Length: > 0 })
        {
            var latest = described.LatestCreatedRevision is { } created ? revisions.FirstOrDefault(r => r.Name == Short(created)) : null;
            name = latest is { Failed: true } ? LatestReady(described) : described.LatestCreatedRevision ?? LatestReady(described);
        }
        else
        {
            name = top.Revision;
        }

        return name is null ? null : revisions.FirstOrDefault(r => r.Name == Short(name));
    }

    private static bool IsLatestOnly(IReadOnlyList<RunTrafficTarget>? traffic) =>
        traffic is null or { Count: 0 } || traffic.Where(t => t.Percent > 0).All(t => t.Type == LatestType);

    private static string? LatestReady(RunService described) => described.LatestReadyRevision is { } ready ? Short(ready) : null;

    /// <summary>revisions.list, newest first, page by page until <paramref name="stop"/> says enough.</summary>
    private async Task<IReadOnlyList<RevisionView>> RevisionsAsync(string service, Func<IReadOnlyList<RevisionView>, bool>? stop, CancellationToken cancellationToken)
    {
        var revisions = new List<RevisionView>();
        string? next = null;
        do
        {
            var query = next is null ? "?pageSize=100" : $"?pageSize=100&pageToken={Uri.EscapeDataString(next)}";
            var page = await client.SendAsync(HttpMethod.Get, new Uri(ServiceUri(service) + "/revisions" + query), null, GcpJson.Default.RunRevisionList,
                Call("revisions.list", service, "run.revisions.list"), cancellationToken).ConfigureAwait(false);
            revisions.AddRange((page.Revisions ?? []).Select(r => RevisionView.Of(r, containerName)));
            next = page.NextPageToken;
        }
        while (!string.IsNullOrEmpty(next) && (stop is null || !stop(revisions)));

        // The API lists newest first; a stable sort by creation time keeps that true of any page order.
        return [.. revisions.OrderByDescending(r => DateTimeOffset.TryParse(r.Created, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : DateTimeOffset.MinValue)];
    }

    private async Task<RunService> ServiceAsync(string service, CancellationToken cancellationToken) =>
        await client.SendAsync(HttpMethod.Get, ServiceUri(service), null, GcpJson.Default.RunService, Call("services.get", service, "run.services.get"),
            cancellationToken).ConfigureAwait(false);

    private async Task<JsonObject> RawServiceAsync(string service, CancellationToken cancellationToken)
    {
        var text = await client.SendAsync(HttpMethod.Get, ServiceUri(service), null, Call("services.get", service, "run.services.get"), cancellationToken)
            .ConfigureAwait(false);
        try
        {
            return JsonNode.Parse(text) as JsonObject ?? throw new JsonException("not an object");
        }
        catch (JsonException ex)
        {
            throw new ProviderException(ProviderErrorKind.Failed, $"Cloud Run services.get of service '{service}' returned a body that is not a Service: {ex.Message}", ex);
        }
    }

    private Uri ServiceUri(string service)
    {
        CheckName(service, "service");
        return new Uri(target.RunEndpoint,
            $"v2/projects/{Uri.EscapeDataString(target.Project)}/locations/{Uri.EscapeDataString(target.Region)}/services/{Uri.EscapeDataString(service)}");
    }

    private GoogleCall Call(string method, string service, string permission) =>
        new($"Cloud Run {method}", $"service '{service}' (project '{target.Project}', region '{target.Region}', projects/{target.Project}/locations/{target.Region}/services/{service})", permission);

    /// <summary>
    /// A Cloud Run service name: lowercase letters, digits and hyphens, starting with a letter, not ending with a hyphen,
    /// at most 49 characters. Checked before any call, so a name can never change the request's path.
    /// </summary>
    private void CheckName(string service, string what)
    {
        if (string.IsNullOrWhiteSpace(service))
        {
            throw new ProviderException(ProviderErrorKind.Failed, $"no {what} named: give the step a '{what}'");
        }

        if (!ServiceNamePattern().IsMatch(service))
        {
            throw new ProviderException(ProviderErrorKind.NotFound,
                $"'{service}' is not a Cloud Run service name (lowercase letters, digits and hyphens, starting with a letter, at most 49 characters), so no such service exists in project '{target.Project}', region '{target.Region}'; check the services mapping in runbook.yaml");
        }
    }

    [GeneratedRegex("^[a-z](?:[-a-z0-9]{0,47}[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex ServiceNamePattern();

    private string? TemplateImage(RunService described, string service) =>
        described.Template?.Containers is { Count: > 0 } containers ? ChooseContainer([.. containers], service, c => c.Name).Image : null;

    /// <summary>The container whose image is the service's: the 'container' setting, else the first (the ingress container comes first in gcloud's YAML too).</summary>
    private T ChooseContainer<T>(IReadOnlyList<T> containers, string service, Func<T, string?> name)
    {
        if (containers.Count == 0)
        {
            throw new ProviderException(ProviderErrorKind.Failed, $"service '{service}' has no containers in its template");
        }

        return containerName is null ? containers[0]
            : containers.FirstOrDefault(c => name(c) == containerName) ?? throw new ProviderException(ProviderErrorKind.NotFound,
                $"service '{service}' has no container '{containerName}' (the 'container' setting); it has {string.Join(", ", containers.Select(c => name(c) ?? "(unnamed)"))}");
    }

    private static JsonObject Child(JsonObject parent, string name)
    {
        if (parent[name] is JsonObject child)
        {
            return child;
        }

        var created = new JsonObject();
        parent[name] = created;
        return created;
    }

    /// <summary>"projects/p/locations/r/services/web/revisions/web-00002-xak" → "web-00002-xak".</summary>
    internal static string Short(string name) => name[(name.LastIndexOf('/') + 1)..];

    private static string EscapePath(string name) => string.Join('/', name.Split('/').Select(Uri.EscapeDataString));

    private static string List(IReadOnlyList<RevisionView> revisions) =>
        revisions.Count == 0 ? "(none)" : string.Join(", ", revisions.Take(10).Select(r => $"{r.Name} ({(r.Ready ? "Ready" : r.ReadyText)})"))
            + (revisions.Count > 10 ? $", … ({revisions.Count.ToString(CultureInfo.InvariantCulture)} in all)" : string.Empty);

    private static RunCondition? Condition(IReadOnlyList<RunCondition>? conditions, string type) => conditions?.FirstOrDefault(c => c.Type == type);

    /// <summary>One log entry as a line: time, severity, revision and the text (text payload, a structured log's message, or the request).</summary>
    private static string Line(LogEntry entry)
    {
        var text = entry.TextPayload
            ?? (entry.JsonPayload?["message"] is JsonValue message && message.TryGetValue<string>(out var m) ? m : null)
            ?? entry.JsonPayload?.ToJsonString()
            ?? (entry.HttpRequest is { } request
                ? $"{request.RequestMethod} {request.Status?.ToString(CultureInfo.InvariantCulture)} {request.RequestUrl} {request.Latency}".Trim()
                : string.Empty);
        var revision = entry.Resource?.Labels?.GetValueOrDefault("revision_name") ?? "?";
        var severity = entry.Severity is { Length: > 0 } s && s != "DEFAULT" ? s + " " : string.Empty;
        return $"{entry.Timestamp} {severity}[{revision}] {text.TrimEnd('\n', '\r')}";
    }

    /// <summary>A revision as describe and history use it.</summary>
    private sealed record RevisionView(string Name, string? Created, bool Ready, bool Failed, string ReadyText, string? Image, int MinInstances)
    {
        public static RevisionView Of(RunRevision revision, string? containerName)
        {
            var ready = Condition(revision.Conditions, "Ready");
            var reason = ready?.Reason is { Length: > 0 } r && r != "COMMON_REASON_UNDEFINED" ? r
                : ready?.RevisionReason is { Length: > 0 } rr && rr != "REVISION_REASON_UNDEFINED" ? rr : null;
            var text = ready is null ? "no Ready condition yet"
                : $"{ready.State ?? "STATE_UNSPECIFIED"}{(reason is null ? string.Empty : ": " + reason)}{(ready.Message is { Length: > 0 } msg ? ": " + msg : string.Empty)}";
            var containers = revision.Containers ?? [];
            var image = (containerName is null ? containers.FirstOrDefault() : containers.FirstOrDefault(c => c.Name == containerName) ?? containers.FirstOrDefault())?.Image;
            return new RevisionView(Short(revision.Name ?? "?"), revision.CreateTime, ready?.State == Succeeded, ready?.State == FailedState, text, image,
                revision.Scaling?.MinInstanceCount ?? 0);
        }
    }

    private sealed record ServiceView(
        IReadOnlyList<RevisionView> Revisions, RevisionView? Desired, RevisionView? Serving, RevisionView? Previous, int DesiredMinInstances, string? Problem);
}
