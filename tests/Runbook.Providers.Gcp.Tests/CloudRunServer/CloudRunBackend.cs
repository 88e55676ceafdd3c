using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Runbook.Providers.Gcp.Tests.CloudRunServer;

/// <summary>
/// The state behind the test server: services, their revisions, long-running operations and log entries, and the
/// revision controller that moves them on. The controller is lazy and exact: every read first settles what time has
/// made true (a revision created at T is Ready, or Failed when its image is marked bad, at T + RevisionReadyAfter; a
/// change's operation completes then), so answers depend on the clock only, never on a background thread's pace.
/// All members take one lock.
/// </summary>
internal sealed class CloudRunBackend
{
    public const string Latest = "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST";
    public const string ByRevision = "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION";
    public const string ServiceType = "type.googleapis.com/google.cloud.run.v2.Service";
    public const string DefaultServiceAccount = "123456789012-compute@developer.gserviceaccount.com";

    /// <summary>What the server says when a bad image's container does not start (Cloud Run's own words).</summary>
    public const string FailedStartMessage = "The user-provided container failed to start and listen on the port defined provided by the PORT=8080 environment variable within the allocated timeout. This can happen when the container port is misconfigured or if the timeout is too short. The health check timeout can be extended.";

    private readonly object _gate = new();
    private readonly Dictionary<string, ServiceState> _services = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OperationState> _operations = new(StringComparer.Ordinal);
    private readonly List<OperationState> _operationOrder = [];
    private readonly HashSet<string> _badImages = new(StringComparer.Ordinal);
    private readonly List<LogState> _logs = [];
    private readonly DiscoveryDocument _run;
    private readonly TimeProvider _time;
    private long _logSequence;

    public CloudRunBackend(string project, string region, TimeSpan readyAfter, int pageSize, DiscoveryDocument run, TimeProvider time)
    {
        Project = project;
        Region = region;
        ReadyAfter = readyAfter;
        PageSize = pageSize;
        _run = run;
        _time = time;
    }

    public string Project { get; }

    public string Region { get; }

    public TimeSpan ReadyAfter { get; }

    /// <summary>The most items a page holds whatever the client asks (0: only the client's pageSize, or the API's default).</summary>
    public int PageSize { get; }

    public string Parent => $"projects/{Project}/locations/{Region}";

    public string ServiceName(string service) => $"{Parent}/services/{service}";

    public string RevisionName(string service, string revision) => $"{ServiceName(service)}/revisions/{revision}";

    // ---- seeding and test-side reads -------------------------------------------------------------------------------

    public void MarkImageBad(string image)
    {
        lock (_gate)
        {
            _badImages.Add(image);
        }
    }

    public void Seed(string service, string image, int minInstances, int maxInstances)
    {
        lock (_gate)
        {
            Settle();
            if (_services.ContainsKey(service))
            {
                throw new InvalidOperationException($"service {service} is already seeded");
            }

            var now = _time.GetUtcNow();
            var created = now - TimeSpan.FromDays(1);
            var state = new ServiceState(service, created, "runbook-seeder@runbook-test-project.iam.gserviceaccount.com");
            var scaling = new JsonObject { ["maxInstanceCount"] = maxInstances };
            if (minInstances != 0)
            {
                scaling["minInstanceCount"] = minInstances;
            }

            state.Spec = new JsonObject
            {
                ["template"] = new JsonObject { ["scaling"] = scaling, ["containers"] = new JsonArray(new JsonObject { ["image"] = image }) },
            };
            state.Spec = NormalizeSpec(state.Spec);
            state.Generation = 1;
            state.Etag = NewEtag(state);
            _services[service] = state;
            var revision = NewRevision(state, null, created);
            revision.ReadyAt = created + ReadyAfter;
            Settle();
            if (revision.Phase == RevisionPhase.Failed)
            {
                state.Failure = $"Revision '{revision.Name}' is not ready and cannot serve traffic. {FailedStartMessage}";
                state.ObservedGeneration = state.Generation;
            }
        }
    }

    public ServiceSnapshot? Snapshot(string service)
    {
        lock (_gate)
        {
            Settle();
            if (!_services.TryGetValue(service, out var state))
            {
                return null;
            }

            var template = state.Spec["template"]!.AsObject();
            var (min, max) = Scaling(template);
            return new ServiceSnapshot(
                service,
                Image(template),
                min,
                max,
                state.Generation,
                state.ObservedGeneration,
                state.Etag,
                state.Pending.Count > 0,
                state.Pending.Count == 0 && state.Failure is null,
                LatestReady(state)?.Name,
                state.Revisions.LastOrDefault()?.Name,
                [.. Traffic(state.Spec).Select(t => new TrafficSnapshot(t.Type, t.Revision, t.Percent, t.Tag))],
                [.. state.Served],
                [.. state.Revisions.AsEnumerable().Reverse().Select(r => RevisionSnapshotOf(r))],
                Annotations(template));
        }
    }

