using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Runbook.Providers.Azure.Tests.ArmServer;

/// <summary>
/// The state behind the ARM test server: container apps, their revisions and the long-running operations that
/// change them, with the revision controller of Azure Container Apps. A change to the template's revision scope
/// (image, containers, revisionSuffix …) makes a new revision; <c>template.scale</c> is application scope and only
/// changes the replica count. A new revision provisions over <see cref="ProvisioningTime"/>; one whose image was
/// marked bad fails after twice that. Single revision mode moves all traffic to the new revision once it is ready
/// (and deactivates the old one); Multiple mode routes by <c>configuration.ingress.traffic</c>.
/// Time only moves through <see cref="TimeProvider"/>: every read settles what has become due by then, so a state
/// seen once is never seen to go backwards. Thread-safe through one lock.
/// </summary>
internal sealed class ContainerAppsState(string subscription, TimeProvider time, TimeSpan provisioningTime)
{
    public const string Location = "eastus";
    public const string LocationDisplayName = "East US";

    private readonly object _gate = new();
    private readonly Dictionary<string, AppState> _apps = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _resourceGroups = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, Operation> _operations = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _badImages = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (AppState App, DateTimeOffset Expires)> _logStreamTokens = new(StringComparer.Ordinal);

    public string Subscription { get; } = subscription;

    public TimeSpan ProvisioningTime { get; } = provisioningTime;

    public DateTimeOffset Now => time.GetUtcNow();

    public void MarkImageBad(string image)
    {
        lock (_gate)
        {
            _badImages.Add(image);
        }
    }

    public void AddResourceGroup(string resourceGroup)
    {
        lock (_gate)
        {
            _resourceGroups.Add(resourceGroup);
        }
    }

    /// <summary>An app as it would be after a finished deployment an hour ago: one provisioned, healthy revision with all traffic.</summary>
    public void Seed(string resourceGroup, string app, string image, int minReplicas, int maxReplicas, bool multipleRevisions)
    {
        lock (_gate)
        {
            _resourceGroups.Add(resourceGroup);
            var created = Now.AddHours(-1);
            var state = new AppState(resourceGroup, app, created)
            {
                EnvironmentId = $"/subscriptions/{Subscription}/resourceGroups/{resourceGroup}/providers/Microsoft.App/managedEnvironments/{resourceGroup}-env",
                Configuration = new JsonObject
                {
                    ["activeRevisionsMode"] = multipleRevisions ? "Multiple" : "Single",
                    ["maxInactiveRevisions"] = 100,
                    ["ingress"] = new JsonObject
                    {
                        ["external"] = true,
                        ["targetPort"] = 8080,
                        ["transport"] = "auto",
                        ["allowInsecure"] = false,
                        ["traffic"] = new JsonArray(new JsonObject { ["weight"] = 100, ["latestRevision"] = true }),
                    },
                },
                Template = new JsonObject
                {
                    ["containers"] = new JsonArray(new JsonObject
                    {
                        ["name"] = app,
                        ["image"] = image,
                        ["resources"] = new JsonObject { ["cpu"] = 0.5, ["memory"] = "1Gi" },
                    }),
                    ["scale"] = new JsonObject { ["minReplicas"] = minReplicas, ["maxReplicas"] = maxReplicas },
                },
            };
            var first = NewRevision(state, created);
            if (first.Bad)
            {
                // A bad image never became healthy: it is still provisioning now, and fails as a deployed one would.
                Provision(first, Now);
            }
            else
            {
                first.Status = RevisionStatus.Provisioned;
                first.ReadyAt = created.AddSeconds(30);
                first.SettledAt = first.ReadyAt;
            }
            _apps[Key(resourceGroup, app)] = state;
        }
    }

    /// <summary>Reads under the lock, after settling whatever became due.</summary>
    public T Read<T>(Func<T> read)
    {
        lock (_gate)
        {
            Settle();
            return read();
        }
    }

    public AppState App(string resourceGroup, string app)
    {
        lock (_gate)
        {
            Settle();
            if (!_resourceGroups.Contains(resourceGroup))
            {
                throw ArmError.ResourceGroupNotFound(resourceGroup);
            }

            return _apps.TryGetValue(Key(resourceGroup, app), out var state) ? state : throw ArmError.ResourceNotFound("Microsoft.App/containerApps", app, resourceGroup);
        }
    }

