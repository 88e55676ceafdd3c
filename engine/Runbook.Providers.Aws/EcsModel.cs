using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Runbook.Providers.Aws;

// The members of the ECS (2014-11-13) and CloudWatch Logs (2014-03-28) shapes this provider sends and reads,
// written by hand from service-2.json; a test walks each type against its shape there. Timestamps are what
// awsJson1_1 sends: seconds since the epoch, as a number.

internal sealed record DescribeServicesRequest(string Cluster, IReadOnlyList<string> Services);

internal sealed record DescribeServicesResponse(IReadOnlyList<EcsService>? Services, IReadOnlyList<EcsFailure>? Failures);

internal sealed record EcsFailure(string? Arn, string? Reason, string? Detail);

internal sealed record EcsService(
    string? ServiceArn,
    string? ServiceName,
    string? ClusterArn,
    string? Status,
    int DesiredCount,
    int RunningCount,
    int PendingCount,
    string? TaskDefinition,
    IReadOnlyList<EcsDeployment>? Deployments,
    IReadOnlyList<EcsServiceEvent>? Events);

internal sealed record EcsDeployment(
    string? Id,
    string? Status,
    string? TaskDefinition,
    int DesiredCount,
    int PendingCount,
    int RunningCount,
    int FailedTasks,
    double? CreatedAt,
    double? UpdatedAt,
    string? RolloutState,
    string? RolloutStateReason);

internal sealed record EcsServiceEvent(string? Id, double? CreatedAt, string? Message);

internal sealed record DescribeTaskDefinitionRequest(string TaskDefinition, IReadOnlyList<string>? Include);

/// <summary>
/// The typed part of a task definition this provider reads. Deploy does not round-trip it through this type:
/// it copies the JSON as ECS returned it (<see cref="TaskDefinitionCopy"/>) so that no field is lost.
/// </summary>
internal sealed record EcsTaskDefinition(
    string? TaskDefinitionArn,
    string? Family,
    int Revision,
    string? Status,
    IReadOnlyList<EcsContainerDefinition>? ContainerDefinitions);

internal sealed record EcsContainerDefinition(string? Name, string? Image, bool? Essential, EcsLogConfiguration? LogConfiguration);

internal sealed record EcsLogConfiguration(string? LogDriver, IReadOnlyDictionary<string, string>? Options);

internal sealed record UpdateServiceRequest(
    string Cluster,
    string Service,
    int? DesiredCount = null,
    string? TaskDefinition = null,
    bool? ForceNewDeployment = null);

internal sealed record UpdateServiceResponse(EcsService? Service);

internal sealed record RegisterTaskDefinitionResponse(EcsTaskDefinition? TaskDefinition);

internal sealed record ListTaskDefinitionsRequest(string FamilyPrefix, string? Status, string? Sort, string? NextToken, int? MaxResults);

internal sealed record ListTaskDefinitionsResponse(IReadOnlyList<string>? TaskDefinitionArns, string? NextToken);

internal sealed record ListTasksRequest(string Cluster, string ServiceName, string? DesiredStatus, string? NextToken);

internal sealed record ListTasksResponse(IReadOnlyList<string>? TaskArns, string? NextToken);

internal sealed record DescribeTasksRequest(string Cluster, IReadOnlyList<string> Tasks);

internal sealed record DescribeTasksResponse(IReadOnlyList<EcsTask>? Tasks, IReadOnlyList<EcsFailure>? Failures);

internal sealed record EcsTask(
    string? TaskArn,
    string? TaskDefinitionArn,
    string? LastStatus,
    string? DesiredStatus,
    string? HealthStatus,
    string? StopCode,
    string? StoppedReason,
    double? StartedAt,
    double? StoppedAt,
    IReadOnlyList<EcsContainer>? Containers);

internal sealed record EcsContainer(string? Name, string? Image, string? LastStatus, int? ExitCode, string? Reason, string? HealthStatus);

internal sealed record FilterLogEventsRequest(
    string LogGroupName,
    string? LogStreamNamePrefix,
    long? StartTime,
    string? FilterPattern,
    string? NextToken,
    int? Limit);

internal sealed record FilterLogEventsResponse(IReadOnlyList<FilteredLogEvent>? Events, string? NextToken);

internal sealed record FilteredLogEvent(string? LogStreamName, long? Timestamp, string? Message, long? IngestionTime, string? EventId);

/// <summary>An error body of the JSON protocols: <c>__type</c> (sometimes "prefix#Name") and <c>message</c> (some services write <c>Message</c>).</summary>
internal sealed record AwsErrorBody(
    [property: JsonPropertyName("__type")] string? Type,
    [property: JsonPropertyName("message")] string? Message,
    [property: JsonPropertyName("Message")] string? UpperMessage);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(DescribeServicesRequest))]
[JsonSerializable(typeof(DescribeServicesResponse))]
[JsonSerializable(typeof(DescribeTaskDefinitionRequest))]
[JsonSerializable(typeof(EcsTaskDefinition))]
[JsonSerializable(typeof(UpdateServiceRequest))]
[JsonSerializable(typeof(UpdateServiceResponse))]
[JsonSerializable(typeof(RegisterTaskDefinitionResponse))]
[JsonSerializable(typeof(ListTaskDefinitionsRequest))]
[JsonSerializable(typeof(ListTaskDefinitionsResponse))]
[JsonSerializable(typeof(ListTasksRequest))]
[JsonSerializable(typeof(ListTasksResponse))]
[JsonSerializable(typeof(DescribeTasksRequest))]
[JsonSerializable(typeof(DescribeTasksResponse))]
[JsonSerializable(typeof(FilterLogEventsRequest))]
[JsonSerializable(typeof(FilterLogEventsResponse))]
[JsonSerializable(typeof(AwsErrorBody))]
[JsonSerializable(typeof(JsonObject))]
internal sealed partial class AwsJson : JsonSerializerContext;