    public IReadOnlyList<LogEntrySnapshot> Logs()
    {
        lock (_gate)
        {
            Settle();
            return [.. _logs.Select(l => new LogEntrySnapshot(l.InsertId, l.Service, l.Revision, l.Timestamp, l.Severity, l.Text, l.LogName))];
        }
    }

    public void Log(string service, string revision, DateTimeOffset at, string text, string severity, string stream = "stdout")
    {
        lock (_gate)
        {
            AddLog(service, revision, at, text, severity, stream);
        }
    }

    // ---- Cloud Run Admin API v2 ------------------------------------------------------------------------------------

    public JsonObject GetService(string service)
    {
        lock (_gate)
        {
            Settle();
            return RenderService(Find(service));
        }
    }

    public JsonObject ListServices(int pageSize, string? pageToken)
    {
        lock (_gate)
        {
            Settle();
            var all = _services.Values.OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
            var (page, next) = Page(all, pageSize, pageToken, $"services:{Parent}", 100);
            var result = new JsonObject();
            if (page.Count > 0)
            {
                result["services"] = new JsonArray([.. page.Select(s => (JsonNode)RenderService(s))]);
            }

            if (next is not null)
            {
                result["nextPageToken"] = next;
            }

            return result;
        }
    }

    public JsonObject GetRevision(string service, string revision)
    {
        lock (_gate)
        {
            Settle();
            var state = Find(service);
            var found = state.Revisions.FirstOrDefault(r => r.Name == revision)
                ?? throw new GoogleErrorException(GoogleError.NotFound(
                    $"Resource '{revision}' of kind 'REVISION' in region '{Region}' in project '{Project}' does not exist."));
            return RenderRevision(state, found);
        }
    }

    /// <summary>revisions.list, newest first; service "-" lists the revisions of every service in the region.</summary>
    public JsonObject ListRevisions(string service, int pageSize, string? pageToken)
    {
        lock (_gate)
        {
            Settle();
            var owners = service == "-" ? _services.Values.ToList() : [Find(service)];
            var all = owners.SelectMany(s => s.Revisions.Select(r => (Service: s, Revision: r)))
                .OrderByDescending(p => p.Revision.Created).ThenByDescending(p => p.Revision.Generation).ThenBy(p => p.Revision.Name, StringComparer.Ordinal)
                .ToList();
            var (page, next) = Page(all, pageSize, pageToken, $"revisions:{ServiceName(service)}", 100);
            var result = new JsonObject();
            if (page.Count > 0)
            {
                result["revisions"] = new JsonArray([.. page.Select(p => (JsonNode)RenderRevision(p.Service, p.Revision))]);
            }

            if (next is not null)
            {
                result["nextPageToken"] = next;
            }

            return result;
        }
    }

    /// <summary>
    /// services.patch: the body is the new Service (all its writable fields, or only those <paramref name="updateMask"/>
    /// names); a stale etag is ABORTED; a missing service is NOT_FOUND unless <paramref name="allowMissing"/>. A change
    /// under template makes a revision; the answer is the long-running operation that completes with it.
    /// </summary>
    public JsonObject PatchService(string service, JsonObject body, string? updateMask, bool allowMissing, bool validateOnly, bool forceNewRevision, string principal)
    {
        lock (_gate)
        {
            Settle();
            var now = _time.GetUtcNow();
            if (body["name"] is JsonValue named && named.GetValue<string>() is { Length: > 0 } bodyName && bodyName != ServiceName(service))
            {
                throw new GoogleErrorException(GoogleError.InvalidArgument(
                    $"service.name '{bodyName}' does not match the name in the request URL '{ServiceName(service)}'."));
            }

            var exists = _services.TryGetValue(service, out var state);
            if (!exists && !allowMissing)
            {
                throw new GoogleErrorException(GoogleError.NotFound(
                    $"Resource '{service}' of kind 'SERVICE' in region '{Region}' in project '{Project}' does not exist."));
            }

            if (exists && body["etag"] is JsonValue etagValue && etagValue.GetValue<string>() is { Length: > 0 } etag && etag != state!.Etag)
            {
                throw new GoogleErrorException(GoogleError.Aborted(
                    $"Conflict for resource '{service}': version '{etag}' was specified but current version is '{state.Etag}'."));
            }

            var incoming = Writable(body);
            JsonObject spec;
            if (updateMask is { Length: > 0 } && exists)
            {
                spec = state!.Spec.DeepClone().AsObject();
                foreach (var path in updateMask.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    ApplyMaskPath(spec, incoming, path);
                }
            }
            else
            {
                spec = incoming;
            }

            spec = NormalizeSpec(spec);
            Validate(spec, state);
            if (validateOnly)
            {
                var preview = _time.GetUtcNow();
                var op = NewOperation(service, preview);
                op.Done = true;
                op.Response = exists ? RenderService(state!) : null;
                return RenderOperation(op);
            }

            if (!exists)
            {
                state = new ServiceState(service, now, principal);
                _services[service] = state;
            }

            var templateChanged = !exists || forceNewRevision || !JsonNode.DeepEquals(state!.Spec["template"], spec["template"]);
            var changed = templateChanged || !JsonNode.DeepEquals(state!.Spec, spec);
            var operation = NewOperation(service, now);
            if (!changed)
            {
                // Nothing to do: Cloud Run answers with an operation that is already done.
                operation.Done = true;
                operation.Response = RenderService(state!);
                return RenderOperation(operation);
            }

            // Refused before anything changes: a named revision that exists with another template.
            var requested = templateChanged ? spec["template"]?["revision"]?.GetValue<string>() : null;
            if (requested is { Length: > 0 } && state!.Revisions.Any(r => r.Name == requested))
            {
                throw new GoogleErrorException(new GoogleError(409, "ALREADY_EXISTS",
                    $"Revision named '{requested}' with different configuration already exists."));
            }

            state!.Spec = spec;
            state.Generation++;
            state.UpdateTime = now;
            state.LastModifier = principal;
            state.Etag = NewEtag(state);
            RevisionState? revision = null;
            if (templateChanged)
            {
                revision = NewRevision(state, requested, now);
            }

            state.Pending.Add(new Change(state.Generation, operation.Name, now + (revision is null ? ReadyAfter / 2 : ReadyAfter),
                revision, Traffic(spec)));
            return RenderOperation(operation);
        }
    }