    public IReadOnlyList<AppState> Apps(string? resourceGroup)
    {
        lock (_gate)
        {
            Settle();
            if (resourceGroup is not null && !_resourceGroups.Contains(resourceGroup))
            {
                throw ArmError.ResourceGroupNotFound(resourceGroup);
            }

            return [.. _apps.Values.Where(a => resourceGroup is null || string.Equals(a.ResourceGroup, resourceGroup, StringComparison.OrdinalIgnoreCase))
                .OrderBy(a => a.Name, StringComparer.Ordinal)];
        }
    }

    public RevisionState Revision(string resourceGroup, string app, string revision)
    {
        lock (_gate)
        {
            var state = App(resourceGroup, app);
            return state.Revisions.FirstOrDefault(r => string.Equals(r.Name, revision, StringComparison.OrdinalIgnoreCase))
                ?? throw ArmError.ResourceNotFound("Microsoft.App/containerApps/revisions", $"{app}/{revision}", resourceGroup);
        }
    }

    public Operation Operation(string id)
    {
        lock (_gate)
        {
            Settle();
            return _operations.TryGetValue(id, out var operation) ? operation
                : throw new ArmError(HttpStatusCode.NotFound, "OperationNotFound", $"The operation '{id}' could not be found.");
        }
    }

    /// <summary>
    /// PATCH (JSON merge patch of the resource) or PUT (the whole resource; creates the app when it does not exist).
    /// Returns the long-running operation, or null for a PUT that changes nothing (ARM's 200 "no change").
    /// </summary>
    public (Operation? Operation, bool Created) Update(string resourceGroup, string app, JsonObject body, bool replace)
    {
        lock (_gate)
        {
            Settle();
            if (!_resourceGroups.Contains(resourceGroup))
            {
                throw ArmError.ResourceGroupNotFound(resourceGroup);
            }

            var exists = _apps.TryGetValue(Key(resourceGroup, app), out var state);
            if (!exists && !replace)
            {
                throw ArmError.ResourceNotFound("Microsoft.App/containerApps", app, resourceGroup);
            }

            if (state?.Pending is { Status: OperationStatus.InProgress })
            {
                throw ArmError.OperationInProgress(app);
            }

            var properties = body["properties"] as JsonObject ?? [];
            JsonObject configuration, template;
            var tags = state?.Tags;
            string? environmentId = state?.EnvironmentId;
            if (replace)
            {
                configuration = (JsonObject?)properties["configuration"]?.DeepClone() ?? [];
                template = (JsonObject?)properties["template"]?.DeepClone()
                    ?? throw ArmError.InvalidProperty("ContainerAppInvalidSchema", "Field 'template' is required.");
                tags = (JsonObject?)body["tags"]?.DeepClone();
                environmentId = (string?)properties["managedEnvironmentId"] ?? (string?)properties["environmentId"] ?? environmentId;
                if (state is null && (string?)body["location"] is null)
                {
                    throw new ArmError(HttpStatusCode.BadRequest, "LocationRequired", "The location property is required for this definition.");
                }

                if (environmentId is null)
                {
                    throw ArmError.InvalidProperty("ContainerAppInvalidSchema", "Field 'managedEnvironmentId' is required.");
                }
            }
            else
            {
                configuration = (JsonObject)MergePatch(state!.Configuration.DeepClone(), properties["configuration"])!;
                template = (JsonObject)MergePatch(state.Template.DeepClone(), properties["template"])!;
                if (body.ContainsKey("tags"))
                {
                    tags = MergePatch(tags?.DeepClone(), body["tags"]) as JsonObject;
                }
            }

            Validate(state, app, configuration, template);
            var created = Now;
            var first = state is null;
            state ??= new AppState(resourceGroup, app, created) { EnvironmentId = environmentId!, Configuration = configuration, Template = template };
            var newRevision = first || !JsonNode.DeepEquals(RevisionScope(state.Template), RevisionScope(template));
            if (newRevision && (string?)template["revisionSuffix"] is { Length: > 0 } suffix
                && state.Revisions.Any(r => string.Equals(r.Name, $"{app}--{suffix}", StringComparison.OrdinalIgnoreCase)))
            {
                throw ArmError.InvalidProperty("ContainerAppRevisionNameConflict",
                    $"A revision named '{app}--{suffix}' already exists in container app '{app}'; give template.revisionSuffix a new value or leave it out.");
            }

            if (replace && !first && !newRevision && JsonNode.DeepEquals(state.Configuration, configuration)
                && JsonNode.DeepEquals(state.Template, template) && JsonNode.DeepEquals(state.Tags, tags))
            {
                return (null, false);
            }

            state.Configuration = configuration;
            state.Template = template;
            state.Tags = tags;
            state.EnvironmentId = environmentId ?? state.EnvironmentId;
            if (first)
            {
                _apps[Key(resourceGroup, app)] = state;
            }

            if (!string.Equals(state.Mode, "Multiple", StringComparison.OrdinalIgnoreCase))
            {
                // Single mode keeps one active revision (the one serving) besides a new one that is provisioning.
                var serving = Serving(state);
                foreach (var other in state.Revisions.Where(r => r.Active && r != serving))
                {
                    Deactivate(other);
                }
            }

            var revision = newRevision ? NewRevision(state, created) : null;
            var operation = new Operation(Guid.NewGuid().ToString(), state, revision, created, created + ProvisioningTime);
            _operations[operation.Id] = operation;
            state.Pending = operation;
            state.ProvisioningState = "InProgress";
            return (operation, first);
        }
    }

