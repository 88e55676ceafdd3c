using System.Collections.Immutable;
using Runbook.Execution.Providers;

namespace Runbook.Providers.Kubernetes;

/// <summary>
/// The Kubernetes service backend: sends each call to the backend of the service's kind (a plain name is a
/// Deployment, <c>statefulset/NAME</c> a StatefulSet), and adds what is the same for every kind: the
/// HorizontalPodAutoscaler that targets the workload, reported by describe and respected by scale.
/// </summary>
internal sealed class WorkloadBackend(DeploymentBackend deployments, StatefulSetBackend statefulSets, Autoscalers autoscalers) : IWorkloadBackend
{
    public async Task<ServiceState> DescribeAsync(string service, CancellationToken cancellationToken)
    {
        var workload = Workload.Parse(service);
        var state = await For(workload).DescribeAsync(workload.Name, cancellationToken).ConfigureAwait(false);
        var hpa = await autoscalers.FindAsync(workload, cancellationToken).ConfigureAwait(false);
        return state with { Service = service, Autoscaler = hpa is null ? null : Autoscalers.Describe(hpa) };
    }

    public Task<ImmutableArray<Revision>> HistoryAsync(string service, int limit, CancellationToken cancellationToken) =>
        Route(service, (backend, name) => backend.HistoryAsync(name, limit, cancellationToken));

    public Task<ImmutableArray<string>> LogsAsync(string service, LogQuery query, CancellationToken cancellationToken) =>
        Route(service, (backend, name) => backend.LogsAsync(name, query, cancellationToken));

    /// <summary>A plain scale: refused, like any scale without hpa:, when an HPA manages the workload.</summary>
    public Task ScaleAsync(string service, int replicas, CancellationToken cancellationToken) =>
        ScaleAsync(service, new ScaleRequest(replicas), cancellationToken);

    public async Task<ScaleResult> ScaleAsync(string service, ScaleRequest request, CancellationToken cancellationToken)
    {
        var workload = Workload.Parse(service);
        var backend = For(workload);
        var found = await autoscalers.FindAsync(workload, cancellationToken).ConfigureAwait(false);
        if (found is null)
        {
            if (request.MinReplicas is not null || request.MaxReplicas is not null)
            {
                throw new ProviderException(ProviderErrorKind.NotFound,
                    $"no horizontal pod autoscaler targets {workload} now, so its minReplicas/maxReplicas cannot be set; "
                    + "it was deleted since the step that captured them ran: scale without hpa_min_replicas and hpa_max_replicas, or recreate the HPA");
            }

            await backend.ScaleAsync(workload.Name, request.Replicas, cancellationToken).ConfigureAwait(false);
            return new ScaleResult(null, null);
        }

        var before = Autoscalers.Describe(found);
        var replicas = request.Replicas;
        if (request.Plain)
        {
            throw new ProviderException(ProviderErrorKind.Failed,
                $"{workload} is managed by horizontal pod autoscaler '{before.Name}' (min {before.MinReplicas}, max {before.MaxReplicas}, current {before.CurrentReplicas}, "
                + $"desired {before.DesiredReplicas}): it would undo a scale to {replicas}. Add 'hpa: adjust' to the step to move the HPA's bounds so that "
                + $"{replicas} lies inside them (the previous bounds become outputs for the rollback), or change the HPA instead of the replicas");
        }

        if (replicas == 0)
        {
            throw new ProviderException(ProviderErrorKind.Failed,
                $"{workload} is managed by horizontal pod autoscaler '{before.Name}', whose minReplicas cannot go below 1: scale to 1 or more, or delete the HPA first");
        }

        var min = request.MinReplicas ?? (request.Autoscaler == AutoscalerPolicy.Adjust ? Math.Min(before.MinReplicas, replicas) : before.MinReplicas);
        var max = request.MaxReplicas ?? (request.Autoscaler == AutoscalerPolicy.Adjust ? Math.Max(before.MaxReplicas, replicas) : before.MaxReplicas);
        if (min > max || replicas < min || replicas > max)
        {
            throw new ProviderException(ProviderErrorKind.Failed,
                $"horizontal pod autoscaler '{before.Name}' of {workload} cannot take minReplicas {min} and maxReplicas {max} with {replicas} replicas: "
                + "minReplicas must not exceed maxReplicas, and the replicas must lie between them (or the HPA would undo them); "
                + "fix hpa_min_replicas/hpa_max_replicas, or leave them out and say 'hpa: adjust'");
        }

        // The replicas stay inside the HPA's bounds at every moment, so its controller has nothing to undo in between:
        // new bounds first when the replicas lie outside the present ones, else the replicas first.
        ServiceAutoscaler after;
        if (replicas < before.MinReplicas || replicas > before.MaxReplicas)
        {
            after = await autoscalers.SetBoundsAsync(workload, before.Name, _ => (min, max), cancellationToken).ConfigureAwait(false);
            await backend.ScaleAsync(workload.Name, replicas, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await backend.ScaleAsync(workload.Name, replicas, cancellationToken).ConfigureAwait(false);
            after = await autoscalers.SetBoundsAsync(workload, before.Name, _ => (min, max), cancellationToken).ConfigureAwait(false);
        }

        return new ScaleResult(before, after);
    }

    public Task RestartAsync(string service, CancellationToken cancellationToken) =>
        Route(service, async (backend, name) =>
        {
            await backend.RestartAsync(name, cancellationToken).ConfigureAwait(false);
            return true;
        });

    public Task DeployAsync(string service, string image, CancellationToken cancellationToken) =>
        Route(service, async (backend, name) =>
        {
            await backend.DeployAsync(name, image, cancellationToken).ConfigureAwait(false);
            return true;
        });

    public Task RollbackAsync(string service, string? revision, CancellationToken cancellationToken) =>
        Route(service, async (backend, name) =>
        {
            await backend.RollbackAsync(name, revision, cancellationToken).ConfigureAwait(false);
            return true;
        });

    public Task WaitForChangeAsync(string service, TimeSpan atMost, TimeProvider time, CancellationToken cancellationToken) =>
        Route(service, async (backend, name) =>
        {
            await backend.WaitForChangeAsync(name, atMost, time, cancellationToken).ConfigureAwait(false);
            return true;
        });

    public Task<(string Pod, string Container)> ExecTargetAsync(string service, CancellationToken cancellationToken) =>
        Route(service, (backend, name) => backend.ExecTargetAsync(name, cancellationToken));

    private IWorkloadBackend For(Workload workload) => workload.Kind == WorkloadKind.StatefulSet ? statefulSets : deployments;

    private Task<T> Route<T>(string service, Func<IWorkloadBackend, string, Task<T>> call)
    {
        var workload = Workload.Parse(service);
        return call(For(workload), workload.Name);
    }
}
