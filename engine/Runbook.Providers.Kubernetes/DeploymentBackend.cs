using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Runbook.Execution.Providers;

namespace Runbook.Providers.Kubernetes;

/// <summary>
/// The service interface over Deployments, doing what kubectl does: scale through the <c>/scale</c>
/// subresource, restart and roll back like <c>kubectl rollout restart</c> and <c>rollout undo</c>, and judge a
/// rollout like <c>kubectl rollout status</c>. Writes that read first are retried on a 409 with a fresh read.
/// </summary>
internal sealed class DeploymentBackend(KubeApi api, string? containerName, TimeProvider time) : IWorkloadBackend
{
    private const string RevisionAnnotation = "deployment.kubernetes.io/revision";
    private const string RestartedAtAnnotation = "kubectl.kubernetes.io/restartedAt";
    private static readonly TimeSpan ObservedWithin = TimeSpan.FromSeconds(10);

    /// <summary>The resourceVersion each deployment was last read at, where a watch for its next change starts.</summary>
    private readonly ConcurrentDictionary<string, string> _lastSeen = new(StringComparer.Ordinal);

    public async Task<ServiceState> DescribeAsync(string service, CancellationToken cancellationToken)
    {
        var deployment = await ReadAsync(service, cancellationToken).ConfigureAwait(false);
        var replicaSets = await OwnedReplicaSetsAsync(deployment, cancellationToken).ConfigureAwait(false);
        var pods = await PodsAsync(deployment, cancellationToken).ConfigureAwait(false);

        var rollout = Rollout.Of(deployment);
        var revision = Revision(deployment.Metadata);
        var previous = revision is { } current ? replicaSets.Select(r => Revision(r.Metadata)).Where(r => r < current).Max() : null;
        var instances = pods.Select(Instance).ToImmutableArray();
        return new ServiceState(service, rollout.Available, rollout.Desired, Container(deployment.Spec.Template, service).Image,
            revision?.ToString(CultureInfo.InvariantCulture), previous?.ToString(CultureInfo.InvariantCulture), rollout.Complete, instances, rollout.Problem, rollout.Status)
        {
            UpdatedReplicas = deployment.Status?.UpdatedReplicas ?? 0,
        };
    }

    public async Task<ImmutableArray<Revision>> HistoryAsync(string service, int limit, CancellationToken cancellationToken)
    {
        var deployment = await ReadAsync(service, cancellationToken).ConfigureAwait(false);
        var replicaSets = await OwnedReplicaSetsAsync(deployment, cancellationToken).ConfigureAwait(false);
        var current = Revision(deployment.Metadata);
        return [.. replicaSets.Select(r => Revision(r.Metadata)).OfType<int>().Distinct().OrderDescending().Take(limit)
            .Select(r => new Execution.Providers.Revision(r.ToString(CultureInfo.InvariantCulture), Current: r == current))];
    }

    public async Task<ImmutableArray<string>> LogsAsync(string service, LogQuery query, CancellationToken cancellationToken)
    {
        var deployment = await ReadAsync(service, cancellationToken).ConfigureAwait(false);
        var container = Container(deployment.Spec.Template, service).Name;
        var pods = await PodsAsync(deployment, cancellationToken).ConfigureAwait(false);
        return await Pods.LogsAsync(api, pods, container, query, cancellationToken).ConfigureAwait(false);
    }

    public Task ScaleAsync(string service, int replicas, CancellationToken cancellationToken) =>
        RetryOnConflictAsync(service, async () => await api.CallAsync($"deployment '{service}'", (k, ns) =>
            k.AppsV1.PatchNamespacedDeploymentScaleAsync(new V1Patch(Json(new JsonObject { ["spec"] = new JsonObject { ["replicas"] = replicas } }), V1Patch.PatchType.MergePatch),
                service, ns, cancellationToken: cancellationToken), cancellationToken).ConfigureAwait(false), cancellationToken);

