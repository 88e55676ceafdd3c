using System.Collections.Immutable;

namespace Runbook.Execution.Providers;

/// <summary>
/// What a platform must do for the provider-neutral <c>service.*</c> actions. Service names are the
/// platform's own (the settings' service mapping is applied before a call). Failures are
/// <see cref="ProviderException"/>s with a message that names what failed.
/// </summary>
public interface IServiceBackend
{
    Task<ServiceState> DescribeAsync(string service, CancellationToken cancellationToken);

    /// <summary>Revisions, newest first, each marked with how the platform uses it now.</summary>
    Task<ImmutableArray<Revision>> HistoryAsync(string service, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// The service's recent log lines, oldest first. A platform that can filter where the logs are kept (CloudWatch
    /// Logs) applies <see cref="LogQuery.Filter"/> there, so the tail counts matching lines; the shared action filters
    /// what comes back as well.
    /// </summary>
    Task<ImmutableArray<string>> LogsAsync(string service, LogQuery query, CancellationToken cancellationToken);

    Task ScaleAsync(string service, int replicas, CancellationToken cancellationToken);

    /// <summary>
    /// Scales with a say in what happens to an autoscaler that manages the service. Platforms without one take only
    /// <see cref="ScaleRequest.Plain"/> requests: an autoscaler argument there is refused, not ignored.
    /// </summary>
    async Task<ScaleResult> ScaleAsync(string service, ScaleRequest request, CancellationToken cancellationToken)
    {
        if (!request.Plain)
        {
            throw new ProviderException(ProviderErrorKind.Failed,
                $"{service}: hpa, hpa_min_replicas and hpa_max_replicas are for Kubernetes HorizontalPodAutoscalers; this platform has none: remove them from the step");
        }

        await ScaleAsync(service, request.Replicas, cancellationToken).ConfigureAwait(false);
        return new ScaleResult(null, null);
    }

    Task RestartAsync(string service, CancellationToken cancellationToken);

    Task DeployAsync(string service, string image, CancellationToken cancellationToken);

    /// <summary>Back to <paramref name="revision"/>, or to the previous one when null.</summary>
    Task RollbackAsync(string service, string? revision, CancellationToken cancellationToken);

    /// <summary>
    /// Returns when the service may have changed, or after <paramref name="atMost"/>. Platforms that can
    /// watch (Kubernetes) return as soon as the platform reports a change; the rest poll once a second.
    /// </summary>
    Task WaitForChangeAsync(string service, TimeSpan atMost, TimeProvider time, CancellationToken cancellationToken) =>
        Task.Delay(atMost < TimeSpan.FromSeconds(1) ? atMost : TimeSpan.FromSeconds(1), time, cancellationToken);
}

/// <summary>One revision of a service.</summary>
/// <param name="Id">What names it on the platform (a ReplicaSet revision, an image, a task definition ARN).</param>
/// <param name="Current">The revision the service runs now (its desired state).</param>
/// <param name="Deployment">How a deployment uses it now, in the platform's words ("PRIMARY COMPLETED, 2 running"), or null.</param>
public sealed record Revision(string Id, bool Current = false, string? Deployment = null);

/// <summary>Which log lines <c>service.logs</c> wants.</summary>
/// <param name="Tail">At most this many lines, the newest.</param>
/// <param name="Since">Only lines younger than this, or the platform's default window when null.</param>
/// <param name="Previous">The previous instance's lines (a restarted container), where the platform keeps them.</param>
/// <param name="Filter">Only lines containing this text, or null for all.</param>
public sealed record LogQuery(int Tail, TimeSpan? Since, bool Previous, string? Filter);

/// <summary>A service as its platform reports it.</summary>
/// <param name="Revision">What identifies the running version on this platform (an image, a ReplicaSet revision …).</param>
/// <param name="Problem">Why a rollout cannot finish however long one waits (a Kubernetes progress deadline), or null.</param>
/// <param name="Progress">How far a rollout has come in the platform's words ("1 of 3 updated replicas are available"), or null.</param>
public sealed record ServiceState(
    string Service,
    int Replicas,
    int DesiredReplicas,
    string? Image,
    string? Revision,
    string? PreviousRevision,
    bool Healthy,
    ImmutableArray<ServiceInstance> Instances,
    string? Problem = null,
    string? Progress = null)
{
    /// <summary>Every wanted instance is up and healthy: rolled out.</summary>
    public bool IsReady => Replicas == DesiredReplicas && Healthy;

    /// <summary>Instances already at the revision being rolled out, where the platform counts them (Kubernetes), else null.</summary>
    public int? UpdatedReplicas { get; init; }

    /// <summary>
    /// Where the platform keeps two revisions during a rollout (a Kubernetes StatefulSet's currentRevision and
    /// updateRevision, as ControllerRevision names): the one the old instances run, else null.
    /// </summary>
    public string? CurrentRevision { get; init; }

    /// <summary>The revision being rolled out (a StatefulSet's updateRevision), else null.</summary>
    public string? UpdateRevision { get; init; }

    /// <summary>The autoscaler that sets the service's replicas (a Kubernetes HorizontalPodAutoscaler), or null when none does.</summary>
    public ServiceAutoscaler? Autoscaler { get; init; }
}

/// <summary>An autoscaler that targets a service: its name, its bounds, and the replicas it sees and wants.</summary>
public sealed record ServiceAutoscaler(string Name, int MinReplicas, int MaxReplicas, int CurrentReplicas, int DesiredReplicas);

/// <summary>What to do with an autoscaler that manages a service being scaled.</summary>
public enum AutoscalerPolicy
{
    /// <summary>Fail, naming the autoscaler: it would undo the change.</summary>
    Refuse,

    /// <summary>Move its bounds just enough that the requested replicas lie inside them.</summary>
    Adjust,
}

/// <summary>A scale: the replicas, what to do with an autoscaler, and (for a rollback) the exact bounds to give it.</summary>
public sealed record ScaleRequest(int Replicas, AutoscalerPolicy Autoscaler = AutoscalerPolicy.Refuse, int? MinReplicas = null, int? MaxReplicas = null)
{
    /// <summary>No word about autoscalers: what every platform takes.</summary>
    public bool Plain => Autoscaler == AutoscalerPolicy.Refuse && MinReplicas is null && MaxReplicas is null;
}

/// <summary>The autoscaler before and after a scale (null when none manages the service), so a rollback can restore its bounds.</summary>
public sealed record ScaleResult(ServiceAutoscaler? Before, ServiceAutoscaler? After);


public sealed record ServiceInstance(string Name, string State, string? Health, string? Image);

public enum ProviderErrorKind
{
    NotFound,
    Forbidden,
    Conflict,
    Unavailable,
    Failed,
}

/// <summary>A platform said no; the message names the object, the verb and what to check.</summary>
public sealed class ProviderException(ProviderErrorKind kind, string message, Exception? inner = null) : Exception(message, inner)
{
    public ProviderErrorKind Kind { get; } = kind;

    /// <summary>Worth another attempt under the step's retry policy: the platform was unreachable or busy, or the object changed meanwhile.</summary>
    public bool Retryable => Kind is ProviderErrorKind.Conflict or ProviderErrorKind.Unavailable;
}
