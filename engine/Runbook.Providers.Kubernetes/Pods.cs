using System.Collections.Immutable;
using System.Globalization;
using k8s;
using k8s.Models;
using Runbook.Execution.Providers;

namespace Runbook.Providers.Kubernetes;

/// <summary>What every workload kind does with its pods and its writes: list them, read their logs, show them as kubectl's STATUS column does, retry a conflicting write.</summary>
internal static class Pods
{
    private const int ConflictAttempts = 5;

    /// <summary>The pods a workload's selector matches and it controls (owner uid), by name.</summary>
    public static async Task<IReadOnlyList<V1Pod>> OfAsync(KubeApi api, string what, V1LabelSelector selector, Func<V1Pod, bool> owned, CancellationToken cancellationToken)
    {
        var list = await api.CallAsync($"pods of {what}", (k, ns) =>
            k.CoreV1.ListNamespacedPodAsync(ns, labelSelector: Selectors.ToQuery(selector), cancellationToken: cancellationToken),
            cancellationToken).ConfigureAwait(false);
        return [.. list.Items.Where(owned).OrderBy(p => p.Metadata.Name, StringComparer.Ordinal)];
    }

    /// <summary>True when the object's controlling owner has <paramref name="uid"/>.</summary>
    public static bool ControlledBy(IKubernetesObject<V1ObjectMeta> o, string uid) =>
        o.Metadata.OwnerReferences?.Any(r => r.Controller == true && r.Uid == uid) == true;

    /// <summary>Every pod's log lines, each prefixed with pod and container as 'kubectl logs --prefix' does.</summary>
    public static async Task<ImmutableArray<string>> LogsAsync(KubeApi api, IReadOnlyList<V1Pod> pods, string container, LogQuery query, CancellationToken cancellationToken)
    {
        var lines = ImmutableArray.CreateBuilder<string>();
        ProviderException? firstError = null;
        foreach (var pod in pods)
        {
            try
            {
                var text = await api.CallAsync($"logs of pod '{pod.Metadata.Name}'", async (k, ns) =>
                {
                    using var stream = await k.CoreV1.ReadNamespacedPodLogAsync(pod.Metadata.Name, ns, container: container, previous: query.Previous,
                        sinceSeconds: query.Since is { } s ? (int)Math.Ceiling(s.TotalSeconds) : null, tailLines: query.Tail, cancellationToken: cancellationToken).ConfigureAwait(false);
                    using var reader = new StreamReader(stream);
                    return await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
                }, cancellationToken).ConfigureAwait(false);
                lines.AddRange(text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => $"[pod/{pod.Metadata.Name}/{container}] {l.TrimEnd('\r')}"));
            }
            catch (ProviderException ex) when (query.Previous && ex.Kind == ProviderErrorKind.Failed)
            {
                // Like kubectl, a pod whose container never restarted has no previous logs; the others still count.
                firstError ??= ex;
            }
        }

        return lines.Count == 0 && firstError is not null ? throw firstError : lines.ToImmutable();
    }

    /// <summary>A pod as kubectl's STATUS column shows it: terminating, a waiting reason (CrashLoopBackOff …), else the phase.</summary>
    public static ServiceInstance Instance(V1Pod pod)
    {
        var waiting = pod.Status?.ContainerStatuses?.Select(c => c.State?.Waiting?.Reason).FirstOrDefault(r => r is not null);
        var state = pod.Metadata.DeletionTimestamp is not null ? "Terminating" : waiting ?? pod.Status?.Phase ?? "Unknown";
        return new ServiceInstance(pod.Metadata.Name, state, IsReady(pod) ? "ready" : "not ready",
            pod.Status?.ContainerStatuses?.FirstOrDefault()?.Image ?? pod.Spec.Containers.FirstOrDefault()?.Image);
    }

    public static bool IsReady(V1Pod pod) => pod.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;

    public static bool IsRunning(V1Pod pod) => pod.Metadata.DeletionTimestamp is null && pod.Status?.Phase == "Running";

    /// <summary>The container a service's image is: the one the 'container' setting names, else the first.</summary>
    public static V1Container Container(V1PodTemplateSpec template, string? containerName, string what)
    {
        var containers = template.Spec.Containers;
        return containerName is null
            ? containers.FirstOrDefault() ?? throw new ProviderException(ProviderErrorKind.Failed, $"{what} has no containers")
            : containers.FirstOrDefault(c => c.Name == containerName) ?? throw new ProviderException(ProviderErrorKind.NotFound,
                $"{what} has no container '{containerName}' (the 'container' setting); it has {string.Join(", ", containers.Select(c => c.Name))}");
    }

    /// <summary>Runs a read-then-write; on a 409 (the object changed since it was read) reads and writes again, a few times.</summary>
    public static async Task RetryOnConflictAsync(string what, Func<Task> write, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await write().ConfigureAwait(false);
                return;
            }
            catch (ProviderException ex) when (ex.Kind == ProviderErrorKind.Conflict && attempt < ConflictAttempts)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50 * attempt), cancellationToken).ConfigureAwait(false);
            }
            catch (ProviderException ex) when (ex.Kind == ProviderErrorKind.Conflict)
            {
                throw new ProviderException(ProviderErrorKind.Conflict, $"{what} kept changing: {ConflictAttempts} writes in a row conflicted ({ex.Message})", ex);
            }
        }
    }

    /// <summary>What 'kubectl rollout restart' puts in the template's annotations: the time, to the second, in UTC.</summary>
    public static string RestartedAt(TimeProvider time) =>
        time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ssK", CultureInfo.InvariantCulture).Replace("+00:00", "Z", StringComparison.Ordinal);
}
