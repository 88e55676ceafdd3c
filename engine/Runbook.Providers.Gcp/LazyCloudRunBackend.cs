using System.Collections.Immutable;
using Runbook.Execution.Providers;

namespace Runbook.Providers.Gcp;

/// <summary>
/// The Cloud Run backend, built at its first use: credentials, project and region are resolved when a step first needs
/// Google Cloud (not when the playbook is loaded), and a missing credential, project or region fails that step with the
/// resolver's clear message. A failed build is not kept: the next step (or the step's retry) tries again.
/// </summary>
internal sealed class LazyCloudRunBackend(Func<CancellationToken, Task<CloudRunServiceBackend>> build) : IServiceBackend
{
    private readonly Lock _lock = new();
    private Task<CloudRunServiceBackend>? _building;

    /// <summary>The backend; steps that start together (a parallel phase) share one build.</summary>
    public Task<CloudRunServiceBackend> BackendAsync(CancellationToken cancellationToken)
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

    public async Task RestartAsync(string service, CancellationToken cancellationToken) =>
        await (await BackendAsync(cancellationToken).ConfigureAwait(false)).RestartAsync(service, cancellationToken).ConfigureAwait(false);

    public async Task DeployAsync(string service, string image, CancellationToken cancellationToken) =>
        await (await BackendAsync(cancellationToken).ConfigureAwait(false)).DeployAsync(service, image, cancellationToken).ConfigureAwait(false);

    public async Task RollbackAsync(string service, string? revision, CancellationToken cancellationToken) =>
        await (await BackendAsync(cancellationToken).ConfigureAwait(false)).RollbackAsync(service, revision, cancellationToken).ConfigureAwait(false);

    public async Task WaitForChangeAsync(string service, TimeSpan atMost, TimeProvider time, CancellationToken cancellationToken) =>
        await (await BackendAsync(cancellationToken).ConfigureAwait(false)).WaitForChangeAsync(service, atMost, time, cancellationToken).ConfigureAwait(false);
}
