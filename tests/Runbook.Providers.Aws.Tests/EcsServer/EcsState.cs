using System.Text.Json.Nodes;

namespace Runbook.Providers.Aws.Tests.EcsServer;

// The server's mutable state. Every read and write happens under EcsBackend's lock; tests see it only through
// the immutable snapshots.

internal sealed class ClusterState(string name, string arn)
{
    public string Name { get; } = name;

    public string Arn { get; } = arn;

    /// <summary>Services by name, in creation order (ListServices pages through them in this order).</summary>
    public List<ServiceState> Services { get; } = [];
}

internal sealed class TaskDefinitionState(string family, int revision, string arn, JsonObject registered, JsonArray? tags, DateTimeOffset registeredAt)
{
    public string Family { get; } = family;

    public int Revision { get; } = revision;

    public string Arn { get; } = arn;

    /// <summary>Every member of the RegisterTaskDefinition request except tags, exactly as sent.</summary>
    public JsonObject Registered { get; } = registered;

    public JsonArray? Tags { get; } = tags;

    public string Status { get; set; } = "ACTIVE";

    public DateTimeOffset RegisteredAt { get; } = registeredAt;

    public IEnumerable<JsonObject> Containers => Registered["containerDefinitions"]?.AsArray().OfType<JsonObject>() ?? [];
}

internal sealed class ServiceState(string cluster, string name, string arn, DateTimeOffset createdAt)
{
    public string Cluster { get; } = cluster;

    public string Name { get; } = name;

    public string Arn { get; } = arn;

    public DateTimeOffset CreatedAt { get; } = createdAt;

    public string Status { get; set; } = "ACTIVE";

    public int DesiredCount { get; set; }

    public string TaskDefinitionArn { get; set; } = string.Empty;

    public string LaunchType { get; set; } = "FARGATE";

    public JsonObject DeploymentConfiguration { get; set; } = [];

    public JsonObject? NetworkConfiguration { get; set; }

    /// <summary>PRIMARY first, then the ACTIVE ones still draining, newest first.</summary>
    public List<DeploymentState> Deployments { get; } = [];

    /// <summary>Newest first, at most 100, as DescribeServices returns them.</summary>
    public List<ServiceEventState> Events { get; } = [];

    /// <summary>The last deployment whose rollout COMPLETED: where the circuit breaker rolls back to.</summary>
    public (string DeploymentId, string TaskDefinitionArn)? LastCompleted { get; set; }

    /// <summary>Whether the last round ended in a steady state, so "has reached a steady state" is said once per arrival.</summary>
    public bool Steady { get; set; }

    public bool CircuitBreakerEnabled => DeploymentConfiguration["deploymentCircuitBreaker"]?["enable"]?.GetValue<bool>() == true;

    public bool CircuitBreakerRollback => DeploymentConfiguration["deploymentCircuitBreaker"]?["rollback"]?.GetValue<bool>() == true;

    public int MinimumHealthyPercent => DeploymentConfiguration["minimumHealthyPercent"]?.GetValue<int>() ?? 100;

    public int MaximumPercent => DeploymentConfiguration["maximumPercent"]?.GetValue<int>() ?? 200;
}

internal sealed class DeploymentState(string id, string taskDefinitionArn, int desiredCount, DateTimeOffset createdAt)
{
    public string Id { get; } = id;

    public string Status { get; set; } = "PRIMARY";

    public string TaskDefinitionArn { get; } = taskDefinitionArn;

    public int DesiredCount { get; set; } = desiredCount;

    public int FailedTasks { get; set; }

    public DateTimeOffset CreatedAt { get; } = createdAt;

    public DateTimeOffset UpdatedAt { get; set; } = createdAt;

    public string RolloutState { get; set; } = "IN_PROGRESS";

    public string RolloutStateReason { get; set; } = $"ECS deployment {id} in progress.";
}

internal sealed record ServiceEventState(string Id, DateTimeOffset CreatedAt, string Message);

internal sealed class TaskState(string arn, string cluster, string service, string deploymentId, string taskDefinitionArn, DateTimeOffset createdAt, long createdRound)
{
    public string Arn { get; } = arn;

    public string Id => Arn[(Arn.LastIndexOf('/') + 1)..];

    public string Cluster { get; } = cluster;

    public string Service { get; } = service;

    public string DeploymentId { get; } = deploymentId;

    public string TaskDefinitionArn { get; } = taskDefinitionArn;

    public DateTimeOffset CreatedAt { get; } = createdAt;

    /// <summary>The controller round that made it: a task starts (or fails to) one round later.</summary>
    public long CreatedRound { get; } = createdRound;

    public string LastStatus { get; set; } = "PENDING";

    public string DesiredStatus { get; set; } = "RUNNING";

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? StoppedAt { get; set; }

    public string? StoppedReason { get; set; }

    public string? StopCode { get; set; }

    public List<ContainerState> Containers { get; } = [];

    public bool Live => LastStatus is "PENDING" or "RUNNING";
}

internal sealed class ContainerState(string name, string image, string arn, string? logGroup, string? logStream)
{
    public string Name { get; } = name;

    public string Image { get; } = image;

    public string Arn { get; } = arn;

    public string? LogGroup { get; } = logGroup;

    public string? LogStream { get; } = logStream;

    public string LastStatus { get; set; } = "PENDING";

    public int? ExitCode { get; set; }

    public string? Reason { get; set; }
}

internal sealed class LogGroupState(string name, string arn, DateTimeOffset createdAt)
{
    public string Name { get; } = name;

    public string Arn { get; } = arn;

    public DateTimeOffset CreatedAt { get; } = createdAt;

    public Dictionary<string, LogStreamState> Streams { get; } = new(StringComparer.Ordinal);
}

internal sealed class LogStreamState(string name, DateTimeOffset createdAt)
{
    public string Name { get; } = name;

    public DateTimeOffset CreatedAt { get; } = createdAt;

    /// <summary>In the order written; timestamps never decrease within a stream here.</summary>
    public List<LogEventState> Events { get; } = [];
}

internal sealed record LogEventState(long Sequence, long Timestamp, long IngestionTime, string Message);
