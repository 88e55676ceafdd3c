using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Runbook.Execution.Providers;

namespace Runbook.Providers.Kubernetes;

/// <summary>
/// The service interface over StatefulSets, doing what kubectl does with <c>statefulset/NAME</c>: scale through the
/// <c>/scale</c> subresource, restart by the template annotation (<c>rollout restart</c>), judge a rollout as
/// <c>rollout status</c> does (<see cref="StatefulSetRollout"/>), and roll back by ControllerRevision as
/// <c>rollout undo --to-revision=N</c> does: the revision's stored template goes back as a strategic merge patch.
/// Revisions are the ControllerRevisions the set controls, numbered by their <c>revision</c> field.
/// </summary>
internal sealed class StatefulSetBackend(KubeApi api, string? containerName, TimeProvider time) : IWorkloadBackend
{
    private const string RestartedAtAnnotation = "kubectl.kubernetes.io/restartedAt";
    private static readonly TimeSpan ObservedWithin = TimeSpan.FromSeconds(10);

    /// <summary>The resourceVersion each set was last read at, where a watch for its next change starts.</summary>
    private readonly ConcurrentDictionary<string, string> _lastSeen = new(StringComparer.Ordinal);

    /// <summary>One ControllerRevision: its name, number, and the stored patch (the pod template) as JSON text.</summary>
    private sealed record ControllerRevision(string Name, long Number, string Data);

    public async Task<ServiceState> DescribeAsync(string service, CancellationToken cancellationToken)
    {
        var set = await ReadAsync(service, cancellationToken).ConfigureAwait(false);
        var revisions = await RevisionsAsync(set, cancellationToken).ConfigureAwait(false);
        var pods = await PodsAsync(set, cancellationToken).ConfigureAwait(false);
        var rollout = StatefulSetRollout.Of(set);
        var update = revisions.FirstOrDefault(r => r.Name == set.Status?.UpdateRevision);
        var previous = update is null ? null : revisions.Where(r => r.Number < update.Number).Select(r => (long?)r.Number).Max();
        return new ServiceState(service, set.Status?.ReadyReplicas ?? 0, set.Spec.Replicas ?? 1, Container(set.Spec.Template, service).Image,
            update?.Number.ToString(CultureInfo.InvariantCulture), previous?.ToString(CultureInfo.InvariantCulture), rollout.Complete,
            [.. pods.Select(Pods.Instance)], rollout.Problem, rollout.Status)
        {
            UpdatedReplicas = set.Status?.UpdatedReplicas ?? 0,
            CurrentRevision = set.Status?.CurrentRevision,
            UpdateRevision = set.Status?.UpdateRevision,
        };
    }

    public async Task<ImmutableArray<Revision>> HistoryAsync(string service, int limit, CancellationToken cancellationToken)
    {
        var set = await ReadAsync(service, cancellationToken).ConfigureAwait(false);
        var revisions = await RevisionsAsync(set, cancellationToken).ConfigureAwait(false);
        return [.. revisions.OrderByDescending(r => r.Number).Take(limit)
            .Select(r => new Revision(r.Number.ToString(CultureInfo.InvariantCulture), Current: r.Name == set.Status?.UpdateRevision,
                Deployment: r.Name == set.Status?.CurrentRevision && r.Name != set.Status?.UpdateRevision ? $"{r.Name}, still run by {set.Status?.CurrentReplicas ?? 0} pods" : r.Name))];
    }

    public async Task<ImmutableArray<string>> LogsAsync(string service, LogQuery query, CancellationToken cancellationToken)
    {
        var set = await ReadAsync(service, cancellationToken).ConfigureAwait(false);
        var pods = await PodsAsync(set, cancellationToken).ConfigureAwait(false);
        return await Pods.LogsAsync(api, pods, Container(set.Spec.Template, service).Name, query, cancellationToken).ConfigureAwait(false);
    }

    public Task ScaleAsync(string service, int replicas, CancellationToken cancellationToken) =>
        Pods.RetryOnConflictAsync(What(service), async () => await api.CallAsync(What(service), (k, ns) =>
            k.AppsV1.PatchNamespacedStatefulSetScaleAsync(new V1Patch(new JsonObject { ["spec"] = new JsonObject { ["replicas"] = replicas } }.ToJsonString(), V1Patch.PatchType.MergePatch),
                service, ns, cancellationToken: cancellationToken), cancellationToken).ConfigureAwait(false), cancellationToken);

