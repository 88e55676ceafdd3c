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
        if (IsSecret(name))
        {
            throw new ProviderException(ProviderErrorKind.Failed,
                $"runbook does not read secrets or change them ('{name.Trim()}'): their values would be written to the journal and the run's output");
        }

        var key = name.Trim().ToLowerInvariant();
        return Known.FirstOrDefault(r => r.Plural == key || r.Kind.Equals(key, StringComparison.OrdinalIgnoreCase) || r.ShortNames.Contains(key))
            ?? throw new ProviderException(ProviderErrorKind.Failed,
                $"unknown kind '{name}'; known: {string.Join(", ", Known.Select(r => r.Plural))}");
    }

    /// <summary>
    /// True for every way of naming core Secrets: kind or resource in any case (Secret, SECRETS), with a version or
    /// group as kubectl and manifests write them (v1/Secret, core/v1/secrets, secrets.v1., Secret.v1), with spaces
    /// around. The kind or resource is the last part after a '/', or the first before a '.'; in any API group.
    /// </summary>
    public static bool IsSecret(string? kind)
    {
        if (kind is null)
        {
            return false;
        }

        var text = kind.Trim().ToLowerInvariant();
        var slash = text.LastIndexOf('/');
        var resource = slash >= 0 ? text[(slash + 1)..] : text.Split('.')[0];
        // Whatever the group: a resource called secrets anywhere is refused rather than guessed harmless.
        return resource.Trim() is "secret" or "secrets";
    }

    /// <summary>The resource of a manifest's apiVersion and kind ("apps/v1", "Deployment"); secrets and unknown kinds are refused.</summary>
    public static KubeResource FindKind(string apiVersion, string kind)
    {
        if (IsSecret(kind) || IsSecret($"{apiVersion}/{kind}"))
        {
            throw new ProviderException(ProviderErrorKind.Failed,
                $"runbook does not read secrets or change them ('{apiVersion}/{kind}'): their values would be written to the journal and the run's output");
        }

        return Known.FirstOrDefault(r => r.Kind.Equals(kind.Trim(), StringComparison.OrdinalIgnoreCase) && r.GroupVersion == apiVersion.Trim())
            ?? throw new ProviderException(ProviderErrorKind.Failed,
                $"unknown kind '{apiVersion}/{kind}'; known: {string.Join(", ", Known.Where(r => r.Kind != "Event").Select(r => $"{r.GroupVersion}/{r.Kind}"))}");
    }

    public string ListPath(string ns) =>
        (GroupVersion == "v1" ? "api/v1" : $"apis/{GroupVersion}") + (Namespaced ? $"/namespaces/{Uri.EscapeDataString(ns)}" : string.Empty) + $"/{Plural}";

    public string ObjectPath(string ns, string name) => $"{ListPath(ns)}/{Uri.EscapeDataString(name)}";
}
