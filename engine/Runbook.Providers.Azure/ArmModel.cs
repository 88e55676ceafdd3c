using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Runbook.Providers.Azure;

// The shapes of Microsoft.App 2026-01-01 (ContainerApps.json, ContainerAppsRevisions.json) that the verbs read, and
// ARM's error and operation-status shapes. Only what is read is declared; the template stays a JsonObject so a PATCH
// sends back exactly what ARM gave (containers, probes, volumes …), with one thing changed.

internal sealed record ContainerApp(string? Id, string? Name, ContainerAppProperties? Properties);

internal sealed record ContainerAppProperties(
    string? ProvisioningState,
    string? RunningStatus,
    string? LatestRevisionName,
    string? LatestReadyRevisionName,
    ContainerAppConfiguration? Configuration,
    JsonObject? Template);

internal sealed record ContainerAppConfiguration(string? ActiveRevisionsMode, ContainerAppIngress? Ingress);

internal sealed record ContainerAppIngress(IReadOnlyList<TrafficWeight>? Traffic);

internal sealed record TrafficWeight(string? RevisionName, int? Weight, bool? LatestRevision, string? Label);

internal sealed record ContainerAppRevision(string? Name, RevisionProperties? Properties);

internal sealed record RevisionProperties(
    DateTimeOffset? CreatedTime,
    DateTimeOffset? LastActiveTime,
    JsonObject? Template,
    bool? Active,
    int? Replicas,
    int? TrafficWeight,
    string? ProvisioningError,
    string? HealthState,
    string? ProvisioningState,
    string? RunningState);

internal sealed record RevisionCollection(IReadOnlyList<ContainerAppRevision>? Value, string? NextLink);

internal sealed record ReplicaCollection(IReadOnlyList<Replica>? Value);

internal sealed record Replica(string? Name, ReplicaProperties? Properties);

internal sealed record ReplicaProperties(DateTimeOffset? CreatedTime, string? RunningState, IReadOnlyList<ReplicaContainer>? Containers);

internal sealed record ReplicaContainer(string? Name, bool? Ready, int? RestartCount, string? RunningState, string? LogStreamEndpoint);

internal sealed record ContainerAppAuthToken(ContainerAppAuthTokenProperties? Properties);

internal sealed record ContainerAppAuthTokenProperties(string? Token, DateTimeOffset? Expires);

/// <summary>ARM's error envelope: <c>{"error":{"code","message","details"}}</c> (common-types ErrorResponse).</summary>
internal sealed record ArmErrorResponse(ArmError? Error);

internal sealed record ArmError(string? Code, string? Message, string? Target, IReadOnlyList<ArmError>? Details);

/// <summary>What an <c>Azure-AsyncOperation</c> URL answers: the operation's status, and its error when it failed.</summary>
internal sealed record ArmOperationStatus(string? Id, string? Name, string? Status, ArmError? Error);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    PropertyNameCaseInsensitive = true)]
[JsonSerializable(typeof(ContainerApp))]
[JsonSerializable(typeof(ContainerAppRevision))]
[JsonSerializable(typeof(RevisionCollection))]
[JsonSerializable(typeof(ReplicaCollection))]
[JsonSerializable(typeof(ContainerAppAuthToken))]
[JsonSerializable(typeof(ArmErrorResponse))]
[JsonSerializable(typeof(ArmOperationStatus))]
[JsonSerializable(typeof(JsonObject))]
internal sealed partial class ArmJson : JsonSerializerContext;