    public void Activate(string resourceGroup, string app, string revisionName)
    {
        lock (_gate)
        {
            var state = App(resourceGroup, app);
            var revision = Revision(resourceGroup, app, revisionName);
            if (!string.Equals(state.Mode, "Multiple", StringComparison.OrdinalIgnoreCase))
            {
                throw ArmError.InvalidProperty("ContainerAppSingleRevisionMode",
                    $"Revision '{revision.Name}' cannot be activated: container app '{state.Name}' is in Single revision mode, where only its latest revision is active. "
                    + "Set configuration.activeRevisionsMode to Multiple to activate other revisions.");
            }

            if (revision.Active)
            {
                return;
            }

            // An inactive revision has no replicas: activating it starts them again, which takes a provisioning round.
            revision.Active = true;
            Provision(revision, Now);
        }
    }

    public void Deactivate(string resourceGroup, string app, string revisionName)
    {
        lock (_gate)
        {
            var state = App(resourceGroup, app);
            var revision = Revision(resourceGroup, app, revisionName);
            var weight = Weights(state).GetValueOrDefault(revision.Name);
            if (weight > 0)
            {
                throw ArmError.InvalidProperty("ContainerAppRevisionInUse",
                    $"Revision '{revision.Name}' cannot be deactivated: it receives {weight}% of the traffic of container app '{state.Name}'. "
                    + "Move its traffic to other revisions in configuration.ingress.traffic first.");
            }

            if (revision.Active)
            {
                Deactivate(revision);
            }
        }
    }

    public void Restart(string resourceGroup, string app, string revisionName)
    {
        lock (_gate)
        {
            var state = App(resourceGroup, app);
            var revision = Revision(resourceGroup, app, revisionName);
            if (!revision.Active)
            {
                throw ArmError.InvalidProperty("ContainerAppRevisionNotActive",
                    $"Revision '{revision.Name}' of container app '{state.Name}' is not active; only active revisions can be restarted.");
            }

            // A restart replaces every replica (new names, new start times); the revision keeps serving meanwhile.
            revision.Restarts++;
            revision.RestartedAt = Now;
        }
    }

    /// <summary>POST …/getAuthtoken: a token for the app's log stream, valid for an hour; it opens no other app and no ARM call.</summary>
    public (string Token, DateTimeOffset Expires) IssueLogStreamToken(string resourceGroup, string app)
    {
        lock (_gate)
        {
            var state = App(resourceGroup, app);
            var token = "logstream-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
            var expires = Now.AddHours(1);
            _logStreamTokens[token] = (state, expires);
            return (token, expires);
        }
    }

    /// <summary>True when <paramref name="token"/> was issued by getAuthtoken for this very app and has not expired.</summary>
    public bool OpensLogStream(string token, string resourceGroup, string app)
    {
        lock (_gate)
        {
            return _logStreamTokens.TryGetValue(token, out var issued) && issued.Expires > Now
                && string.Equals(issued.App.ResourceGroup, resourceGroup, StringComparison.OrdinalIgnoreCase)
                && string.Equals(issued.App.Name, app, StringComparison.OrdinalIgnoreCase);
        }
    }

    /// <summary>A line a container wrote to its console: what the log stream of that replica serves.</summary>
    public void AppendLog(string resourceGroup, string app, string revision, int replica, string? container, DateTimeOffset? at, string text)
    {
        lock (_gate)
        {
            var state = App(resourceGroup, app);
            var owner = Revision(resourceGroup, app, revision);
            state.Logs.Add(new LogLine(owner.Name, replica, container ?? owner.ContainerName, at ?? Now, text));
        }
    }

