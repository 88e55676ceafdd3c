using k8s.Models;

namespace Runbook.Providers.Kubernetes;

/// <summary>
/// How far a Deployment's rollout has come, judged as <c>kubectl rollout status</c> judges it: the controller has
/// seen the latest spec (observedGeneration), every replica is updated, no old one is left, all updated ones are
/// available; a Progressing condition with reason ProgressDeadlineExceeded means it will not finish.
/// </summary>
internal sealed record Rollout(int Desired, int Available, bool Complete, string? Problem, string Status)
{
    public static Rollout Of(V1Deployment deployment)
    {
        var name = deployment.Metadata.Name;
        var status = deployment.Status ?? new V1DeploymentStatus();
        var desired = deployment.Spec.Replicas ?? 1;
        var updated = status.UpdatedReplicas ?? 0;
        var replicas = status.Replicas ?? 0;
        var available = status.AvailableReplicas ?? 0;
        if ((deployment.Metadata.Generation ?? 0) > (status.ObservedGeneration ?? 0))
        {
            return new(desired, available, false, null, $"waiting for deployment \"{name}\" spec update to be observed");
        }

        if (status.Conditions?.FirstOrDefault(c => c.Type == "Progressing") is { Reason: "ProgressDeadlineExceeded" })
        {
            return new(desired, available, false, $"deployment \"{name}\" exceeded its progress deadline", "progress deadline exceeded");
        }

        return updated < desired ? new(desired, available, false, null, $"{updated} out of {desired} new replicas have been updated")
            : replicas > updated ? new(desired, available, false, null, $"{replicas - updated} old replicas are pending termination")
            : available < updated ? new(desired, available, false, null, $"{available} of {updated} updated replicas are available")
            : new(desired, available, true, null, $"deployment \"{name}\" successfully rolled out");
    }
}
