using Runbook.Execution.Providers;

namespace Runbook.Providers.Kubernetes;

/// <summary>A kind of object the kubernetes.* actions can read, named as kubectl names it (plural, singular, short name).</summary>
internal sealed record KubeResource(string Plural, string Kind, string GroupVersion, bool Namespaced, params string[] ShortNames)
{
    public static IReadOnlyList<KubeResource> Known { get; } =
    [
        new("pods", "Pod", "v1", true, "po"),
        new("services", "Service", "v1", true, "svc"),
        new("endpoints", "Endpoints", "v1", true, "ep"),
        new("configmaps", "ConfigMap", "v1", true, "cm"),
        new("events", "Event", "v1", true, "ev"),
        new("persistentvolumeclaims", "PersistentVolumeClaim", "v1", true, "pvc"),
        new("serviceaccounts", "ServiceAccount", "v1", true, "sa"),
        new("nodes", "Node", "v1", false, "no"),
        new("namespaces", "Namespace", "v1", false, "ns"),
        new("persistentvolumes", "PersistentVolume", "v1", false, "pv"),
        new("deployments", "Deployment", "apps/v1", true, "deploy"),
        new("replicasets", "ReplicaSet", "apps/v1", true, "rs"),
        new("statefulsets", "StatefulSet", "apps/v1", true, "sts"),
        new("daemonsets", "DaemonSet", "apps/v1", true, "ds"),
        new("jobs", "Job", "batch/v1", true),
        new("cronjobs", "CronJob", "batch/v1", true, "cj"),
        new("ingresses", "Ingress", "networking.k8s.io/v1", true, "ing"),
        new("horizontalpodautoscalers", "HorizontalPodAutoscaler", "autoscaling/v2", true, "hpa"),
        new("poddisruptionbudgets", "PodDisruptionBudget", "policy/v1", true, "pdb"),
    ];

    /// <summary>By plural, singular, kind or short name, any case ("deploy", "Deployment", "deployments").</summary>
    public static KubeResource Find(string name)
    {
        if (name.Trim().ToLowerInvariant() is "secret" or "secrets")
        {
            throw new ProviderException(ProviderErrorKind.Failed,
                "runbook does not read secrets: their values would be written to the journal and the run's output");
        }

        var key = name.Trim().ToLowerInvariant();
        return Known.FirstOrDefault(r => r.Plural == key || r.Kind.Equals(key, StringComparison.OrdinalIgnoreCase) || r.ShortNames.Contains(key))
            ?? throw new ProviderException(ProviderErrorKind.Failed,
                $"unknown kind '{name}'; known: {string.Join(", ", Known.Select(r => r.Plural))}");
    }

    public string ListPath(string ns) =>
        (GroupVersion == "v1" ? "api/v1" : $"apis/{GroupVersion}") + (Namespaced ? $"/namespaces/{Uri.EscapeDataString(ns)}" : string.Empty) + $"/{Plural}";

    public string ObjectPath(string ns, string name) => $"{ListPath(ns)}/{Uri.EscapeDataString(name)}";
}
