using System.Globalization;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Runbook.Execution.Providers;

namespace Runbook.Providers.Kubernetes;

/// <summary>
/// HorizontalPodAutoscalers (autoscaling/v2) of workloads: which one targets a workload (scaleTargetRef kind and name,
/// as the HPA controller matches them), and moving its minReplicas/maxReplicas with optimistic concurrency.
/// </summary>
internal sealed class Autoscalers(KubeApi api)
{
    private const int ConflictAttempts = 5;

    /// <summary>The HPA that targets the workload, or null; with several (a misconfiguration the HPA controller reports as AmbiguousSelector), the first by name.</summary>
    public async Task<V2HorizontalPodAutoscaler?> FindAsync(Workload workload, CancellationToken cancellationToken)
    {
        var list = await api.CallAsync($"horizontal pod autoscalers of {workload}", (k, ns) =>
            k.AutoscalingV2.ListNamespacedHorizontalPodAutoscalerAsync(ns, cancellationToken: cancellationToken), cancellationToken).ConfigureAwait(false);
        return list.Items
            .Where(h => h.Spec?.ScaleTargetRef is { } target && target.Kind == workload.ApiKind && target.Name == workload.Name)
            .OrderBy(h => h.Metadata.Name, StringComparer.Ordinal)
            .FirstOrDefault();
    }

    public static ServiceAutoscaler Describe(V2HorizontalPodAutoscaler hpa) =>
        new(hpa.Metadata.Name, hpa.Spec.MinReplicas ?? 1, hpa.Spec.MaxReplicas, hpa.Status?.CurrentReplicas ?? 0, hpa.Status?.DesiredReplicas ?? 0);

    /// <summary>Sets the HPA's bounds (a merge patch carrying the resourceVersion read, so a concurrent change is a 409 and a fresh try).</summary>
    public async Task<ServiceAutoscaler> SetBoundsAsync(Workload workload, string name, Func<V2HorizontalPodAutoscaler, (int Min, int Max)> bounds, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var hpa = await api.CallAsync($"horizontal pod autoscaler '{name}'", (k, ns) =>
                k.AutoscalingV2.ReadNamespacedHorizontalPodAutoscalerAsync(name, ns, cancellationToken: cancellationToken), cancellationToken).ConfigureAwait(false);
            var (min, max) = bounds(hpa);
            if (min < 1 || max < min)
            {
                throw new ProviderException(ProviderErrorKind.Failed,
                    $"horizontal pod autoscaler '{name}' of {workload} cannot have minReplicas {min} and maxReplicas {max}: "
                    + "minReplicas must be at least 1 and maxReplicas at least minReplicas");
            }

            if (min == (hpa.Spec.MinReplicas ?? 1) && max == hpa.Spec.MaxReplicas)
            {
                return Describe(hpa);
            }

            var patch = new JsonObject
            {
                ["metadata"] = new JsonObject { ["resourceVersion"] = hpa.Metadata.ResourceVersion },
                ["spec"] = new JsonObject { ["minReplicas"] = min, ["maxReplicas"] = max },
            };
            try
            {
                var written = await api.CallAsync($"horizontal pod autoscaler '{name}'", (k, ns) =>
                    k.AutoscalingV2.PatchNamespacedHorizontalPodAutoscalerAsync(new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), name, ns,
                        cancellationToken: cancellationToken), cancellationToken).ConfigureAwait(false);
                return Describe(written);
            }
            catch (ProviderException ex) when (ex.Kind == ProviderErrorKind.Conflict && attempt < ConflictAttempts)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50 * attempt), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public static string Range(ServiceAutoscaler hpa) =>
        $"{hpa.MinReplicas.ToString(CultureInfo.InvariantCulture)}-{hpa.MaxReplicas.ToString(CultureInfo.InvariantCulture)}";
}