    public JsonObject GetOperation(string id)
    {
        lock (_gate)
        {
            Settle();
            return RenderOperation(FindOperation(id));
        }
    }

    public bool OperationDone(string id)
    {
        lock (_gate)
        {
            Settle();
            return FindOperation(id).Done;
        }
    }

    public JsonObject ListOperations(int pageSize, string? pageToken)
    {
        lock (_gate)
        {
            Settle();
            var (page, next) = Page(_operationOrder.AsEnumerable().Reverse().ToList(), pageSize, pageToken, $"operations:{Parent}", 100);
            var result = new JsonObject();
            if (page.Count > 0)
            {
                result["operations"] = new JsonArray([.. page.Select(o => (JsonNode)RenderOperation(o))]);
            }

            if (next is not null)
            {
                result["nextPageToken"] = next;
            }

            return result;
        }
    }

    // ---- Cloud Logging v2 ------------------------------------------------------------------------------------------

    /// <summary>entries:list over the project's entries: the filter (every term understood, else INVALID_ARGUMENT), the order and the page.</summary>
    public JsonObject ListEntries(LogFilter filter, bool descending, int pageSize, string? pageToken, string queryKey)
    {
        lock (_gate)
        {
            Settle();
            var matching = _logs.Where(filter.Matches);
            matching = descending
                ? matching.OrderByDescending(l => l.Timestamp).ThenByDescending(l => l.Sequence)
                : matching.OrderBy(l => l.Timestamp).ThenBy(l => l.Sequence);
            var (page, next) = Page(matching.ToList(), pageSize, pageToken, "entries:" + queryKey, 50, 1000);
            var result = new JsonObject();
            if (page.Count > 0)
            {
                result["entries"] = new JsonArray([.. page.Select(l => (JsonNode)RenderLog(l))]);
            }

            if (next is not null)
            {
                result["nextPageToken"] = next;
            }

            return result;
        }
    }

    // ---- the revision controller -----------------------------------------------------------------------------------

    /// <summary>Makes true what the clock has made true: revisions become Ready (or Failed), changes complete in order.</summary>
    private void Settle()
    {
        var now = _time.GetUtcNow();
        foreach (var state in _services.Values)
        {
            foreach (var revision in state.Revisions.Where(r => r.Phase == RevisionPhase.Pending && r.ReadyAt <= now))
            {
                revision.Phase = revision.Bad ? RevisionPhase.Failed : RevisionPhase.Ready;
                revision.Settled = revision.ReadyAt;
                var container = Image(revision.Template);
                AddLog(state.Name, revision.Name, revision.ReadyAt - (ReadyAfter / 2),
                    "Starting new instance. Reason: DEPLOYMENT_ROLLOUT - Instance started due to traffic shifting between revisions due to deployment, traffic split adjustment, or deployment health check.",
                    "INFO", "varlog/system");
                if (revision.Bad)
                {
                    AddLog(state.Name, revision.Name, revision.ReadyAt - (ReadyAfter / 4),
                        $"exec /app/server: no such file or directory (image {container})", "ERROR", "stderr");
                    AddLog(state.Name, revision.Name, revision.ReadyAt,
                        "Default STARTUP TCP probe failed 1 time consecutively for container \"app\" on port 8080. The instance was not started.", "ERROR", "varlog/system");
                }
                else
                {
                    AddLog(state.Name, revision.Name, revision.ReadyAt - (ReadyAfter / 4), $"Listening on port 8080 (image {container})", "DEFAULT", "stdout");
                    AddLog(state.Name, revision.Name, revision.ReadyAt,
                        "Default STARTUP TCP probe succeeded after 1 attempt for container \"app\" on port 8080.", "INFO", "varlog/system");
                }
            }

            if (state.Pending.Count == 0 && state.Served.Count == 0 && LatestReady(state) is not null)
            {
                // a seeded service: it serves as its spec says from the start
                state.Served = Resolve(state, Traffic(state.Spec), out _);
                state.ObservedGeneration = state.Generation;
            }

            while (state.Pending.Count > 0 && state.Pending[0].DueAt <= now)
            {
                var change = state.Pending[0];
                state.Pending.RemoveAt(0);
                Complete(state, change);
            }
        }
    }

