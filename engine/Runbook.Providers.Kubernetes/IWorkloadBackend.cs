using Runbook.Execution.Providers;

namespace Runbook.Providers.Kubernetes;

/// <summary>A kind of workload a service can be (Deployment, StatefulSet): the service interface, plus where a command runs.</summary>
internal interface IWorkloadBackend : IServiceBackend
{
    /// <summary>The pod and container a command runs in, as 'kubectl exec KIND/NAME' picks them.</summary>
    Task<(string Pod, string Container)> ExecTargetAsync(string service, CancellationToken cancellationToken);
}
