using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using Runbook.Execution.Providers;

namespace Runbook.Providers.Compose;

/// <summary>
/// The service interface over Docker Compose. Scale is <c>up --scale</c>; a deploy writes the image into an
/// override file and records the image it replaced, so a rollback knows where to go back to.
/// </summary>
internal sealed class ComposeBackend(ComposeCli cli, ComposeHistory history) : IServiceBackend
{
    public async Task<ServiceState> DescribeAsync(string service, CancellationToken cancellationToken)
    {
        await EnsureServiceAsync(service, cancellationToken).ConfigureAwait(false);
        var ids = (await cli.RunAsync(["ps", "-q", service], cancellationToken).ConfigureAwait(false))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var instances = ImmutableArray.CreateBuilder<ServiceInstance>();
        if (ids.Length > 0)
        {
            using var doc = JsonDocument.Parse(await ComposeCli.DockerAsync(["inspect", .. ids], cancellationToken).ConfigureAwait(false));
            foreach (var container in doc.RootElement.EnumerateArray())
            {
                var state = container.GetProperty("State");
                string? health = state.TryGetProperty("Health", out var h) && h.ValueKind == JsonValueKind.Object ? h.GetProperty("Status").GetString() : null;
                instances.Add(new ServiceInstance(container.GetProperty("Name").GetString()!.TrimStart('/'), state.GetProperty("Status").GetString()!,
                    health, container.GetProperty("Config").GetProperty("Image").GetString()));
            }
        }

        var running = instances.Where(i => i.State == "running").ToList();
        var image = running.Select(i => i.Image).FirstOrDefault() ?? instances.Select(i => i.Image).FirstOrDefault();
        return new ServiceState(service, running.Count, instances.Count, image, image, history.Previous(service),
            running.Count > 0 && running.All(i => i.Health is null or "healthy"), instances.ToImmutable());
    }

    public async Task<ImmutableArray<Revision>> HistoryAsync(string service, int limit, CancellationToken cancellationToken)
    {
        var current = await DescribeAsync(service, cancellationToken).ConfigureAwait(false);
        return [.. new[] { current.Image }.OfType<string>().Concat(history.Images(service).Reverse()).Distinct().Take(limit)
            .Select(image => new Revision(image, Current: image == current.Image))];
    }

    public async Task<ImmutableArray<string>> LogsAsync(string service, LogQuery query, CancellationToken cancellationToken)
    {
        await EnsureServiceAsync(service, cancellationToken).ConfigureAwait(false);
        var args = new List<string> { "logs", "--no-color", $"--tail={query.Tail.ToString(CultureInfo.InvariantCulture)}" };
        var output = await cli.RunAsync([.. args, service], cancellationToken).ConfigureAwait(false);
        return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r'))];
    }

    public async Task ScaleAsync(string service, int replicas, CancellationToken cancellationToken)
    {
        await EnsureServiceAsync(service, cancellationToken).ConfigureAwait(false);
        await cli.RunAsync(["up", "-d", "--no-recreate", "--scale", $"{service}={replicas.ToString(CultureInfo.InvariantCulture)}", service], cancellationToken).ConfigureAwait(false);
    }

    public async Task RestartAsync(string service, CancellationToken cancellationToken)
    {
        await EnsureServiceAsync(service, cancellationToken).ConfigureAwait(false);
        await cli.RunAsync(["restart", service], cancellationToken).ConfigureAwait(false);
    }

    public async Task DeployAsync(string service, string image, CancellationToken cancellationToken)
    {
        var before = await DescribeAsync(service, cancellationToken).ConfigureAwait(false);
        if (before.Image is { } current && current != image)
        {
            history.Push(service, current);
        }

        await UseImageAsync(service, image, before.DesiredReplicas, cancellationToken).ConfigureAwait(false);
    }

    public async Task RollbackAsync(string service, string? revision, CancellationToken cancellationToken)
    {
        var target = revision ?? history.Previous(service)
            ?? throw new ProviderException(ProviderErrorKind.NotFound, $"service '{service}' has no previous image recorded in project {cli.Project}: nothing to roll back to (name one with 'to:')");
        var before = await DescribeAsync(service, cancellationToken).ConfigureAwait(false);
        history.PopTo(service, target);
        await UseImageAsync(service, target, before.DesiredReplicas, cancellationToken).ConfigureAwait(false);
    }

    private async Task UseImageAsync(string service, string image, int replicas, CancellationToken cancellationToken)
    {
        history.SetImage(service, image);
        await cli.RunAsync(["up", "-d", "--scale", $"{service}={Math.Max(1, replicas).ToString(CultureInfo.InvariantCulture)}", service], cancellationToken).ConfigureAwait(false);
    }

    private async Task EnsureServiceAsync(string service, CancellationToken cancellationToken)
    {
        var services = (await cli.RunAsync(["config", "--services"], cancellationToken).ConfigureAwait(false))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (!services.Contains(service))
        {
            throw new ProviderException(ProviderErrorKind.NotFound,
                $"service '{service}' is not in compose project {cli.Project} (its services: {string.Join(", ", services)}); map playbook names to compose services under 'services:' in runbook.yaml");
        }
    }
}