    private void Complete(ServiceState state, Change change)
    {
        GoogleError? error = null;
        if (change.Revision is { Phase: RevisionPhase.Failed } failed)
        {
            error = new GoogleError(400, "FAILED_PRECONDITION", $"Revision '{failed.Name}' is not ready and cannot serve traffic. {FailedStartMessage}");
        }

        var served = Resolve(state, change.Traffic, out var routeError);
        if (routeError is not null)
        {
            error ??= routeError;
        }
        else
        {
            // What is served moves only when every target can serve: an explicit target that failed keeps the old split.
            state.Served = served;
        }

        state.ObservedGeneration = change.Generation;
        state.Failure = error?.Message;
        state.RoutesFailed = routeError is not null;
        state.ConditionTime = change.DueAt;
        var operation = _operations[change.Operation];
        operation.Done = true;
        operation.Error = error;
        operation.Response = error is null ? RenderService(state) : null;
    }

    /// <summary>The traffic actually served for a spec's targets: LATEST resolves to the latest ready revision.</summary>
    private List<TrafficSnapshot> Resolve(ServiceState state, IReadOnlyList<TrafficSnapshot> targets, out GoogleError? error)
    {
        error = null;
        var served = new List<TrafficSnapshot>();
        foreach (var target in targets)
        {
            if (target.Latest)
            {
                var latest = LatestReady(state);
                if (latest is null)
                {
                    error = new GoogleError(400, "FAILED_PRECONDITION", $"Service '{state.Name}' has no ready revision to send the latest revision's traffic to.");
                    continue;
                }

                served.Add(target with { Revision = latest.Name });
                continue;
            }

            var revision = state.Revisions.FirstOrDefault(r => r.Name == target.Revision);
            if (revision is null || revision.Phase != RevisionPhase.Ready)
            {
                error = new GoogleError(400, "FAILED_PRECONDITION", $"Revision '{target.Revision}' is not ready and cannot serve traffic.");
                continue;
            }

            served.Add(target);
        }

        return served;
    }

    private static RevisionState? LatestReady(ServiceState state) => state.Revisions.LastOrDefault(r => r.Phase == RevisionPhase.Ready);

    private RevisionState NewRevision(ServiceState state, string? requestedName, DateTimeOffset now)
    {
        var name = requestedName is { Length: > 0 } ? requestedName : $"{state.Name}-{state.Generation:D5}-{Suffix()}";
        var template = state.Spec["template"]!.AsObject();
        var revision = new RevisionState(name, state.Generation, template.DeepClone().AsObject(), now, now + ReadyAfter,
            _badImages.Contains(Image(template)), Guid.NewGuid().ToString());
        state.Revisions.Add(revision);
        return revision;
    }

    private static string Suffix()
    {
        const string Letters = "abcdefghijklmnopqrstuvwxyz";
        return new string([.. RandomNumberGenerator.GetBytes(3).Select(b => Letters[b % Letters.Length])]);
    }

