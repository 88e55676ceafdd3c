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
}

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