    public Task RestartAsync(string service, CancellationToken cancellationToken)
    {
        // What 'kubectl rollout restart statefulset/x' sends: a new template annotation, so the controller replaces every pod, highest ordinal first.
        var patch = new JsonObject
        {
            ["spec"] = new JsonObject { ["template"] = new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [RestartedAtAnnotation] = Pods.RestartedAt(time) } } } },
        };
        return PatchAsync(service, _ => Task.FromResult<string?>(patch.ToJsonString()), cancellationToken);
    }

    public async Task DeployAsync(string service, string image, CancellationToken cancellationToken)
    {
        V1StatefulSet? written = null;
        await Pods.RetryOnConflictAsync(What(service), async () =>
        {
            var set = await ReadAsync(service, cancellationToken).ConfigureAwait(false);
            Container(set.Spec.Template, service).Image = image;
            set.Metadata.ManagedFields = null; // fieldsV1 has no type the native-binary client can serialize; a PUT without them keeps the server's
            written = await api.CallAsync(What(service), (k, ns) =>
                k.AppsV1.ReplaceNamespacedStatefulSetAsync(set, service, ns, cancellationToken: cancellationToken), cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        await ObservedAsync(service, written?.Metadata.Generation, cancellationToken).ConfigureAwait(false);
    }

    public async Task RollbackAsync(string service, string? revision, CancellationToken cancellationToken)
    {
        long? wanted = null;
        if (revision is not null)
        {
            wanted = long.TryParse(revision.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number > 0
                ? number
                : throw new ProviderException(ProviderErrorKind.Failed,
                    $"'{Workload.Printable(revision)}' is not a revision of statefulset '{service}': revisions are the whole numbers of its ControllerRevisions (see service.history)");
        }

        // Like 'kubectl rollout undo statefulset/x --to-revision=N': the revision's data (the template, "$patch": "replace") is patched back.
        await PatchAsync(service, async set =>
        {
            var revisions = await RevisionsAsync(set, cancellationToken).ConfigureAwait(false);
            var current = revisions.FirstOrDefault(r => r.Name == set.Status?.UpdateRevision)?.Number ?? revisions.Select(r => r.Number).DefaultIfEmpty(0).Max();
            var target = wanted ?? revisions.Where(r => r.Number < current).Select(r => (long?)r.Number).Max()
                ?? throw new ProviderException(ProviderErrorKind.NotFound, $"statefulset '{service}' has no revision before {current}: nothing to roll back to");
            if (target == current)
            {
                return null;
            }

            var source = revisions.FirstOrDefault(r => r.Number == target)
                ?? throw new ProviderException(ProviderErrorKind.NotFound,
                    $"revision {target} of statefulset '{service}' not found; ControllerRevisions kept: {string.Join(", ", revisions.Select(r => r.Number).OrderDescending())}");
            return source.Data;
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task WaitForChangeAsync(string service, TimeSpan atMost, TimeProvider clock, CancellationToken cancellationToken)
    {
        var path = $"{KubeResource.Find("statefulsets").ListPath(api.Namespace)}?fieldSelector={Uri.EscapeDataString("metadata.name=" + service)}";
        await api.WatchNextAsync(path, _lastSeen.GetValueOrDefault(service), atMost, What(service), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>As 'kubectl exec statefulset/x' is used for: the lowest ordinal that is ready (pod 0 of a database is usually the primary), else the lowest running.</summary>
    public async Task<(string Pod, string Container)> ExecTargetAsync(string service, CancellationToken cancellationToken)
    {
        var set = await ReadAsync(service, cancellationToken).ConfigureAwait(false);
        var pods = await PodsAsync(set, cancellationToken).ConfigureAwait(false);
        var pod = pods.Where(Pods.IsRunning).OrderByDescending(Pods.IsReady).ThenBy(p => Ordinal(p, service)).FirstOrDefault()
            ?? throw new ProviderException(ProviderErrorKind.Unavailable, $"statefulset '{service}' has no running pod to run the command in");
        return (pod.Metadata.Name, Container(set.Spec.Template, service).Name);
    }

    private static string What(string service) => $"statefulset '{service}'";

    private async Task<V1StatefulSet> ReadAsync(string service, CancellationToken cancellationToken)
    {
        var set = await api.CallAsync(What(service), (k, ns) =>
            k.AppsV1.ReadNamespacedStatefulSetAsync(service, ns, cancellationToken: cancellationToken), cancellationToken).ConfigureAwait(false);
        _lastSeen[service] = set.Metadata.ResourceVersion;
        return set;
    }

    /// <summary>
    /// A strategic merge patch computed from a fresh read (null: nothing to do), sent with that read's resourceVersion so a
    /// change in between is a 409 and a fresh try; then waits until the controller has seen it.
    /// </summary>
    private async Task PatchAsync(string service, Func<V1StatefulSet, Task<string?>> patchFor, CancellationToken cancellationToken)
    {
        V1StatefulSet? written = null;
        await Pods.RetryOnConflictAsync(What(service), async () =>
        {
            var set = await ReadAsync(service, cancellationToken).ConfigureAwait(false);
            if (await patchFor(set).ConfigureAwait(false) is not { } patch)
            {
                return;
            }

            var guarded = JsonNode.Parse(patch)!.AsObject();
            guarded["metadata"] = new JsonObject { ["resourceVersion"] = set.Metadata.ResourceVersion };
            written = await api.CallAsync(What(service), (k, ns) =>
                k.AppsV1.PatchNamespacedStatefulSetAsync(new V1Patch(guarded.ToJsonString(), V1Patch.PatchType.StrategicMergePatch), service, ns, cancellationToken: cancellationToken),
                cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        await ObservedAsync(service, written?.Metadata.Generation, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Returns once the controller has seen <paramref name="generation"/>, so a describe right after reads the new revision; a busy controller is no error.</summary>
    private async Task ObservedAsync(string service, long? generation, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + ObservedWithin;
        while (generation is { } wanted)
        {
            var set = await ReadAsync(service, cancellationToken).ConfigureAwait(false);
            var left = deadline - time.GetUtcNow();
            if ((set.Status?.ObservedGeneration ?? 0) >= wanted || left <= TimeSpan.Zero)
            {
                return;
            }

            await WaitForChangeAsync(service, left, time, cancellationToken).ConfigureAwait(false);
        }
    }

    private Task<IReadOnlyList<V1Pod>> PodsAsync(V1StatefulSet set, CancellationToken cancellationToken) =>
        Pods.OfAsync(api, What(set.Metadata.Name), set.Spec.Selector, p => Pods.ControlledBy(p, set.Metadata.Uid), cancellationToken);

    /// <summary>
    /// The ControllerRevisions the set controls (found as kubectl finds them: by the set's selector, then the owner),
    /// read as JSON: their data is a raw patch the typed model would not carry through unchanged.
    /// </summary>
    private async Task<IReadOnlyList<ControllerRevision>> RevisionsAsync(V1StatefulSet set, CancellationToken cancellationToken)
    {
        var path = $"apis/apps/v1/namespaces/{Uri.EscapeDataString(api.Namespace)}/controllerrevisions?labelSelector={Uri.EscapeDataString(Selectors.ToQuery(set.Spec.Selector))}";
        using var list = await api.GetJsonAsync(path, $"controller revisions of statefulset '{set.Metadata.Name}'", cancellationToken).ConfigureAwait(false);
        var revisions = new List<ControllerRevision>();
        foreach (var item in list.RootElement.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Array ? items.EnumerateArray() : default)
        {
            var metadata = item.GetProperty("metadata");
            var owned = metadata.TryGetProperty("ownerReferences", out var owners) && owners.ValueKind == JsonValueKind.Array
                && owners.EnumerateArray().Any(o => o.TryGetProperty("controller", out var c) && c.ValueKind == JsonValueKind.True
                    && o.TryGetProperty("uid", out var uid) && uid.GetString() == set.Metadata.Uid);
            if (owned && item.TryGetProperty("revision", out var number) && number.TryGetInt64(out var revision) && item.TryGetProperty("data", out var data))
            {
                revisions.Add(new ControllerRevision(metadata.GetProperty("name").GetString() ?? string.Empty, revision, data.GetRawText()));
            }
        }

        return revisions;
    }

    private V1Container Container(V1PodTemplateSpec template, string service) => Pods.Container(template, containerName, What(service));

    /// <summary>The pod's ordinal: its apps.kubernetes.io/pod-index label, else the number after the set's name.</summary>
    private static int Ordinal(V1Pod pod, string service) =>
        pod.Metadata.Labels?.TryGetValue("apps.kubernetes.io/pod-index", out var index) == true && int.TryParse(index, NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i
        : int.TryParse(pod.Metadata.Name.AsSpan(Math.Min(pod.Metadata.Name.Length, service.Length + 1)), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n
        : int.MaxValue;
}
