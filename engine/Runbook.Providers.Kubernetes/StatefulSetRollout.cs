using k8s.Models;

namespace Runbook.Providers.Kubernetes;

/// <summary>
/// How far a StatefulSet's rollout has come, judged as <c>kubectl rollout status statefulset/x</c> judges it: the
/// controller has seen the latest spec; every wanted replica is ready; with a RollingUpdate partition, the pods at or
/// above it are updated ("partitioned roll out complete"); otherwise currentRevision has caught up with updateRevision.
/// An OnDelete set has no rollout to wait for, as kubectl says too.
/// </summary>
internal sealed record StatefulSetRollout(bool Complete, string Status, string? Problem = null)
{
    public static StatefulSetRollout Of(V1StatefulSet set)
    {
        var name = set.Metadata.Name;
        var status = set.Status ?? new V1StatefulSetStatus();
        var desired = set.Spec.Replicas ?? 1;
        var strategy = set.Spec.UpdateStrategy;
        if (strategy?.Type is { } type && type != "RollingUpdate")
        {
            var problem = $"statefulset \"{name}\" uses the {type} update strategy: rollout status is only available for the RollingUpdate strategy";
            return new(false, problem, problem);
        }

        if ((status.ObservedGeneration ?? 0) == 0 || (set.Metadata.Generation ?? 0) > (status.ObservedGeneration ?? 0))
        {
            return new(false, $"waiting for statefulset \"{name}\" spec update to be observed");
        }

        if ((status.ReadyReplicas ?? 0) < desired)
        {
            return new(false, $"waiting for {desired - (status.ReadyReplicas ?? 0)} pods to be ready");
        }

        if (strategy?.RollingUpdate?.Partition is { } partition)
        {
            var wanted = desired - partition;
            return (status.UpdatedReplicas ?? 0) < wanted
                ? new(false, $"waiting for partitioned roll out to finish: {status.UpdatedReplicas ?? 0} out of {wanted} new pods have been updated")
                : new(true, $"partitioned roll out complete: {status.UpdatedReplicas ?? 0} new pods have been updated");
        }

        return status.UpdateRevision != status.CurrentRevision
            ? new(false, $"waiting for statefulset rolling update to complete {status.UpdatedReplicas ?? 0} pods at revision {status.UpdateRevision}")
            : new(true, $"statefulset rolling update complete {status.CurrentReplicas ?? 0} pods at revision {status.CurrentRevision}");
    }
}