    public async Task RestartAsync(string service, CancellationToken cancellationToken)
    {
        // What 'kubectl rollout restart' sends: a new template annotation, so the controller rolls every pod.
        var at = Pods.RestartedAt(time);
        var patch = Json(new JsonObject
        {
            ["spec"] = new JsonObject { ["template"] = new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [RestartedAtAnnotation] = at } } } },
        });
        V1Deployment? written = null;
        await RetryOnConflictAsync(service, async () =>
        {
            written = await api.CallAsync($"deployment '{service}'", (k, ns) =>
                k.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch(patch, V1Patch.PatchType.StrategicMergePatch), service, ns, cancellationToken: cancellationToken),
                cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        await ObservedAsync(service, written?.Metadata.Generation, cancellationToken).ConfigureAwait(false);
    }

    public Task DeployAsync(string service, string image, CancellationToken cancellationToken) =>
        ReplaceAsync(service, deployment =>
        {
            Container(deployment.Spec.Template, service).Image = image;
            return Task.FromResult(true);
        }, cancellationToken);

    public async Task RollbackAsync(string service, string? revision, CancellationToken cancellationToken)
    {
        int? wanted = null;
        if (revision is not null)
        {
            wanted = int.TryParse(revision.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number > 0
                ? number
                : throw new ProviderException(ProviderErrorKind.Failed, $"'{revision}' is not a revision of deployment '{service}': revisions are whole numbers (see service.history)");
        }

        // Like 'kubectl rollout undo': the template of the ReplicaSet at the wanted revision becomes the deployment's again.
        await ReplaceAsync(service, async deployment =>
        {
            var replicaSets = await OwnedReplicaSetsAsync(deployment, cancellationToken).ConfigureAwait(false);
            var current = Revision(deployment.Metadata) ?? 0;
            var target = wanted ?? replicaSets.Select(r => Revision(r.Metadata)).Where(r => r < current).Max()
                ?? throw new ProviderException(ProviderErrorKind.NotFound, $"deployment '{service}' has no revision before {current}: nothing to roll back to");
            if (target == current)
            {
                return false;
            }

            var source = replicaSets.FirstOrDefault(r => Revision(r.Metadata) == target)
                ?? throw new ProviderException(ProviderErrorKind.NotFound,
                    $"revision {target} of deployment '{service}' not found; revisions kept: {string.Join(", ", replicaSets.Select(r => Revision(r.Metadata)).OfType<int>().OrderDescending())}");
            var template = KubernetesJson.Deserialize<V1PodTemplateSpec>(KubernetesJson.Serialize(source.Spec.Template));
            template.Metadata.Labels?.Remove("pod-template-hash");
            deployment.Spec.Template = template;
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task WaitForChangeAsync(string service, TimeSpan atMost, TimeProvider clock, CancellationToken cancellationToken)
    {
        var path = $"{KubeResource.Find("deployments").ListPath(api.Namespace)}?fieldSelector={Uri.EscapeDataString("metadata.name=" + service)}";
        await api.WatchNextAsync(path, _lastSeen.GetValueOrDefault(service), atMost, $"deployment '{service}'", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The pod and container a command runs in, as 'kubectl exec deployment/x' picks: a ready pod of the deployment.</summary>
    public async Task<(string Pod, string Container)> ExecTargetAsync(string service, CancellationToken cancellationToken)
    {
        var deployment = await ReadAsync(service, cancellationToken).ConfigureAwait(false);
        var pods = await PodsAsync(deployment, cancellationToken).ConfigureAwait(false);
        var pod = pods.Where(p => p.Metadata.DeletionTimestamp is null && p.Status?.Phase == "Running")
            .OrderByDescending(p => Instance(p).Health == "ready").FirstOrDefault()
            ?? throw new ProviderException(ProviderErrorKind.Unavailable, $"deployment '{service}' has no running pod to run the command in");
        return (pod.Metadata.Name, Container(deployment.Spec.Template, service).Name);
    }

    private async Task<V1Deployment> ReadAsync(string service, CancellationToken cancellationToken)
    {
        var deployment = await api.CallAsync($"deployment '{service}'", (k, ns) =>
            k.AppsV1.ReadNamespacedDeploymentAsync(service, ns, cancellationToken: cancellationToken), cancellationToken).ConfigureAwait(false);
        _lastSeen[service] = deployment.Metadata.ResourceVersion;
        return deployment;
    }

    /// <summary>Read, change, replace with the read resourceVersion; on a 409 read again and redo the change.</summary>
    private async Task ReplaceAsync(string service, Func<V1Deployment, Task<bool>> change, CancellationToken cancellationToken)
    {
        V1Deployment? written = null;
        await RetryOnConflictAsync(service, async () =>
        {
            var deployment = await ReadAsync(service, cancellationToken).ConfigureAwait(false);
            if (await change(deployment).ConfigureAwait(false))
            {
                // managedFields' fieldsV1 has no type the native-binary client can serialize; a PUT without them keeps the server's.
                deployment.Metadata.ManagedFields = null;
                written = await api.CallAsync($"deployment '{service}'", (k, ns) =>
                    k.AppsV1.ReplaceNamespacedDeploymentAsync(deployment, service, ns, cancellationToken: cancellationToken), cancellationToken).ConfigureAwait(false);
            }
        }, cancellationToken).ConfigureAwait(false);
        await ObservedAsync(service, written?.Metadata.Generation, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Returns once the deployment controller has seen <paramref name="generation"/> (observedGeneration), so that a
    /// describe right after reads the new revision; after a few seconds it stops waiting (a busy controller is no error).
    /// </summary>
    private async Task ObservedAsync(string service, long? generation, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + ObservedWithin;
        while (generation is { } wanted)
        {
            var deployment = await ReadAsync(service, cancellationToken).ConfigureAwait(false);
            var left = deadline - time.GetUtcNow();
            if ((deployment.Status?.ObservedGeneration ?? 0) >= wanted || left <= TimeSpan.Zero)
            {
                return;
            }

            await WaitForChangeAsync(service, left, time, cancellationToken).ConfigureAwait(false);
        }
    }

    private static Task RetryOnConflictAsync(string service, Func<Task> write, CancellationToken cancellationToken) =>
        Pods.RetryOnConflictAsync($"deployment '{service}'", write, cancellationToken);

    /// <summary>The deployment's pods (by its selector), by name.</summary>
    private async Task<IReadOnlyList<V1Pod>> PodsAsync(V1Deployment deployment, CancellationToken cancellationToken)
    {
        var list = await api.CallAsync($"pods of deployment '{deployment.Metadata.Name}'", (k, ns) =>
            k.CoreV1.ListNamespacedPodAsync(ns, labelSelector: Selectors.ToQuery(deployment.Spec.Selector), cancellationToken: cancellationToken),
            cancellationToken).ConfigureAwait(false);
        return [.. list.Items.OrderBy(p => p.Metadata.Name, StringComparer.Ordinal)];
    }

    private async Task<IReadOnlyList<V1ReplicaSet>> OwnedReplicaSetsAsync(V1Deployment deployment, CancellationToken cancellationToken)
    {
        var list = await api.CallAsync($"replica sets of deployment '{deployment.Metadata.Name}'", (k, ns) =>
            k.AppsV1.ListNamespacedReplicaSetAsync(ns, labelSelector: Selectors.ToQuery(deployment.Spec.Selector), cancellationToken: cancellationToken),
            cancellationToken).ConfigureAwait(false);
        return [.. list.Items.Where(r => r.Metadata.OwnerReferences?.Any(o => o.Controller == true && o.Uid == deployment.Metadata.Uid) == true)];
    }

    private V1Container Container(V1PodTemplateSpec template, string service) => Pods.Container(template, containerName, $"deployment '{service}'");

    private static int? Revision(V1ObjectMeta metadata) =>
        metadata.Annotations?.TryGetValue(RevisionAnnotation, out var text) == true
        && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var revision) ? revision : null;

    private static string Json(JsonObject patch) => patch.ToJsonString();

    private static ServiceInstance Instance(V1Pod pod) => Pods.Instance(pod);
}
