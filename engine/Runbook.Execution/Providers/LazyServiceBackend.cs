using System.Collections.Immutable;

namespace Runbook.Execution.Providers;

/// <summary>
/// A provider's backend, built at its first use: credentials, endpoints and settings are resolved when a step first
/// needs the platform (not when the playbook is loaded or planned), and a missing one fails that step with the
/// resolver's clear message. Steps that start together (a parallel phase) share one build; a failed build is not
/// kept, so the next step (or the step's retry) tries again.
/// </summary>
public sealed class LazyServiceBackend<TBackend>(Func<CancellationToken, Task<TBackend>> build) : IServiceBackend
    where TBackend : IServiceBackend
{
    private readonly Lock _lock = new();
    private Task<TBackend>? _building;

    /// <summary>For a backend that is built without waiting on anything.</summary>
    public LazyServiceBackend(Func<TBackend> build)
        : this(_ => Task.FromResult(build()))
    {
    }

    public Task<TBackend> BackendAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_building is null || _building.IsFaulted || _building.IsCanceled)
            {
                _building = build(cancellationToken);
            }

            return _building.WaitAsync(cancellationToken);
        }
    }

    public async Task<ServiceState> DescribeAsync(string service, CancellationToken cancellationToken) =>
        await (await BackendAsync(cancellationToken).ConfigureAwait(false)).DescribeAsync(service, cancellationToken).ConfigureAwait(false);

    public async Task<ImmutableArray<Revision>> HistoryAsync(string service, int limit, CancellationToken cancellationToken) =>
        await (await BackendAsync(cancellationToken).ConfigureAwait(false)).HistoryAsync(service, limit, cancellationToken).ConfigureAwait(false);

    public async Task<ImmutableArray<string>> LogsAsync(string service, LogQuery query, CancellationToken cancellationToken) =>
        await (await BackendAsync(cancellationToken).ConfigureAwait(false)).LogsAsync(service, query, cancellationToken).ConfigureAwait(false);

    public async Task ScaleAsync(string service, int replicas, CancellationToken cancellationToken) =>
        await (await BackendAsync(cancellationToken).ConfigureAwait(false)).ScaleAsync(service, replicas, cancellationToken).ConfigureAwait(false);

    public async Task<ScaleResult> ScaleAsync(string service, ScaleRequest request, CancellationToken cancellationToken) =>
        await (await BackendAsync(cancellationToken).ConfigureAwait(false)).ScaleAsync(service, request, cancellationToken).ConfigureAwait(false);

    public async Task RestartAsync(string service, CancellationToken cancellationToken) =>
        await (await BackendAsync(cancellationToken).ConfigureAwait(false)).RestartAsync(service, cancellationToken).ConfigureAwait(false);

    public async Task DeployAsync(string service, string image, CancellationToken cancellationToken) =>
        await (await BackendAsync(cancellationToken).ConfigureAwait(false)).DeployAsync(service, image, cancellationToken).ConfigureAwait(false);

    public async Task RollbackAsync(string service, string? revision, CancellationToken cancellationToken) =>
        await (await BackendAsync(cancellationToken).ConfigureAwait(false)).RollbackAsync(service, revision, cancellationToken).ConfigureAwait(false);

    public async Task WaitForChangeAsync(string service, TimeSpan atMost, TimeProvider time, CancellationToken cancellationToken) =>
        await (await BackendAsync(cancellationToken).ConfigureAwait(false)).WaitForChangeAsync(service, atMost, time, cancellationToken).ConfigureAwait(false);
}
