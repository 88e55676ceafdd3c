using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Runbook.Providers.Kubernetes.Tests.ApiServer;

/// <summary>
/// The deployment and replica-set controllers, and the kubelet's part: a changed pod template makes a new
/// ReplicaSet (revision = highest + 1; an old one that matches again is reused and renumbered, as after
/// rollout undo), ReplicaSets make pods, pods start after a delay and turn Ready unless their image never does,
/// and the Deployment's status says what kubectl rollout status reads. Events are recorded as the real ones are.
/// </summary>
internal sealed partial class Controller(ObjectStore store, Func<string, bool> neverReady, Func<TimeSpan> podStartDelay, Action<string, string, string, string> log)
{
    public const string RevisionAnnotation = "deployment.kubernetes.io/revision";

    /// <summary>When each pod was made, to the tick (creationTimestamp has whole seconds only).</summary>
    private readonly Dictionary<string, DateTimeOffset> _created = [];

    public async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var changed = store.Changed;
            try
            {
                Reconcile();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A bug in the simulation must show in the test output, and the controller must keep running.
                Console.Error.WriteLine($"controller: {ex}");
            }

            await Task.WhenAny(changed, Task.Delay(50, stop)).ConfigureAwait(false);
        }
    }

    private void Reconcile()
    {
        foreach (var deployment in store.List("deployments", null))
        {
            ReconcileDeployment(deployment);
        }

        foreach (var replicaSet in store.List("replicasets", null))
        {
            ReconcileReplicaSet(replicaSet);
        }

        foreach (var statefulSet in store.List("statefulsets", null))
        {
            ReconcileStatefulSet(statefulSet);
        }

        foreach (var autoscaler in store.List("horizontalpodautoscalers", null))
        {
            ReconcileAutoscaler(autoscaler);
        }

        foreach (var pod in store.List("pods", null))
        {
            StartPod(pod);
        }
    }

    private void ReconcileDeployment(JsonObject deployment)
    {
        var meta = deployment["metadata"]!.AsObject();
        var (ns, name, uid) = (Str(meta, "namespace"), Str(meta, "name"), Str(meta, "uid"));
        var spec = deployment["spec"]!.AsObject();
        var template = spec["template"]!.AsObject();
        var hash = TemplateHash(template);
        var owned = store.List("replicasets", ns).Where(r => Owner(r) == uid).ToList();
        var maxRevision = owned.Select(Revision).DefaultIfEmpty(0).Max();
        var current = owned.FirstOrDefault(r => Str(r["metadata"]!.AsObject(), "name") == $"{name}-{hash}");
        if (current is null)
        {
            current = NewReplicaSet(deployment, template, hash, maxRevision + 1);
            owned.Add(current);
        }
        else if (Revision(current) < maxRevision)
        {
            var annotations = current["metadata"]!["annotations"]!.AsObject();
            var history = annotations["deployment.kubernetes.io/revision-history"]?.GetValue<string>();
            annotations["deployment.kubernetes.io/revision-history"] = string.IsNullOrEmpty(history) ? Revision(current).ToString(CultureInfo.InvariantCulture) : $"{history},{Revision(current)}";
            annotations[RevisionAnnotation] = (maxRevision + 1).ToString(CultureInfo.InvariantCulture);
            current = store.Put("replicasets", current);
        }

        var desired = spec["replicas"]?.GetValue<int>() ?? 1;
        foreach (var replicaSet in owned)
        {
            var isCurrent = Str(replicaSet["metadata"]!.AsObject(), "name") == Str(current["metadata"]!.AsObject(), "name");
            var want = isCurrent ? desired : 0;
            if ((replicaSet["spec"]!["replicas"]?.GetValue<int>() ?? 0) != want)
            {
                replicaSet["spec"]!["replicas"] = want;
                store.Put("replicasets", replicaSet);
                log(ns, "Deployment", name, $"Scaled {(want > 0 ? "up" : "down")} replica set {Str(replicaSet["metadata"]!.AsObject(), "name")} to {want}");
            }
        }

        var revision = Revision(current).ToString(CultureInfo.InvariantCulture);
        var pods = store.List("pods", ns).Where(p => owned.Any(r => Owner(p) == Str(r["metadata"]!.AsObject(), "uid"))).ToList();
        var updated = pods.Where(p => Owner(p) == Str(current["metadata"]!.AsObject(), "uid")).ToList();
        var ready = pods.Count(Ready);
        var availableUpdated = updated.Count(Ready);
        var status = deployment["status"] as JsonObject ?? [];
        var complete = updated.Count == desired && pods.Count == updated.Count && availableUpdated == desired;
        var progressing = Progressing(status, complete, updated.Count, availableUpdated, spec["progressDeadlineSeconds"]?.GetValue<int>() ?? 600);
        var next = new JsonObject
        {
            ["observedGeneration"] = meta["generation"]?.GetValue<long>() ?? 1,
            ["replicas"] = pods.Count,
            ["updatedReplicas"] = updated.Count,
            ["readyReplicas"] = ready,
            ["availableReplicas"] = ready,
            ["unavailableReplicas"] = Math.Max(0, desired - ready),
            ["conditions"] = new JsonArray(
                Condition("Available", ready >= desired ? "True" : "False", ready >= desired ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
                    ready >= desired ? "Deployment has minimum availability." : "Deployment does not have minimum availability.", status),
                progressing),
        };
        var annotationsChanged = meta["annotations"]?[RevisionAnnotation]?.GetValue<string>() != revision;
        if (annotationsChanged || !SameStatus(status, next))
        {
            var fresh = store.Get("deployments", ns, name);
            if (fresh is null || Str(fresh["metadata"]!.AsObject(), "resourceVersion") != Str(meta, "resourceVersion"))
            {
                return; // changed meanwhile; the next round sees it
            }

            meta["annotations"] ??= new JsonObject();
            meta["annotations"]![RevisionAnnotation] = revision;
            deployment["status"] = next;
            store.Put("deployments", deployment);
        }
    }

    /// <summary>Progressing: True while pods move, False with ProgressDeadlineExceeded after progressDeadlineSeconds of no progress.</summary>
    private static JsonObject Progressing(JsonObject status, bool complete, int updated, int available, int deadlineSeconds)
    {
        var previous = status["conditions"]?.AsArray().OfType<JsonObject>().FirstOrDefault(c => Str(c, "type") == "Progressing");
        var progressKey = $"{updated}/{available}";
        var now = DateTimeOffset.UtcNow;
        var lastProgress = previous?["x-progress"]?.GetValue<string>() == progressKey && previous["lastUpdateTime"] is { } t
            ? DateTimeOffset.Parse(t.GetValue<string>(), CultureInfo.InvariantCulture) : now;
        var (state, reason, message) = complete ? ("True", "NewReplicaSetAvailable", "ReplicaSet has successfully progressed.")
            : now - lastProgress > TimeSpan.FromSeconds(deadlineSeconds) ? ("False", "ProgressDeadlineExceeded", "ReplicaSet has timed out progressing.")
            : ("True", "ReplicaSetUpdated", "ReplicaSet is progressing.");
        var condition = Condition("Progressing", state, reason, message, status);
        condition["lastUpdateTime"] = lastProgress.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        condition["x-progress"] = progressKey;
        return condition;
    }

    private static JsonObject Condition(string type, string state, string reason, string message, JsonObject status)
    {
        var previous = status["conditions"]?.AsArray().OfType<JsonObject>().FirstOrDefault(c => Str(c, "type") == type);
        var now = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        return new JsonObject
        {
            ["type"] = type,
            ["status"] = state,
            ["reason"] = reason,
            ["message"] = message,
            ["lastUpdateTime"] = now,
            ["lastTransitionTime"] = previous is not null && Str(previous, "status") == state ? previous["lastTransitionTime"]?.DeepClone() : now,
        };
    }

    private static bool SameStatus(JsonObject a, JsonObject b)
    {
        static JsonObject Strip(JsonObject s)
        {
            var copy = (JsonObject)s.DeepClone();
            foreach (var c in copy["conditions"]?.AsArray().OfType<JsonObject>() ?? [])
            {
                c.Remove("lastUpdateTime");
                c.Remove("lastTransitionTime");
            }

            return copy;
        }

        return JsonNode.DeepEquals(Strip(a), Strip(b));
    }

    private JsonObject NewReplicaSet(JsonObject deployment, JsonObject template, string hash, int revision)
    {
        var meta = deployment["metadata"]!.AsObject();
        var name = $"{Str(meta, "name")}-{hash}";
        var podTemplate = (JsonObject)template.DeepClone();
        podTemplate["metadata"] ??= new JsonObject();
        podTemplate["metadata"]!["labels"] ??= new JsonObject();
        podTemplate["metadata"]!["labels"]!["pod-template-hash"] = hash;
        var selector = (JsonObject)(deployment["spec"]!["selector"]?.DeepClone() ?? new JsonObject());
        selector["matchLabels"] ??= new JsonObject();
        selector["matchLabels"]!["pod-template-hash"] = hash;
        var replicaSet = new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "ReplicaSet",
            ["metadata"] = Metadata(Str(meta, "namespace"), name, podTemplate["metadata"]!["labels"]!.DeepClone().AsObject(),
                new JsonObject { [RevisionAnnotation] = revision.ToString(CultureInfo.InvariantCulture) },
                OwnerReference("apps/v1", "Deployment", Str(meta, "name"), Str(meta, "uid"))),
            ["spec"] = new JsonObject { ["replicas"] = 0, ["selector"] = selector, ["template"] = podTemplate },
            ["status"] = new JsonObject { ["replicas"] = 0 },
        };
        return store.Put("replicasets", replicaSet);
    }

    private void ReconcileReplicaSet(JsonObject replicaSet)
    {
        var meta = replicaSet["metadata"]!.AsObject();
        var (ns, name, uid) = (Str(meta, "namespace"), Str(meta, "name"), Str(meta, "uid"));
        var want = replicaSet["spec"]!["replicas"]?.GetValue<int>() ?? 0;
        var pods = store.List("pods", ns).Where(p => Owner(p) == uid).ToList();
        for (var i = pods.Count; i < want; i++)
        {
            var template = replicaSet["spec"]!["template"]!.AsObject();
            var podName = $"{name}-{Suffix()}";
            var created = store.Put("pods", new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Pod",
                ["metadata"] = Metadata(ns, podName, template["metadata"]?["labels"]?.DeepClone().AsObject() ?? [], null, OwnerReference("apps/v1", "ReplicaSet", name, uid)),
                ["spec"] = template["spec"]!.DeepClone(),
                ["status"] = new JsonObject { ["phase"] = "Pending" },
            });
            _created[Str(created["metadata"]!.AsObject(), "uid")] = DateTimeOffset.UtcNow;
            log(ns, "ReplicaSet", name, $"Created pod: {podName}");
        }

        foreach (var extra in pods.Skip(want))
        {
            var podName = Str(extra["metadata"]!.AsObject(), "name");
            store.Delete("pods", ns, podName);
            log(ns, "ReplicaSet", name, $"Deleted pod: {podName}");
        }

        var live = store.List("pods", ns).Where(p => Owner(p) == uid).ToList();
        var status = new JsonObject
        {
            ["replicas"] = live.Count,
            ["readyReplicas"] = live.Count(Ready),
            ["availableReplicas"] = live.Count(Ready),
            ["observedGeneration"] = meta["generation"]?.GetValue<long>() ?? 1,
        };
        if (!JsonNode.DeepEquals(replicaSet["status"], status))
        {
            replicaSet["status"] = status;
            store.Put("replicasets", replicaSet);
        }
    }

    private void StartPod(JsonObject pod)
    {
        var meta = pod["metadata"]!.AsObject();
        if (Str(pod["status"]!.AsObject(), "phase") != "Pending"
            || DateTimeOffset.UtcNow - _created.GetValueOrDefault(Str(meta, "uid"), DateTimeOffset.MinValue) < podStartDelay())
        {
            return;
        }

        var containers = pod["spec"]!["containers"]!.AsArray().OfType<JsonObject>().ToList();
        var ready = containers.All(c => !neverReady(Str(c, "image")));
        var now = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        pod["status"] = new JsonObject
        {
            ["phase"] = "Running",
            ["podIP"] = "10.0.0.1",
            ["startTime"] = now,
            ["conditions"] = new JsonArray(
                new JsonObject { ["type"] = "PodScheduled", ["status"] = "True", ["lastTransitionTime"] = now },
                new JsonObject { ["type"] = "Ready", ["status"] = ready ? "True" : "False", ["lastTransitionTime"] = now }),
            ["containerStatuses"] = new JsonArray([.. containers.Select(c => (JsonNode)new JsonObject
            {
                ["name"] = Str(c, "name"),
                ["image"] = Str(c, "image"),
                ["imageID"] = $"docker-pullable://{Str(c, "image")}",
                ["ready"] = !neverReady(Str(c, "image")),
                ["started"] = true,
                ["restartCount"] = 0,
                ["state"] = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = now } },
            })]),
        };
        store.Put("pods", pod);
        var (ns, name) = (Str(meta, "namespace"), Str(meta, "name"));
        log(ns, "Pod", name, $"Successfully assigned {ns}/{name} to node-1");
        foreach (var c in containers)
        {
            log(ns, "Pod", name, $"Started container {Str(c, "name")}");
        }
    }

    public static JsonObject Metadata(string ns, string name, JsonObject labels, JsonObject? annotations, JsonObject? owner) => new()
    {
        ["name"] = name,
        ["namespace"] = ns,
        ["uid"] = Guid.NewGuid().ToString(),
        ["generation"] = 1,
        ["creationTimestamp"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        ["labels"] = labels,
        ["annotations"] = annotations ?? [],
        ["ownerReferences"] = owner is null ? new JsonArray() : new JsonArray(owner),
    };

    internal static JsonObject OwnerReference(string apiVersion, string kind, string name, string uid) => new()
    {
        ["apiVersion"] = apiVersion,
        ["kind"] = kind,
        ["name"] = name,
        ["uid"] = uid,
        ["controller"] = true,
        ["blockOwnerDeletion"] = true,
    };

    /// <summary>Like pod-template-hash: a short stable hash of the template, in the alphabet the real one uses.</summary>
    public static string TemplateHash(JsonObject template)
    {
        var canonical = (JsonObject)template.DeepClone();
        canonical["metadata"]?["labels"]?.AsObject().Remove("pod-template-hash");
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes(Canonical(canonical)));
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        return new string([.. bytes.Take(10).Select(b => alphabet[b % alphabet.Length])]);
    }

    private static string Canonical(JsonNode? node) => node switch
    {
        JsonObject o => "{" + string.Join(',', o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"\"{p.Key}\":{Canonical(p.Value)}")) + "}",
        JsonArray a => "[" + string.Join(',', a.Select(Canonical)) + "]",
        null => "null",
        _ => node.ToJsonString(),
    };

    internal static string Suffix() => new([.. RandomNumberGenerator.GetBytes(5).Select(b => "bcdfghjklmnpqrstvwxz2456789"[b % 27])]);

    public static string Str(JsonObject o, string key) => o[key]?.GetValue<string>() ?? string.Empty;

    internal static string? Owner(JsonObject o) =>
        o["metadata"]?["ownerReferences"]?.AsArray().OfType<JsonObject>().FirstOrDefault(r => r["controller"]?.GetValue<bool>() == true)?["uid"]?.GetValue<string>();

    private static int Revision(JsonObject replicaSet) =>
        int.TryParse(replicaSet["metadata"]?["annotations"]?[RevisionAnnotation]?.GetValue<string>(), CultureInfo.InvariantCulture, out var r) ? r : 0;

    public static bool Ready(JsonObject pod) =>
        pod["status"]?["conditions"]?.AsArray().OfType<JsonObject>().Any(c => Str(c, "type") == "Ready" && Str(c, "status") == "True") == true;
}
