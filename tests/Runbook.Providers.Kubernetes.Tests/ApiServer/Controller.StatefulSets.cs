using System.Globalization;
using System.Text.Json.Nodes;

namespace Runbook.Providers.Kubernetes.Tests.ApiServer;

/// <summary>
/// The StatefulSet controller and the HorizontalPodAutoscaler controller, shaped after the real ones
/// (pkg/controller/statefulset, pkg/controller/podautoscaler):
/// <list type="bullet">
/// <item>each distinct pod template is a ControllerRevision named <c>NAME-HASH</c> owned by the set, holding the
/// template as the strategic merge patch <c>kubectl rollout undo</c> sends back; a template equal to an older
/// revision's reuses that revision and renumbers it to the highest + 1;</item>
/// <item>pods are <c>NAME-0 … NAME-(n-1)</c>, made in ordinal order one at a time (OrderedReady: the next only when
/// the ones before are Ready) and removed from the highest ordinal down;</item>
/// <item>a RollingUpdate replaces, from the highest ordinal down to <c>partition</c>, one pod at a time, each pod not
/// at the update revision; <c>currentRevision</c> becomes <c>updateRevision</c> once every pod is updated and ready;</item>
/// <item>an HPA reports the target's replicas and keeps them within its min and max, as the real one does when it
/// has no metrics to act on.</item>
/// </list>
/// </summary>
internal sealed partial class Controller
{
    public const string RevisionHashLabel = "controller-revision-hash";
    public const string PodNameLabel = "statefulset.kubernetes.io/pod-name";
    public const string PodIndexLabel = "apps.kubernetes.io/pod-index";
    private const string HashLabel = "controller.kubernetes.io/hash";

    private void ReconcileStatefulSet(JsonObject statefulSet)
    {
        var meta = statefulSet["metadata"]!.AsObject();
        var (ns, name, uid) = (Str(meta, "namespace"), Str(meta, "name"), Str(meta, "uid"));
        var spec = statefulSet["spec"]!.AsObject();
        var template = spec["template"]!.AsObject();
        var status = statefulSet["status"] as JsonObject ?? [];

        var revisions = store.List("controllerrevisions", ns).Where(r => Owner(r) == uid).ToList();
        var update = UpdateRevision(statefulSet, template, revisions);
        var updateName = Str(update["metadata"]!.AsObject(), "name");
        var currentName = Str(status, "currentRevision") is { Length: > 0 } known && revisions.Any(r => Str(r["metadata"]!.AsObject(), "name") == known)
            ? known : updateName;
        var currentTemplate = store.Get("controllerrevisions", ns, currentName) is { } current ? TemplateOf(current) : template;

        var replicas = spec["replicas"]?.GetValue<int>() ?? 1;
        var partition = spec["updateStrategy"]?["rollingUpdate"]?["partition"]?.GetValue<int>() ?? 0;
        var rolling = spec["updateStrategy"]?["type"]?.GetValue<string>() is null or "RollingUpdate";
        var pods = OwnedPods(ns, uid);

        // One change a round, as OrderedReady does: make the first missing pod once every one before it is Ready …
        var changed = false;
        for (var ordinal = 0; ordinal < replicas && !changed; ordinal++)
        {
            if (!pods.TryGetValue(ordinal, out var pod))
            {
                var atUpdate = ordinal >= partition || !rolling;
                CreateStatefulPod(statefulSet, ordinal, atUpdate ? template : currentTemplate, atUpdate ? updateName : currentName);
                changed = true;
            }
            else if (!Ready(pod))
            {
                changed = true; // wait for it before touching a higher ordinal
            }
        }

        // … then remove pods above the wanted count, the highest first …
        if (!changed && pods.Keys.Where(o => o >= replicas).DefaultIfEmpty(-1).Max() is var extra and >= 0)
        {
            DeleteStatefulPod(ns, name, pods[extra]);
            changed = true;
        }

        // … then roll: the highest ordinal at or above the partition that is not at the update revision is replaced.
        if (!changed && rolling)
        {
            var outdated = pods.Where(p => p.Key >= partition && p.Key < replicas && Label(p.Value, RevisionHashLabel) != updateName)
                .Select(p => p.Key).DefaultIfEmpty(-1).Max();
            if (outdated >= 0)
            {
                DeleteStatefulPod(ns, name, pods[outdated]);
            }
        }

        var live = OwnedPods(ns, uid).Values.ToList();
        var updated = live.Count(p => Label(p, RevisionHashLabel) == updateName);
        var ready = live.Count(Ready);
        if (updated == live.Count && live.Count == replicas && ready == replicas)
        {
            currentName = updateName;
        }

        var next = new JsonObject
        {
            ["observedGeneration"] = meta["generation"]?.GetValue<long>() ?? 1,
            ["replicas"] = live.Count,
            ["readyReplicas"] = ready,
            ["availableReplicas"] = ready,
            ["currentReplicas"] = live.Count(p => Label(p, RevisionHashLabel) == currentName),
            ["updatedReplicas"] = updated,
            ["currentRevision"] = currentName,
            ["updateRevision"] = updateName,
            ["collisionCount"] = 0,
        };
        if (!JsonNode.DeepEquals(status, next))
        {
            var fresh = store.Get("statefulsets", ns, name);
            if (fresh is null || Str(fresh["metadata"]!.AsObject(), "resourceVersion") != Str(meta, "resourceVersion"))
            {
                return; // changed meanwhile; the next round sees it
            }

            statefulSet["status"] = next;
            store.Put("statefulsets", statefulSet);
        }

        TrimHistory(statefulSet, currentName, updateName);
    }

