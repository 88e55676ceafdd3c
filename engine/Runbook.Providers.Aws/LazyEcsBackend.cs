using System.Collections.Immutable;
using Runbook.Execution.Providers;

namespace Runbook.Providers.Aws;

/// <summary>
/// The ECS backend, built at its first use: credentials and region are resolved when a step first needs AWS (not
/// when the playbook is loaded), and a missing profile or region fails that step with the resolver's clear message.
/// </summary>
internal sealed class LazyEcsBackend(Func<EcsServiceBackend> build) : IServiceBackend
{
    private readonly Lazy<EcsServiceBackend> _backend = new(build, LazyThreadSafetyMode.PublicationOnly);

    public EcsServiceBackend Backend => _backend.Value;

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
