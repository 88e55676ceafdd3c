using System.Collections.Immutable;
using Runbook.Execution.Providers;

namespace Runbook.Providers.Azure;

/// <summary>
/// The Container Apps backend, built at its first use: the subscription, resource group and credential are resolved
/// when a step first needs ARM (not when the playbook is loaded), and a missing setting fails that step with the
/// resolver's clear message.
/// </summary>
internal sealed class LazyContainerAppsBackend(Func<ContainerAppsBackend> build) : IServiceBackend
{
    private readonly Lazy<ContainerAppsBackend> _backend = new(build, LazyThreadSafetyMode.PublicationOnly);

    public ContainerAppsBackend Backend => _backend.Value;

    public Task<ServiceState> DescribeAsync(string service, CancellationToken cancellationToken) => Backend.DescribeAsync(service, cancellationToken);

    public Task<ImmutableArray<Revision>> HistoryAsync(string service, int limit, CancellationToken cancellationToken) => Backend.HistoryAsync(service, limit, cancellationToken);

    public Task<ImmutableArray<string>> LogsAsync(string service, LogQuery query, CancellationToken cancellationToken) =>
        Backend.LogsAsync(service, query, cancellationToken);

    public Task ScaleAsync(string service, int replicas, CancellationToken cancellationToken) => Backend.ScaleAsync(service, replicas, cancellationToken);

    public Task RestartAsync(string service, CancellationToken cancellationToken) => Backend.RestartAsync(service, cancellationToken);

    public Task DeployAsync(string service, string image, CancellationToken cancellationToken) => Backend.DeployAsync(service, image, cancellationToken);

    public Task RollbackAsync(string service, string? revision, CancellationToken cancellationToken) => Backend.RollbackAsync(service, revision, cancellationToken);

    public Task WaitForChangeAsync(string service, TimeSpan atMost, TimeProvider time, CancellationToken cancellationToken) =>
        Backend.WaitForChangeAsync(service, atMost, time, cancellationToken);
}
