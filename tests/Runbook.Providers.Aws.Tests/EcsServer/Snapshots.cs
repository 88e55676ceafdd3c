using System.Text.Json.Nodes;

namespace Runbook.Providers.Aws.Tests.EcsServer;

/// <summary>What a service is now, as the test server holds it: for assertions, not through the API.</summary>
public sealed record ServiceSnapshot(
    string Cluster,
    string Name,
    string Arn,
    string Status,
    int DesiredCount,
    int RunningCount,
    int PendingCount,
    string TaskDefinitionArn,
    IReadOnlyList<DeploymentSnapshot> Deployments,
    IReadOnlyList<string> Events,
    bool CircuitBreakerEnabled,
    bool CircuitBreakerRollback)
{
    public DeploymentSnapshot Primary => Deployments[0];

    /// <summary>What the ECS services-stable waiter accepts: one deployment, running == desired.</summary>
    public bool Stable => Status == "ACTIVE" && Deployments.Count == 1 && RunningCount == DesiredCount;
}

public sealed record DeploymentSnapshot(
    string Id,
    string Status,
    string TaskDefinitionArn,
    int DesiredCount,
    int RunningCount,
    int PendingCount,
    int FailedTasks,
    string RolloutState,
    string RolloutStateReason);

public sealed record TaskSnapshot(
    string Arn,
    string Id,
    string TaskDefinitionArn,
    string DeploymentId,
    string LastStatus,
    string? StoppedReason,
    string? StopCode,
    IReadOnlyList<ContainerSnapshot> Containers);

public sealed record ContainerSnapshot(string Name, string Image, string LastStatus, int? ExitCode, string? Reason);

/// <summary>A registered revision: <see cref="Body"/> is what DescribeTaskDefinition answers with (a copy).</summary>
public sealed record TaskDefinitionSnapshot(string Arn, string Family, int Revision, string Status, JsonObject Body);

public sealed record LogEventSnapshot(string Group, string Stream, long Timestamp, string Message);

/// <summary>One request as the server saw it: the operation it named, who signed it, how it was answered.</summary>
public sealed record RecordedCall(string Service, string Operation, string? AccessKeyId, int Status, string? ErrorType, string Body, bool Mutating);

/// <summary>How a seeded service is set up; every default is what a small Fargate service would have.</summary>
public sealed record SeedOptions
{
    /// <summary>The task definition family; the service name when null.</summary>
    public string? Family { get; init; }

    public string ContainerName { get; init; } = "app";

    public string LogGroup { get; init; } = string.Empty;

    public string StreamPrefix { get; init; } = "ecs";

    public bool CircuitBreaker { get; init; }

    public bool Rollback { get; init; }

    /// <summary>A RegisterTaskDefinition body to register instead of the default one (family and the image are set from the seed).</summary>
    public JsonObject? TaskDefinition { get; init; }
}