    /// <summary>Revision names with their share of traffic in percent, as ingress routes it now.</summary>
    public Dictionary<string, int> Weights(AppState state)
    {
        var weights = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        if (state.Configuration["ingress"] is not JsonObject ingress)
        {
            return weights;
        }

        if (!string.Equals(state.Mode, "Multiple", StringComparison.OrdinalIgnoreCase))
        {
            if (Serving(state) is { } serving)
            {
                weights[serving.Name] = 100;
            }

            return weights;
        }

        var latestReady = LatestReady(state);
        var entries = ingress["traffic"] as JsonArray;
        if (entries is null || entries.Count == 0)
        {
            entries = [new JsonObject { ["latestRevision"] = true, ["weight"] = 100 }];
        }

        foreach (var entry in entries.OfType<JsonObject>())
        {
            var name = (bool?)entry["latestRevision"] == true ? latestReady?.Name : (string?)entry["revisionName"];
            var weight = (int?)entry["weight"] ?? 0;
            if (name is not null && weight > 0)
            {
                weights[name] = weights.GetValueOrDefault(name) + weight;
            }
        }

        return weights;
    }

    public static RevisionState? LatestReady(AppState state) => state.Revisions.LastOrDefault(r => r.Status == RevisionStatus.Provisioned);

    /// <summary>Replicas running for a revision: min replicas, and at least one while it takes traffic; none unless active and provisioned.</summary>
    public int Replicas(AppState state, RevisionState revision, IReadOnlyDictionary<string, int> weights)
    {
        if (!revision.Active || revision.Status != RevisionStatus.Provisioned)
        {
            return 0;
        }

        var scale = state.Template["scale"] as JsonObject;
        var min = (int?)scale?["minReplicas"] ?? 0;
        var max = (int?)scale?["maxReplicas"] ?? 10;
        return Math.Min(max, Math.Max(min, weights.GetValueOrDefault(revision.Name) > 0 ? 1 : 0));
    }

