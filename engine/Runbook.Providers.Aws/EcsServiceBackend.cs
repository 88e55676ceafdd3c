using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Runbook.Execution.Providers;

namespace Runbook.Providers.Aws;

/// <summary>
/// The service interface over ECS services, doing what the <c>aws ecs</c> commands do: describe-services (with the
/// task definition for the image), update-service for scale, restart (--force-new-deployment), deploy (after
/// register-task-definition) and rollback (--task-definition), the services-stable waiter, and CloudWatch Logs for
/// the awslogs driver. A revision is a task definition ARN (…:task-definition/family:7).
/// </summary>
internal sealed class EcsServiceBackend(AwsJsonClient ecs, AwsJsonClient logs, string cluster, string? containerName, TimeSpan pollInterval, TimeProvider time)
    : IServiceBackend
{
    /// <summary>How far back service.logs reads when no 'since' is given: what 'aws logs tail' reads.</summary>
    public static readonly TimeSpan DefaultSince = TimeSpan.FromMinutes(10);

    private const int MaxLogPages = 100;

    public string Cluster => cluster;

    public async Task<ServiceState> DescribeAsync(string service, CancellationToken cancellationToken)
    {
        var described = await ServiceAsync(service, cancellationToken).ConfigureAwait(false);
        var definition = described.TaskDefinition is { } arn ? await TaskDefinitionAsync(arn, cancellationToken).ConfigureAwait(false) : null;
        var deployments = described.Deployments ?? [];
        var primary = deployments.FirstOrDefault(d => d.Status == "PRIMARY");
        var failed = deployments.FirstOrDefault(d => d.RolloutState == "FAILED");
        var previous = await PreviousRevisionAsync(described, cancellationToken).ConfigureAwait(false);
        var instances = await InstancesAsync(service, cancellationToken).ConfigureAwait(false);

        // Healthy as the services-stable waiter judges it, and as the console shows a finished rollout: the PRIMARY
        // deployment COMPLETED, no older deployment left, every desired task running.
        var complete = primary is not null && (primary.RolloutState is null or "COMPLETED") && deployments.Count == 1;
        var healthy = complete && described.RunningCount == described.DesiredCount;
        string? problem = failed is not null
            ? $"deployment {failed.Id} of service '{service}' in cluster '{cluster}' FAILED: {failed.RolloutStateReason ?? "ECS gave no reason"}"
            : described.Status is "DRAINING" ? $"service '{service}' in cluster '{cluster}' is DRAINING (being deleted)" : null;
        var progress = primary is null ? "no PRIMARY deployment"
            : $"PRIMARY deployment {primary.Id} {primary.RolloutState ?? "(no rollout state)"}: {primary.RunningCount} running, {primary.PendingCount} pending of {primary.DesiredCount}"
              + (deployments.Count > 1 ? $"; {deployments.Count - 1} older deployment(s) still running {deployments.Where(d => d != primary).Sum(d => d.RunningCount)} task(s)" : string.Empty);
        return new ServiceState(service, described.RunningCount, described.DesiredCount, definition is null ? null : Container(definition, service).Image,
            described.TaskDefinition, previous, healthy, instances, problem, progress);
    }

    public async Task<ImmutableArray<Revision>> HistoryAsync(string service, int limit, CancellationToken cancellationToken)
    {
        var described = await ServiceAsync(service, cancellationToken).ConfigureAwait(false);
        var family = Family(described.TaskDefinition ?? throw NoTaskDefinition(service));
        var arns = await RevisionsAsync(family, limit, cancellationToken).ConfigureAwait(false);

        // The service's deployments still running (its PRIMARY and any ACTIVE being replaced) mark the revisions they use.
        var inUse = (described.Deployments ?? []).Where(d => d.TaskDefinition is not null).GroupBy(d => d.TaskDefinition!)
            .ToDictionary(g => g.Key, g => string.Join("; ", g.Select(d =>
                $"{d.Status}{(d.RolloutState is { } state ? " " + state : string.Empty)}, {d.RunningCount} running")), StringComparer.Ordinal);
        return [.. arns.Select(arn => new Revision(arn, arn == described.TaskDefinition, inUse.GetValueOrDefault(arn)))];
    }

    public async Task<ImmutableArray<string>> LogsAsync(string service, LogQuery query, CancellationToken cancellationToken)
    {
        var described = await ServiceAsync(service, cancellationToken).ConfigureAwait(false);
        var definition = await TaskDefinitionAsync(described.TaskDefinition ?? throw NoTaskDefinition(service), cancellationToken).ConfigureAwait(false);
        var container = Container(definition, service);
        var logging = container.LogConfiguration;
        if (logging?.LogDriver != "awslogs" || logging.Options?.GetValueOrDefault("awslogs-group") is not { Length: > 0 } group)
        {
            throw new ProviderException(ProviderErrorKind.Failed,
                $"container '{container.Name}' of {definition.TaskDefinitionArn} does not log to CloudWatch Logs (logDriver '{logging?.LogDriver ?? "none"}'): service.logs reads the awslogs driver's group");
        }

        // awslogs names streams prefix/container/task-id; without a prefix the streams are not the service's alone.
        var prefix = logging.Options.GetValueOrDefault("awslogs-stream-prefix") is { Length: > 0 } p ? $"{p}/{container.Name}/" : null;
        var start = (time.GetUtcNow() - (query.Since ?? DefaultSince)).ToUnixTimeMilliseconds();
        var pattern = FilterPattern(query.Filter);
        var lines = new Queue<string>();
        string? next = null;
        for (var page = 0; page < MaxLogPages; page++)
        {
            var response = await logs.CallAsync("FilterLogEvents", new FilterLogEventsRequest(group, prefix, start, pattern, next, null),
                AwsJson.Default.FilterLogEventsRequest, AwsJson.Default.FilterLogEventsResponse, $"log group '{group}'", cancellationToken).ConfigureAwait(false);
            foreach (var e in response.Events ?? [])
            {
                lines.Enqueue($"[{e.LogStreamName}] {e.Message?.TrimEnd('\n', '\r')}");
                if (lines.Count > Math.Max(query.Tail, 0))
                {
                    lines.Dequeue();
                }
            }

            next = response.NextToken;
            if (string.IsNullOrEmpty(next))
            {
                break;
            }
        }

        return [.. lines];
    }

    /// <summary>
    /// The filter as a CloudWatch Logs pattern: one quoted phrase, matched as CloudWatch matches (case-sensitively), so
    /// the tail counts matching events, as `aws logs filter-log-events --filter-pattern` does. A filter holding a double
    /// quote cannot be quoted in that syntax: it is then left to the shared action, which filters the tail it gets.
    /// </summary>
    private static string? FilterPattern(string? filter) =>
        filter is { Length: > 0 } && !filter.Contains('"', StringComparison.Ordinal) ? $"\"{filter}\"" : null;

    public Task ScaleAsync(string service, int replicas, CancellationToken cancellationToken) =>
        UpdateAsync(new UpdateServiceRequest(cluster, service, DesiredCount: replicas), cancellationToken);

    public Task RestartAsync(string service, CancellationToken cancellationToken) =>
        UpdateAsync(new UpdateServiceRequest(cluster, service, ForceNewDeployment: true), cancellationToken);

    public async Task DeployAsync(string service, string image, CancellationToken cancellationToken) =>
        await DeployReturningArnAsync(service, image, cancellationToken).ConfigureAwait(false);

    /// <summary>DescribeTaskDefinition → RegisterTaskDefinition (the same definition, one image changed) → UpdateService; returns the new ARN.</summary>
    public async Task<string> DeployReturningArnAsync(string service, string image, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(image))
        {
            throw new ProviderException(ProviderErrorKind.Failed, $"service.deploy of '{service}' needs an image");
        }

        var described = await ServiceAsync(service, cancellationToken).ConfigureAwait(false);
        var current = described.TaskDefinition ?? throw NoTaskDefinition(service);
        var raw = await RawTaskDefinitionAsync(current, cancellationToken).ConfigureAwait(false);
        var definition = raw["taskDefinition"].Deserialize(AwsJson.Default.EcsTaskDefinition)!;
        var request = TaskDefinitionCopy.WithImage(raw, Container(definition, service).Name!, image);
        var text = await ecs.SendAsync("RegisterTaskDefinition", JsonSerializer.SerializeToUtf8Bytes(request, AwsJson.Default.JsonObject),
            $"family '{definition.Family}'", cancellationToken).ConfigureAwait(false);
        var registered = JsonSerializer.Deserialize(text, AwsJson.Default.RegisterTaskDefinitionResponse)?.TaskDefinition?.TaskDefinitionArn
            ?? throw new ProviderException(ProviderErrorKind.Failed, $"ECS RegisterTaskDefinition for family '{definition.Family}' returned no taskDefinitionArn");
        await UpdateAsync(new UpdateServiceRequest(cluster, service, TaskDefinition: registered), cancellationToken).ConfigureAwait(false);
        return registered;
    }

    public async Task RollbackAsync(string service, string? revision, CancellationToken cancellationToken)
    {
        var described = await ServiceAsync(service, cancellationToken).ConfigureAwait(false);
        var current = described.TaskDefinition ?? throw NoTaskDefinition(service);
        var target = revision is null
            ? await PreviousRevisionAsync(described, cancellationToken).ConfigureAwait(false)
              ?? throw new ProviderException(ProviderErrorKind.NotFound, $"service '{service}' in cluster '{cluster}' has no task definition before {current}: nothing to roll back to")
            : Target(Family(current), revision.Trim(), service);
        await UpdateAsync(new UpdateServiceRequest(cluster, service, TaskDefinition: target), cancellationToken).ConfigureAwait(false);
    }

    public Task WaitForChangeAsync(string service, TimeSpan atMost, TimeProvider clock, CancellationToken cancellationToken) =>
        Task.Delay(atMost < pollInterval ? atMost : pollInterval, clock, cancellationToken);

    /// <summary>The tasks of a service (running, or stopped ones too), as describe-tasks shows them.</summary>
    public async Task<IReadOnlyList<EcsTask>> TasksAsync(string service, bool includeStopped, CancellationToken cancellationToken)
    {
        var arns = new List<string>();
        foreach (var status in includeStopped ? new[] { "RUNNING", "STOPPED" } : ["RUNNING"])
        {
            arns.AddRange(await TaskArnsAsync(service, status, cancellationToken).ConfigureAwait(false));
        }

        var tasks = new List<EcsTask>();
        foreach (var chunk in arns.Chunk(100))
        {
            var response = await ecs.CallAsync("DescribeTasks", new DescribeTasksRequest(cluster, chunk), AwsJson.Default.DescribeTasksRequest,
                AwsJson.Default.DescribeTasksResponse, $"tasks of service '{service}' in cluster '{cluster}'", cancellationToken).ConfigureAwait(false);
            tasks.AddRange(response.Tasks ?? []);
        }

        return tasks;
    }

    private async Task<IReadOnlyList<string>> TaskArnsAsync(string service, string desiredStatus, CancellationToken cancellationToken)
    {
        var arns = new List<string>();
        string? next = null;
        do
        {
            var page = await ecs.CallAsync("ListTasks", new ListTasksRequest(cluster, service, desiredStatus, next), AwsJson.Default.ListTasksRequest,
                AwsJson.Default.ListTasksResponse, $"tasks of service '{service}' in cluster '{cluster}'", cancellationToken).ConfigureAwait(false);
            arns.AddRange(page.TaskArns ?? []);
            next = page.NextToken;
        }
        while (!string.IsNullOrEmpty(next));
        return arns;
    }

    private async Task<ImmutableArray<ServiceInstance>> InstancesAsync(string service, CancellationToken cancellationToken)
    {
        var tasks = await TasksAsync(service, includeStopped: false, cancellationToken).ConfigureAwait(false);
        return [.. tasks.OrderBy(t => t.TaskArn, StringComparer.Ordinal).Select(t => new ServiceInstance(
            TaskId(t.TaskArn), t.LastStatus ?? "UNKNOWN", t.HealthStatus, t.Containers?.FirstOrDefault(c => containerName is null || c.Name == containerName)?.Image))];
    }

    private async Task UpdateAsync(UpdateServiceRequest request, CancellationToken cancellationToken) =>
        await ecs.CallAsync("UpdateService", request, AwsJson.Default.UpdateServiceRequest, AwsJson.Default.UpdateServiceResponse,
            $"service '{request.Service}' in cluster '{cluster}'", cancellationToken).ConfigureAwait(false);

    /// <summary>DescribeServices for one service; MISSING and other failures[] are errors naming cluster and service.</summary>
    private async Task<EcsService> ServiceAsync(string service, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(service))
        {
            throw new ProviderException(ProviderErrorKind.Failed, "no service named: give the step a 'service'");
        }

        var response = await ecs.CallAsync("DescribeServices", new DescribeServicesRequest(cluster, [service]), AwsJson.Default.DescribeServicesRequest,
            AwsJson.Default.DescribeServicesResponse, $"service '{service}' in cluster '{cluster}'", cancellationToken).ConfigureAwait(false);
        if (response.Failures is [var failure, ..])
        {
            throw new ProviderException(failure.Reason == "MISSING" ? ProviderErrorKind.NotFound : ProviderErrorKind.Failed,
                failure.Reason == "MISSING"
                    ? $"service '{service}' not found in cluster '{cluster}' (DescribeServices: MISSING); check the 'cluster' setting and the services mapping in runbook.yaml"
                    : $"DescribeServices of service '{service}' in cluster '{cluster}' failed: {failure.Reason}{(failure.Detail is { Length: > 0 } d ? $" ({d})" : string.Empty)}");
        }

        var found = response.Services?.FirstOrDefault()
            ?? throw new ProviderException(ProviderErrorKind.NotFound, $"service '{service}' not found in cluster '{cluster}' (DescribeServices returned nothing)");
        return found.Status == "INACTIVE"
            ? throw new ProviderException(ProviderErrorKind.NotFound, $"service '{service}' in cluster '{cluster}' is INACTIVE (deleted)")
            : found;
    }

    private async Task<EcsTaskDefinition> TaskDefinitionAsync(string arn, CancellationToken cancellationToken) =>
        (await RawTaskDefinitionAsync(arn, cancellationToken).ConfigureAwait(false))["taskDefinition"].Deserialize(AwsJson.Default.EcsTaskDefinition)
        ?? throw new ProviderException(ProviderErrorKind.Failed, $"ECS DescribeTaskDefinition for {arn} returned no taskDefinition");

    private async Task<JsonObject> RawTaskDefinitionAsync(string arn, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new DescribeTaskDefinitionRequest(arn, ["TAGS"]), AwsJson.Default.DescribeTaskDefinitionRequest);
        var text = await ecs.SendAsync("DescribeTaskDefinition", body, $"task definition {arn}", cancellationToken).ConfigureAwait(false);
        return JsonNode.Parse(text) as JsonObject
            ?? throw new ProviderException(ProviderErrorKind.Failed, $"ECS DescribeTaskDefinition for {arn} returned no object");
    }

    /// <summary>ListTaskDefinitions of the family, newest first, every page.</summary>
    private async Task<IReadOnlyList<string>> RevisionsAsync(string family, int limit, CancellationToken cancellationToken)
    {
        var arns = new List<string>();
        string? next = null;
        do
        {
            var page = await ecs.CallAsync("ListTaskDefinitions", new ListTaskDefinitionsRequest(family, "ACTIVE", "DESC", next, null),
                AwsJson.Default.ListTaskDefinitionsRequest, AwsJson.Default.ListTaskDefinitionsResponse, $"task definition family '{family}'", cancellationToken).ConfigureAwait(false);
            arns.AddRange(page.TaskDefinitionArns ?? []);
            next = page.NextToken;
        }
        while (!string.IsNullOrEmpty(next) && arns.Count < limit);

        // ListTaskDefinitions' familyPrefix is a prefix: 'web' also lists 'web-worker'.
        return [.. arns.Where(a => Family(a) == family).OrderByDescending(RevisionNumber).Take(limit)];
    }

    /// <summary>
    /// The revision a rollback goes back to: the newest other deployment still listed (a rollout under way),
    /// else the newest ACTIVE revision of the family below the current one (what 'family:PREVIOUS' means).
    /// </summary>
    private async Task<string?> PreviousRevisionAsync(EcsService described, CancellationToken cancellationToken)
    {
        if (described.TaskDefinition is not { } current)
        {
            return null;
        }

        var older = (described.Deployments ?? []).Where(d => d.Status != "PRIMARY" && d.TaskDefinition is not null && d.TaskDefinition != current)
            .OrderByDescending(d => d.CreatedAt ?? 0).FirstOrDefault();
        if (older is not null)
        {
            return older.TaskDefinition;
        }

        var revisions = await RevisionsAsync(Family(current), int.MaxValue, cancellationToken).ConfigureAwait(false);
        return revisions.FirstOrDefault(r => RevisionNumber(r) < RevisionNumber(current));
    }

    /// <summary>A rollback target: a revision number of the family, 'family:N', or a task definition ARN.</summary>
    private static string Target(string family, string revision, string service) =>
        int.TryParse(revision, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number > 0 ? $"{family}:{number.ToString(CultureInfo.InvariantCulture)}"
        : revision.Contains(':', StringComparison.Ordinal) ? revision
        : throw new ProviderException(ProviderErrorKind.Failed,
            $"'{revision}' is not a task definition of service '{service}': give a revision number, family:revision or a task definition ARN (see service.history)");

    /// <summary>The container whose image is the service's: the 'container' setting, else the first essential one.</summary>
    private EcsContainerDefinition Container(EcsTaskDefinition definition, string service)
    {
        var containers = definition.ContainerDefinitions ?? [];
        return containerName is null
            ? containers.FirstOrDefault(c => c.Essential ?? true) ?? containers.FirstOrDefault()
              ?? throw new ProviderException(ProviderErrorKind.Failed, $"task definition {definition.TaskDefinitionArn} of service '{service}' has no containers")
            : containers.FirstOrDefault(c => c.Name == containerName) ?? throw new ProviderException(ProviderErrorKind.NotFound,
                $"task definition {definition.TaskDefinitionArn} of service '{service}' has no container '{containerName}' (the 'container' setting); it has {string.Join(", ", containers.Select(c => c.Name))}");
    }

    private ProviderException NoTaskDefinition(string service) =>
        new(ProviderErrorKind.Failed, $"service '{service}' in cluster '{cluster}' has no task definition (it uses an external deployment controller)");

    /// <summary>"arn:aws:ecs:r:a:task-definition/web:7" or "web:7" → "web".</summary>
    internal static string Family(string taskDefinition)
    {
        var name = taskDefinition[(taskDefinition.LastIndexOf('/') + 1)..];
        var colon = name.LastIndexOf(':');
        return colon > 0 ? name[..colon] : name;
    }

    internal static int RevisionNumber(string taskDefinition) =>
        int.TryParse(taskDefinition[(taskDefinition.LastIndexOf(':') + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;

    private static string TaskId(string? arn) => arn is null ? "?" : arn[(arn.LastIndexOf('/') + 1)..];
}