    private static string NewEtag(ServiceState state) =>
        "\"" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes($"{state.Uid}/{state.Generation}/{state.Spec.ToJsonString()}")))[..22] + "\"";

    // ---- requests: writable fields, masks, normalization and validation ----------------------------------------

    /// <summary>The writable fields of a Service body; output-only fields a client echoes back are ignored, as Google does.</summary>
    private JsonObject Writable(JsonObject body)
    {
        var spec = new JsonObject();
        foreach (var (key, value) in body)
        {
            if (value is not null && !_run.IsReadOnly("GoogleCloudRunV2Service", key) && key is not ("name" or "etag"))
            {
                spec[key] = value.DeepClone();
            }
        }

        return spec;
    }

    private void ApplyMaskPath(JsonObject spec, JsonObject incoming, string path)
    {
        var parts = path.Split('.').Select(SnakeToCamel).ToArray();
        if (!_run.Properties("GoogleCloudRunV2Service").Contains(parts[0]) || _run.IsReadOnly("GoogleCloudRunV2Service", parts[0]) || parts[0] is "name" or "etag")
        {
            throw new GoogleErrorException(GoogleError.InvalidArgument($"Invalid update mask path '{path}': not a writable field of Service."));
        }

        JsonNode? source = incoming;
        foreach (var part in parts)
        {
            source = (source as JsonObject)?[part];
        }

        var target = spec;
        foreach (var part in parts[..^1])
        {
            if (target[part] is not JsonObject next)
            {
                next = new JsonObject();
                target[part] = next;
            }

            target = next;
        }

        if (source is null)
        {
            target.Remove(parts[^1]);
        }
        else
        {
            target[parts[^1]] = source.DeepClone();
        }
    }

    private static string SnakeToCamel(string name)
    {
        var pieces = name.Split('_');
        return pieces[0] + string.Concat(pieces.Skip(1).Select(p => p.Length == 0 ? p : char.ToUpperInvariant(p[0]) + p[1..]));
    }

    /// <summary>
    /// The spec as stored: proto3 defaults dropped (a client that writes minInstanceCount: 0 and one that leaves it out
    /// mean the same), a target's type inferred when left out, traffic LATEST 100 when none is given, ingress and launch stage defaulted.
    /// Stored this way so that a client echoing back what it read changes nothing.
    /// </summary>
    private static JsonObject NormalizeSpec(JsonObject spec)
    {
        var normal = (JsonObject?)DropDefaults(spec) ?? new JsonObject();
        if (normal["traffic"] is JsonArray traffic)
        {
            // (enum numbers were read as names on the way in)
            foreach (var target in traffic.OfType<JsonObject>())
            {
                if (target["type"] is null || target["type"]!.GetValue<string>() == "TRAFFIC_TARGET_ALLOCATION_TYPE_UNSPECIFIED")
                {
                    target["type"] = target["revision"] is null ? Latest : ByRevision;
                }
            }
        }
        else
        {
            normal["traffic"] = new JsonArray(new JsonObject { ["type"] = Latest, ["percent"] = 100 });
        }

        if (normal["template"] is JsonObject template)
        {
            template["maxInstanceRequestConcurrency"] ??= 80;
            template["timeout"] ??= "300s";
            template["serviceAccount"] ??= DefaultServiceAccount;
            if (template["scaling"] is not JsonObject scaling)
            {
                scaling = new JsonObject();
                template["scaling"] = scaling;
            }

            scaling["maxInstanceCount"] ??= 100;
        }

        normal["ingress"] ??= "INGRESS_TRAFFIC_ALL";
        normal["launchStage"] ??= "GA";
        return normal;
    }

    private static JsonNode? DropDefaults(JsonNode? node)
    {
        switch (node)
        {
            case null:
                return null;
            case JsonObject obj:
                var copy = new JsonObject();
                foreach (var (key, value) in obj)
                {
                    if (DropDefaults(value) is { } kept)
                    {
                        copy[key] = kept;
                    }
                }

                return copy.Count == 0 ? null : copy;
            case JsonArray array:
                return array.Count == 0 ? null : new JsonArray([.. array.Select(i => i?.DeepClone())]);
            default:
                var kind = node.GetValueKind();
                if (kind == JsonValueKind.False || (kind == JsonValueKind.String && node.GetValue<string>().Length == 0)
                    || (kind == JsonValueKind.Number && double.Parse(node.ToJsonString(), CultureInfo.InvariantCulture) == 0))
                {
                    return null;
                }

                return node.DeepClone();
        }
    }

    private void Validate(JsonObject spec, ServiceState? state)
    {
        if (spec["template"] is not JsonObject template)
        {
            throw new GoogleErrorException(GoogleError.InvalidArgument("service.template: required field not set"));
        }

        if (template["containers"] is not JsonArray { Count: > 0 } containers)
        {
            throw new GoogleErrorException(GoogleError.InvalidArgument("service.template.containers: at least one container is required"));
        }

        for (var i = 0; i < containers.Count; i++)
        {
            if (containers[i]?["image"] is not JsonValue image || image.GetValue<string>().Length == 0)
            {
                throw new GoogleErrorException(GoogleError.InvalidArgument($"service.template.containers[{i}].image: required field not set"));
            }
        }

        var (min, max) = ScalingChecked(template);
        if (min < 0 || max < 0)
        {
            throw new GoogleErrorException(GoogleError.InvalidArgument("service.template.scaling: instance counts must not be negative"));
        }

        if (max != 0 && min > max)
        {
            throw new GoogleErrorException(GoogleError.InvalidArgument(
                $"service.template.scaling.min_instance_count: must be less than or equal to max_instance_count ({min} > {max})"));
        }

        var total = 0;
        var latest = 0;
        foreach (var target in Traffic(spec))
        {
            if (target.Percent is < 0 or > 100)
            {
                throw new GoogleErrorException(GoogleError.InvalidArgument($"service.traffic: percent {target.Percent} is outside 0..100"));
            }

            total += target.Percent;
            if (target.Latest)
            {
                latest++;
                continue;
            }

            if (target.Revision is null)
            {
                throw new GoogleErrorException(GoogleError.InvalidArgument("service.traffic: a TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION target must name its revision"));
            }

            if (state?.Revisions.Any(r => r.Name == target.Revision) != true)
            {
                throw new GoogleErrorException(GoogleError.InvalidArgument(
                    $"service.traffic: Revision '{target.Revision}' of service '{state?.Name ?? "(new)"}' does not exist in region '{Region}' in project '{Project}'."));
            }
        }

        if (latest > 1)
        {
            throw new GoogleErrorException(GoogleError.InvalidArgument("service.traffic: at most one target may follow the latest revision"));
        }

        if (total != 100)
        {
            throw new GoogleErrorException(GoogleError.InvalidArgument($"service.traffic: the percentages add up to {total}, not 100"));
        }
    }

    private static (int Min, int Max) ScalingChecked(JsonObject template)
    {
        try
        {
            return Scaling(template);
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException)
        {
            throw new GoogleErrorException(GoogleError.InvalidArgument($"service.template.scaling: {ex.Message}"));
        }
    }

    private static (int Min, int Max) Scaling(JsonObject template) =>
        (Int(template["scaling"]?["minInstanceCount"]), Int(template["scaling"]?["maxInstanceCount"]));

    private static int Int(JsonNode? node) => node switch
    {
        null => 0,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => int.Parse(v.GetValue<string>(), CultureInfo.InvariantCulture),
        JsonValue v => v.GetValue<int>(),
        _ => throw new FormatException($"{node.ToJsonString()} is not a number"),
    };

    private static string Image(JsonObject template) => template["containers"]?[0]?["image"]?.GetValue<string>() ?? string.Empty;

    private static Dictionary<string, string> Annotations(JsonObject template) =>
        template["annotations"] is JsonObject annotations
            ? annotations.ToDictionary(a => a.Key, a => a.Value?.GetValue<string>() ?? string.Empty, StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal);

    private static List<TrafficSnapshot> Traffic(JsonObject spec) =>
        [.. (spec["traffic"] as JsonArray ?? []).OfType<JsonObject>().Select(t => new TrafficSnapshot(
            t["type"]?.GetValue<string>() ?? Latest, t["revision"]?.GetValue<string>(), Int(t["percent"]), t["tag"]?.GetValue<string>()))];

    // ---- rendering -------------------------------------------------------------------------------------------------

    private JsonObject RenderService(ServiceState state)
    {
        var service = new JsonObject { ["name"] = ServiceName(state.Name), ["uid"] = state.Uid, ["generation"] = Long(state.Generation) };
        foreach (var (key, value) in state.Spec)
        {
            service[key] = value?.DeepClone();
        }

        service["createTime"] = Time(state.CreateTime);
        service["updateTime"] = Time(state.UpdateTime);
        service["creator"] = state.Creator;
        service["lastModifier"] = state.LastModifier;
        service["observedGeneration"] = Long(state.ObservedGeneration);
        var reconciling = state.Pending.Count > 0;
        var latestCreated = state.Revisions.LastOrDefault();
        var ready = reconciling ? "CONDITION_RECONCILING" : state.Failure is null ? "CONDITION_SUCCEEDED" : "CONDITION_FAILED";
        var terminal = Condition("Ready", ready, state.ConditionTime);
        if (!reconciling && state.Failure is not null)
        {
            terminal["message"] = state.Failure;
            terminal["reason"] = "REVISION_FAILED";
            terminal["severity"] = "ERROR";
        }

        service["terminalCondition"] = terminal;
        var configuration = latestCreated?.Phase switch
        {
            RevisionPhase.Pending => "CONDITION_RECONCILING",
            RevisionPhase.Failed => "CONDITION_FAILED",
            _ => "CONDITION_SUCCEEDED",
        };
        var configurationsReady = Condition("ConfigurationsReady", configuration, latestCreated?.Settled ?? state.ConditionTime);
        if (latestCreated is { Phase: RevisionPhase.Failed })
        {
            configurationsReady["message"] = $"Revision '{latestCreated.Name}' is not ready and cannot serve traffic. {FailedStartMessage}";
            configurationsReady["reason"] = "REVISION_FAILED";
            configurationsReady["severity"] = "ERROR";
        }

        var routes = Condition("RoutesReady", reconciling ? "CONDITION_RECONCILING" : state.RoutesFailed ? "CONDITION_FAILED" : "CONDITION_SUCCEEDED", state.ConditionTime);
        if (!reconciling && state.RoutesFailed)
        {
            routes["message"] = state.Failure;
            routes["severity"] = "ERROR";
        }

        service["conditions"] = new JsonArray(routes, configurationsReady);
        if (LatestReady(state) is { } latestReady)
        {
            service["latestReadyRevision"] = RevisionName(state.Name, latestReady.Name);
        }

        if (latestCreated is not null)
        {
            service["latestCreatedRevision"] = RevisionName(state.Name, latestCreated.Name);
        }

        if (state.Served.Count > 0)
        {
            service["trafficStatuses"] = new JsonArray([.. state.Served.Select(t =>
            {
                var status = new JsonObject { ["type"] = t.Type };
                if (!t.Latest)
                {
                    status["revision"] = t.Revision;
                }

                if (t.Percent != 0)
                {
                    status["percent"] = t.Percent;
                }

                if (t.Tag is not null)
                {
                    status["tag"] = t.Tag;
                    status["uri"] = $"https://{t.Tag}---{state.Name}-{Hash(state.Name)}-ew.a.run.app";
                }

                return (JsonNode)status;
            })]);
        }

        service["uri"] = $"https://{state.Name}-{Hash(state.Name)}-ew.a.run.app";
        service["urls"] = new JsonArray($"https://{state.Name}-123456789012.{Region}.run.app", $"https://{state.Name}-{Hash(state.Name)}-ew.a.run.app");
        if (reconciling)
        {
            service["reconciling"] = true;
        }

        service["etag"] = state.Etag;
        return service;
    }

    private JsonObject RenderRevision(ServiceState state, RevisionState revision)
    {
        var template = revision.Template;
        var rendered = new JsonObject
        {
            ["name"] = RevisionName(state.Name, revision.Name),
            ["uid"] = revision.Uid,
            ["generation"] = "1",
            ["createTime"] = Time(revision.Created),
            ["updateTime"] = Time(revision.Settled ?? revision.Created),
            ["launchStage"] = "GA",
            ["service"] = state.Name,
        };
        foreach (var key in (string[])["labels", "annotations", "scaling", "containers", "volumes", "maxInstanceRequestConcurrency", "timeout", "serviceAccount", "executionEnvironment", "vpcAccess", "encryptionKey", "sessionAffinity", "nodeSelector"])
        {
            if (template[key] is { } value)
            {
                rendered[key] = value.DeepClone();
            }
        }

        var ready = revision.Phase switch
        {
            RevisionPhase.Pending => Condition("Ready", "CONDITION_RECONCILING", revision.Created),
            RevisionPhase.Failed => Condition("Ready", "CONDITION_FAILED", revision.Settled!.Value),
            _ => Condition("Ready", "CONDITION_SUCCEEDED", revision.Settled!.Value),
        };
        var health = revision.Phase switch
        {
            RevisionPhase.Pending => Condition("ContainerHealthy", "CONDITION_RECONCILING", revision.Created),
            RevisionPhase.Failed => Condition("ContainerHealthy", "CONDITION_FAILED", revision.Settled!.Value),
            _ => Condition("ContainerHealthy", "CONDITION_SUCCEEDED", revision.Settled!.Value),
        };
        if (revision.Phase == RevisionPhase.Failed)
        {
            foreach (var condition in (JsonObject[])[ready, health])
            {
                condition["revisionReason"] = "HEALTH_CHECK_CONTAINER_ERROR";
                condition["message"] = FailedStartMessage;
                condition["severity"] = "ERROR";
            }
        }

        rendered["conditions"] = new JsonArray(ready, Condition("ResourcesAvailable", "CONDITION_SUCCEEDED", revision.Created), health);
        rendered["observedGeneration"] = "1";
        if (revision.Phase == RevisionPhase.Pending)
        {
            rendered["reconciling"] = true;
        }

        rendered["logUri"] = $"https://console.cloud.google.com/logs/viewer?project={Project}&resource=cloud_run_revision/service_name/{state.Name}/revision_name/{revision.Name}";
        rendered["etag"] = "\"" + revision.Uid[..8] + (int)revision.Phase + "\"";
        return rendered;
    }

    private RevisionSnapshot RevisionSnapshotOf(RevisionState revision)
    {
        var (min, max) = Scaling(revision.Template);
        return new RevisionSnapshot(revision.Name, revision.Phase == RevisionPhase.Ready, revision.Phase == RevisionPhase.Failed, Image(revision.Template),
            min, max, revision.Created, revision.Phase == RevisionPhase.Failed ? "HEALTH_CHECK_CONTAINER_ERROR" : null,
            revision.Phase == RevisionPhase.Failed ? FailedStartMessage : null, Annotations(revision.Template));
    }

    private JsonObject RenderOperation(OperationState operation)
    {
        var rendered = new JsonObject { ["name"] = operation.Name };
        if (_services.TryGetValue(operation.Service, out var state))
        {
            var metadata = RenderService(state);
            metadata.Insert(0, "@type", ServiceType);
            rendered["metadata"] = metadata;
        }

        if (operation.Done)
        {
            rendered["done"] = true;
            if (operation.Error is not null)
            {
                rendered["error"] = operation.Error.ToRpcStatus();
            }
            else if (operation.Response is not null)
            {
                var response = operation.Response.DeepClone().AsObject();
                response.Insert(0, "@type", ServiceType);
                rendered["response"] = response;
            }
        }

        return rendered;
    }

    private JsonObject RenderLog(LogState log) => new()
    {
        ["insertId"] = log.InsertId,
        ["logName"] = log.LogName,
        ["resource"] = new JsonObject
        {
            ["type"] = "cloud_run_revision",
            ["labels"] = new JsonObject
            {
                ["configuration_name"] = log.Service,
                ["location"] = Region,
                ["project_id"] = Project,
                ["revision_name"] = log.Revision,
                ["service_name"] = log.Service,
            },
        },
        ["textPayload"] = log.Text,
        ["timestamp"] = Time(log.Timestamp),
        ["severity"] = log.Severity,
        ["labels"] = new JsonObject { ["instanceId"] = "0069c7a988" + Hash(log.Revision) },
        ["receiveTimestamp"] = Time(log.Timestamp + TimeSpan.FromMilliseconds(40)),
    };

    private static JsonObject Condition(string type, string state, DateTimeOffset at) =>
        new() { ["type"] = type, ["state"] = state, ["lastTransitionTime"] = Time(at) };

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    private static string Long(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..10];

    private void AddLog(string service, string revision, DateTimeOffset at, string text, string severity, string stream)
    {
        var sequence = ++_logSequence;
        _logs.Add(new LogState(sequence, $"{sequence:x8}{Hash(text)[..6]}", service, revision, at, severity, text,
            $"projects/{Project}/logs/run.googleapis.com%2F{stream.Replace("/", "%2F", StringComparison.Ordinal)}"));
    }

    // ---- lookups and paging ----------------------------------------------------------------------------------------

    private ServiceState Find(string service) =>
        _services.TryGetValue(service, out var state) ? state
            : throw new GoogleErrorException(GoogleError.NotFound(
                $"Resource '{service}' of kind 'SERVICE' in region '{Region}' in project '{Project}' does not exist."));

    private OperationState FindOperation(string id) =>
        _operations.TryGetValue($"{Parent}/operations/{id}", out var operation) ? operation
            : throw new GoogleErrorException(GoogleError.NotFound($"Operation '{Parent}/operations/{id}' not found."));

    private OperationState NewOperation(string service, DateTimeOffset now)
    {
        var operation = new OperationState($"{Parent}/operations/{Guid.NewGuid()}", service, now);
        _operations[operation.Name] = operation;
        _operationOrder.Add(operation);
        return operation;
    }

    /// <summary>A page of <paramref name="items"/>: the token is the next offset bound to the query, so a token from another listing is refused.</summary>
    private (List<T> Page, string? Next) Page<T>(List<T> items, int requested, string? token, string query, int defaultSize, int maxSize = 1000)
    {
        if (requested < 0)
        {
            throw new GoogleErrorException(GoogleError.InvalidArgument("page_size must not be negative"));
        }

        var size = requested == 0 ? defaultSize : Math.Min(requested, maxSize);
        if (PageSize > 0)
        {
            size = Math.Min(size, PageSize);
        }

        var offset = 0;
        if (token is { Length: > 0 })
        {
            var text = Encoding.UTF8.GetString(DecodeToken(token));
            var bar = text.IndexOf('|', StringComparison.Ordinal);
            if (bar < 0 || text[(bar + 1)..] != query || !int.TryParse(text[..bar], CultureInfo.InvariantCulture, out offset) || offset < 0)
            {
                throw new GoogleErrorException(GoogleError.InvalidArgument($"Invalid page token '{token}'."));
            }
        }

        var page = items.Skip(offset).Take(size).ToList();
        var next = offset + size < items.Count ? Convert.ToBase64String(Encoding.UTF8.GetBytes($"{offset + size}|{query}")) : null;
        return (page, next);
    }

    private static byte[] DecodeToken(string token)
    {
        try
        {
            return Convert.FromBase64String(token);
        }
        catch (FormatException)
        {
            throw new GoogleErrorException(GoogleError.InvalidArgument($"Invalid page token '{token}'."));
        }
    }

    // ---- state -----------------------------------------------------------------------------------------------------

    private enum RevisionPhase
    {
        Pending,
        Ready,
        Failed,
    }

    private sealed class ServiceState(string name, DateTimeOffset created, string creator)
    {
        public string Name { get; } = name;

        public string Uid { get; } = Guid.NewGuid().ToString();

        public DateTimeOffset CreateTime { get; } = created;

        public DateTimeOffset UpdateTime { get; set; } = created;

        public DateTimeOffset ConditionTime { get; set; } = created;

        public string Creator { get; } = creator;

        public string LastModifier { get; set; } = creator;

        public JsonObject Spec { get; set; } = [];

        public long Generation { get; set; }

        public long ObservedGeneration { get; set; }

        public string Etag { get; set; } = string.Empty;

        public List<RevisionState> Revisions { get; } = [];

        public List<TrafficSnapshot> Served { get; set; } = [];

        public List<Change> Pending { get; } = [];

        /// <summary>Why the last completed change failed (null when it succeeded): the service's Ready condition message.</summary>
        public string? Failure { get; set; }

        public bool RoutesFailed { get; set; }
    }

    private sealed class RevisionState(string name, long generation, JsonObject template, DateTimeOffset created, DateTimeOffset readyAt, bool bad, string uid)
    {
        public string Name { get; } = name;

        public long Generation { get; } = generation;

        public JsonObject Template { get; } = template;

        public DateTimeOffset Created { get; } = created;

        public DateTimeOffset ReadyAt { get; set; } = readyAt;

        public bool Bad { get; } = bad;

        public string Uid { get; } = uid;

        public RevisionPhase Phase { get; set; }

        public DateTimeOffset? Settled { get; set; }
    }

    private sealed record Change(long Generation, string Operation, DateTimeOffset DueAt, RevisionState? Revision, IReadOnlyList<TrafficSnapshot> Traffic);

    private sealed class OperationState(string name, string service, DateTimeOffset created)
    {
        public string Name { get; } = name;

        public string Service { get; } = service;

        public DateTimeOffset Created { get; } = created;

        public bool Done { get; set; }

        public GoogleError? Error { get; set; }

        public JsonObject? Response { get; set; }
    }
}

/// <summary>One Cloud Logging entry of a Cloud Run revision.</summary>
internal sealed record LogState(long Sequence, string InsertId, string Service, string Revision, DateTimeOffset Timestamp, string Severity, string Text, string LogName);