    /// <summary>Names of a revision's replicas: they change on every restart, as new pods come up.</summary>
    public static IReadOnlyList<string> ReplicaNames(RevisionState revision, int count)
    {
        static string Hash(string text, int length) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..length];
        var replicaSet = Hash($"{revision.Name}/{revision.Restarts}", 9);
        return [.. Enumerable.Range(0, count).Select(i => $"{revision.Name}-{replicaSet}-{Hash($"{replicaSet}/{i}", 5)}")];
    }

    /// <summary>Brings every revision and operation up to now: provisioning that became due finishes, operations end.</summary>
    private void Settle()
    {
        var now = Now;
        foreach (var state in _apps.Values)
        {
            foreach (var revision in state.Revisions.Where(r => r.Status == RevisionStatus.Provisioning && r.ReadyAt <= now).OrderBy(r => r.ReadyAt).ToList())
            {
                revision.SettledAt = revision.ReadyAt;
                if (revision.Bad)
                {
                    revision.Status = RevisionStatus.Failed;
                    revision.Error = $"Container '{revision.ContainerName}' with image '{revision.Image}' did not become ready: its startup probe failed "
                        + $"and it was restarted {3 + revision.Restarts} times (reason: ProcessExited, exit code 1).";
                    if (!string.Equals(state.Mode, "Multiple", StringComparison.OrdinalIgnoreCase))
                    {
                        // Single mode stays on the revision that served before; the failed one keeps no replicas.
                        Deactivate(revision, revision.ReadyAt);
                    }
                }
                else
                {
                    revision.Status = RevisionStatus.Provisioned;
                    if (!string.Equals(state.Mode, "Multiple", StringComparison.OrdinalIgnoreCase) && revision == state.Revisions[^1])
                    {
                        foreach (var older in state.Revisions.Where(r => r != revision && r.Active))
                        {
                            Deactivate(older, revision.ReadyAt);
                        }
                    }
                }
            }

            if (state.Pending is { Status: OperationStatus.InProgress } operation)
            {
                if (operation.Revision is { } revision)
                {
                    if (revision.Status == RevisionStatus.Provisioned)
                    {
                        operation.Finish(OperationStatus.Succeeded, revision.SettledAt!.Value, null);
                    }
                    else if (revision.Status == RevisionStatus.Failed)
                    {
                        operation.Finish(OperationStatus.Failed, revision.SettledAt!.Value, new ArmError(HttpStatusCode.BadRequest, "ContainerAppOperationError",
                            $"Failed to provision revision for container app '{state.Name}'. Error details: Operation expired. {revision.Error}"));
                    }
                }
                else if (operation.DueAt <= now)
                {
                    operation.Finish(OperationStatus.Succeeded, operation.DueAt, null);
                }

                if (operation.Status != OperationStatus.InProgress)
                {
                    state.ProvisioningState = operation.Status == OperationStatus.Succeeded ? "Succeeded" : "Failed";
                }
            }
        }
    }

    private RevisionState NewRevision(AppState state, DateTimeOffset created)
    {
        var suffix = (string?)state.Template["revisionSuffix"];
        var name = $"{state.Name}--{(string.IsNullOrEmpty(suffix) ? RandomSuffix() : suffix)}";
        var container = state.Template["containers"]![0]!;
        var revision = new RevisionState(name, (JsonObject)RevisionScope(state.Template), created)
        {
            Image = (string)container["image"]!,
            ContainerName = (string)container["name"]!,
            Active = true,
        };
        revision.Bad = _badImages.Contains(revision.Image);
        Provision(revision, created);
        state.Revisions.Add(revision);
        return revision;
    }

    private void Provision(RevisionState revision, DateTimeOffset from)
    {
        revision.Status = RevisionStatus.Provisioning;
        revision.Error = null;
        revision.SettledAt = null;
        revision.Bad = _badImages.Contains(revision.Image);
        revision.ReadyAt = from + (revision.Bad ? ProvisioningTime * 2 : ProvisioningTime);
    }

    private void Deactivate(RevisionState revision, DateTimeOffset? at = null)
    {
        revision.Active = false;
        revision.LastActive = at ?? Now;
    }

    /// <summary>In Single mode: the newest active revision that is provisioned (the one traffic goes to).</summary>
    private static RevisionState? Serving(AppState state) => state.Revisions.LastOrDefault(r => r.Active && r.Status == RevisionStatus.Provisioned);

    private void Validate(AppState? state, string app, JsonObject configuration, JsonObject template)
    {
        if (template["containers"] is not JsonArray { Count: > 0 } containers)
        {
            throw ArmError.InvalidProperty("ContainerAppInvalidSchema", "Field 'template.containers' must hold at least one container.");
        }

        foreach (var container in containers)
        {
            if (container is not JsonObject c || c["name"] is not JsonValue || c["image"] is not JsonValue)
            {
                throw ArmError.InvalidProperty("ContainerAppInvalidSchema",
                    "Every container in 'template.containers' needs a 'name' and an 'image' (a PATCH replaces the containers array as a whole).");
            }
        }

        var scale = template["scale"] as JsonObject;
        var min = (int?)scale?["minReplicas"] ?? 0;
        var max = (int?)scale?["maxReplicas"] ?? 10;
        if (min < 0 || max < 1 || min > max || max > 1000)
        {
            throw ArmError.InvalidProperty("ContainerAppInvalidScaleSettings",
                $"Invalid scale settings: minReplicas {min} and maxReplicas {max}. minReplicas must be between 0 and maxReplicas, and maxReplicas between 1 and 1000.");
        }

        var mode = (string?)configuration["activeRevisionsMode"] ?? "Single";
        if (!string.Equals(mode, "Single", StringComparison.OrdinalIgnoreCase) && !string.Equals(mode, "Multiple", StringComparison.OrdinalIgnoreCase))
        {
            throw ArmError.InvalidProperty("ContainerAppInvalidSchema", $"'{mode}' is not a valid activeRevisionsMode; use Single or Multiple.");
        }

        if (configuration["ingress"]?["traffic"] is JsonArray { Count: > 0 } traffic)
        {
            var sum = traffic.Sum(t => (int?)t?["weight"] ?? 0);
            if (sum != 100)
            {
                throw ArmError.InvalidProperty("ContainerAppInvalidTrafficWeight", $"The traffic weights of container app '{app}' add up to {sum}; they must add up to 100.");
            }

            foreach (var entry in traffic.OfType<JsonObject>())
            {
                var named = (string?)entry["revisionName"];
                if (named is null)
                {
                    continue;
                }

                if (string.Equals(mode, "Single", StringComparison.OrdinalIgnoreCase) && ((int?)entry["weight"] ?? 0) > 0)
                {
                    throw ArmError.InvalidProperty("ContainerAppInvalidTrafficWeight",
                        $"Container app '{app}' is in Single revision mode, where traffic always goes to the latest revision; per revision weights need Multiple mode.");
                }

                var revision = state?.Revisions.FirstOrDefault(r => string.Equals(r.Name, named, StringComparison.OrdinalIgnoreCase));
                if (revision is null)
                {
                    throw ArmError.InvalidProperty("ContainerAppRevisionNotFound", $"Revision '{named}' named in the traffic of container app '{app}' does not exist.");
                }

                if (!revision.Active && ((int?)entry["weight"] ?? 0) > 0)
                {
                    throw ArmError.InvalidProperty("ContainerAppRevisionNotActive",
                        $"Revision '{named}' is not active and cannot receive traffic; activate it first.");
                }
            }
        }
    }

    /// <summary>The revision-scope part of a template: all of it but <c>scale</c>, which is application scope.</summary>
    private static JsonNode RevisionScope(JsonObject template)
    {
        var copy = (JsonObject)template.DeepClone();
        copy.Remove("scale");
        return copy;
    }

    /// <summary>RFC 7386: objects merge member by member, null removes, anything else (arrays too) replaces.</summary>
    private static JsonNode? MergePatch(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone() ?? target;
        }

        var result = target as JsonObject ?? [];
        foreach (var (name, value) in patchObject)
        {
            if (value is null)
            {
                result.Remove(name);
            }
            else
            {
                var merged = MergePatch(result[name]?.DeepClone(), value);
                result[name] = merged;
            }
        }

        return result;
    }

    private static string RandomSuffix()
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        return string.Create(7, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)];
            }
        });
    }

    private static string Key(string resourceGroup, string app) => $"{resourceGroup}/{app}";
}