    /// <summary>The revision of the set's template: an existing one with the same hash (renumbered to the newest if older), else a new one.</summary>
    private JsonObject UpdateRevision(JsonObject statefulSet, JsonObject template, List<JsonObject> revisions)
    {
        var meta = statefulSet["metadata"]!.AsObject();
        var hash = TemplateHash(template);
        var highest = revisions.Select(r => r["revision"]?.GetValue<long>() ?? 0).DefaultIfEmpty(0).Max();
        var existing = revisions.FirstOrDefault(r => Label(r, HashLabel) == hash);
        if (existing is not null)
        {
            if ((existing["revision"]?.GetValue<long>() ?? 0) < highest)
            {
                existing["revision"] = highest + 1;
                existing = store.Put("controllerrevisions", existing);
            }

            return existing;
        }

        var labels = (JsonObject)(template["metadata"]?["labels"]?.DeepClone() ?? new JsonObject());
        labels[HashLabel] = hash;
        var data = (JsonObject)template.DeepClone();
        data["$patch"] = "replace";
        return store.Put("controllerrevisions", new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "ControllerRevision",
            ["metadata"] = Metadata(Str(meta, "namespace"), $"{Str(meta, "name")}-{hash}", labels, null,
                OwnerReference("apps/v1", "StatefulSet", Str(meta, "name"), Str(meta, "uid"))),
            ["data"] = new JsonObject { ["spec"] = new JsonObject { ["template"] = data } },
            ["revision"] = highest + 1,
        });
    }

    /// <summary>Keeps revisionHistoryLimit revisions besides the current and the update one, the oldest go first.</summary>
    private void TrimHistory(JsonObject statefulSet, string currentName, string updateName)
    {
        var meta = statefulSet["metadata"]!.AsObject();
        var limit = statefulSet["spec"]?["revisionHistoryLimit"]?.GetValue<int>() ?? 10;
        var old = store.List("controllerrevisions", Str(meta, "namespace")).Where(r => Owner(r) == Str(meta, "uid"))
            .Where(r => Str(r["metadata"]!.AsObject(), "name") is var n && n != currentName && n != updateName)
            .OrderBy(r => r["revision"]?.GetValue<long>() ?? 0).ToList();
        foreach (var revision in old.Take(Math.Max(0, old.Count - limit)))
        {
            store.Delete("controllerrevisions", Str(meta, "namespace"), Str(revision["metadata"]!.AsObject(), "name"));
        }
    }

    private static JsonObject TemplateOf(JsonObject revision)
    {
        var template = (JsonObject)revision["data"]!["spec"]!["template"]!.DeepClone();
        template.Remove("$patch");
        return template;
    }

    private Dictionary<int, JsonObject> OwnedPods(string ns, string uid) =>
        store.List("pods", ns).Where(p => Owner(p) == uid && p["metadata"]?["deletionTimestamp"] is null)
            .ToDictionary(p => int.Parse(Label(p, PodIndexLabel), CultureInfo.InvariantCulture));

    private void CreateStatefulPod(JsonObject statefulSet, int ordinal, JsonObject template, string revision)
    {
        var meta = statefulSet["metadata"]!.AsObject();
        var (ns, name) = (Str(meta, "namespace"), Str(meta, "name"));
        var podName = $"{name}-{ordinal.ToString(CultureInfo.InvariantCulture)}";
        var labels = (JsonObject)(template["metadata"]?["labels"]?.DeepClone() ?? new JsonObject());
        labels[RevisionHashLabel] = revision;
        labels[PodNameLabel] = podName;
        labels[PodIndexLabel] = ordinal.ToString(CultureInfo.InvariantCulture);
        var podSpec = (JsonObject)template["spec"]!.DeepClone();
        podSpec["hostname"] = podName;
        if (statefulSet["spec"]?["serviceName"]?.GetValue<string>() is { Length: > 0 } serviceName)
        {
            podSpec["subdomain"] = serviceName;
        }

        var created = store.Put("pods", new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = Metadata(ns, podName, labels, template["metadata"]?["annotations"]?.DeepClone().AsObject(),
                OwnerReference("apps/v1", "StatefulSet", name, Str(meta, "uid"))),
            ["spec"] = podSpec,
            ["status"] = new JsonObject { ["phase"] = "Pending" },
        });
        _created[Str(created["metadata"]!.AsObject(), "uid")] = DateTimeOffset.UtcNow;
        log(ns, "StatefulSet", name, $"create Pod {podName} in StatefulSet {name} successful");
    }

    private void DeleteStatefulPod(string ns, string name, JsonObject pod)
    {
        var podName = Str(pod["metadata"]!.AsObject(), "name");
        store.Delete("pods", ns, podName);
        log(ns, "StatefulSet", name, $"delete Pod {podName} in StatefulSet {name} successful");
    }

    /// <summary>
    /// Status from the target (currentReplicas) and desiredReplicas within min and max; a target outside them is
    /// scaled into them, as the real controller does even without metrics.
    /// </summary>
    private void ReconcileAutoscaler(JsonObject autoscaler)
    {
        var meta = autoscaler["metadata"]!.AsObject();
        var ns = Str(meta, "namespace");
        var spec = autoscaler["spec"]!.AsObject();
        var target = spec["scaleTargetRef"]!.AsObject();
        var resource = Str(target, "kind") switch { "Deployment" => "deployments", "StatefulSet" => "statefulsets", "ReplicaSet" => "replicasets", _ => null };
        var workload = resource is null ? null : store.Get(resource, ns, Str(target, "name"));
        var min = spec["minReplicas"]?.GetValue<int>() ?? 1;
        var max = spec["maxReplicas"]!.GetValue<int>();
        var status = autoscaler["status"] as JsonObject ?? [];
        JsonObject next;
        if (workload is null)
        {
            next = new JsonObject
            {
                ["currentReplicas"] = 0,
                ["desiredReplicas"] = 0,
                ["conditions"] = new JsonArray(Condition("AbleToScale", "False", "FailedGetScale",
                    $"the HPA controller was unable to get the target's current scale: {Str(target, "kind").ToLowerInvariant()}s \"{Str(target, "name")}\" not found", status)),
            };
        }
        else
        {
            var wanted = workload["spec"]?["replicas"]?.GetValue<int>() ?? 1;
            // A target scaled to zero turns autoscaling off ("scaling is disabled since the replica count of the target is zero").
            var desired = wanted == 0 ? 0 : Math.Clamp(wanted, min, Math.Max(min, max));
            if (desired != wanted)
            {
                workload["spec"]!["replicas"] = desired;
                workload["metadata"]!["generation"] = (workload["metadata"]!["generation"]?.GetValue<long>() ?? 1) + 1;
                store.Put(resource!, workload);
            }

            next = new JsonObject
            {
                ["currentReplicas"] = workload["status"]?["replicas"]?.GetValue<int>() ?? 0,
                ["desiredReplicas"] = desired,
                ["conditions"] = new JsonArray(
                    Condition("AbleToScale", "True", "SucceededGetScale", "the HPA controller was able to get the target's current scale", status),
                    Condition("ScalingActive", "False", "FailedGetResourceMetric", "the HPA was unable to compute the replica count: no metrics returned from resource metrics API", status)),
            };
        }

        if (!SameStatus(status, next))
        {
            var fresh = store.Get("horizontalpodautoscalers", ns, Str(meta, "name"));
            if (fresh is null || Str(fresh["metadata"]!.AsObject(), "resourceVersion") != Str(meta, "resourceVersion"))
            {
                return;
            }

            autoscaler["status"] = next;
            store.Put("horizontalpodautoscalers", autoscaler);
        }
    }

    private static string Label(JsonObject o, string key) => o["metadata"]?["labels"]?[key]?.GetValue<string>() ?? string.Empty;
}