internal enum RevisionStatus
{
    Provisioning,
    Provisioned,
    Failed,
}

internal enum OperationStatus
{
    InProgress,
    Succeeded,
    Failed,
}

internal sealed class AppState(string resourceGroup, string name, DateTimeOffset created)
{
    public string ResourceGroup { get; } = resourceGroup;

    public string Name { get; } = name;

    public DateTimeOffset Created { get; } = created;

    public required string EnvironmentId { get; set; }

    public required JsonObject Configuration { get; set; }

    public required JsonObject Template { get; set; }

    public JsonObject? Tags { get; set; }

    public List<RevisionState> Revisions { get; } = [];

    /// <summary>Console lines of the app's containers, in the order they were written.</summary>
    public List<LogLine> Logs { get; } = [];

    public Operation? Pending { get; set; }

    public string ProvisioningState { get; set; } = "Succeeded";

    public string Mode => (string?)Configuration["activeRevisionsMode"] ?? "Single";
}

/// <summary>One console line of a container in a replica (by its index among the revision's replicas).</summary>
internal sealed record LogLine(string Revision, int Replica, string Container, DateTimeOffset At, string Text);

internal sealed class RevisionState(string name, JsonObject template, DateTimeOffset created)
{
    public string Name { get; } = name;

    public JsonObject Template { get; } = template;

    public DateTimeOffset Created { get; } = created;

    public required string Image { get; init; }

    public required string ContainerName { get; init; }

    public bool Bad { get; set; }

    public bool Active { get; set; }

    public DateTimeOffset? LastActive { get; set; }

    public RevisionStatus Status { get; set; }

    public DateTimeOffset ReadyAt { get; set; }

    public DateTimeOffset? SettledAt { get; set; }

    public string? Error { get; set; }

    public int Restarts { get; set; }

    public DateTimeOffset? RestartedAt { get; set; }
}

internal sealed class Operation(string id, AppState app, RevisionState? revision, DateTimeOffset started, DateTimeOffset dueAt)
{
    public string Id { get; } = id;

    public AppState App { get; } = app;

    /// <summary>The revision the operation made; the operation ends when it is provisioned or has failed.</summary>
    public RevisionState? Revision { get; } = revision;

    public DateTimeOffset Started { get; } = started;

    /// <summary>When an operation that made no revision (an application-scope change) ends.</summary>
    public DateTimeOffset DueAt { get; } = dueAt;

    public OperationStatus Status { get; private set; }

    public DateTimeOffset? Ended { get; private set; }

    public ArmError? Error { get; private set; }

    public void Finish(OperationStatus status, DateTimeOffset at, ArmError? error)
    {
        Status = status;
        Ended = at;
        Error = error;
    }
}
