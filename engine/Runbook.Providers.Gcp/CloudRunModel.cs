using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Runbook.Providers.Gcp;

// The members of the Cloud Run Admin API v2 and Cloud Logging v2 schemas this provider reads and sends, written by
// hand from the discovery documents (run.v2.discovery.json, logging.v2.discovery.json); a test walks each type
// against its schema there. int64 fields (generation) are JSON strings, as Google's JSON mapping writes them.
// services.patch does not go through these types: it sends the service as Cloud Run returned it, with only the
// changed fields touched (see CloudRunServiceBackend.PatchAsync), so that no field this provider does not know is lost.

/// <summary>GoogleCloudRunV2Service: the parts describe, history and wait read.</summary>
internal sealed record RunService(
    string? Name,
    string? Etag,
    string? Generation,
    string? ObservedGeneration,
    bool? Reconciling,
    string? LatestReadyRevision,
    string? LatestCreatedRevision,
    RunRevisionTemplate? Template,
    IReadOnlyList<RunTrafficTarget>? Traffic,
    IReadOnlyList<RunTrafficTargetStatus>? TrafficStatuses,
    IReadOnlyList<RunCondition>? Conditions,
    RunCondition? TerminalCondition,
    string? Uri);

/// <summary>GoogleCloudRunV2RevisionTemplate.</summary>
internal sealed record RunRevisionTemplate(string? Revision, RunRevisionScaling? Scaling, IReadOnlyList<RunContainer>? Containers);

/// <summary>GoogleCloudRunV2RevisionScaling.</summary>
internal sealed record RunRevisionScaling(int? MinInstanceCount, int? MaxInstanceCount);

/// <summary>GoogleCloudRunV2Container.</summary>
internal sealed record RunContainer(string? Name, string? Image);

/// <summary>GoogleCloudRunV2TrafficTarget: where traffic should go.</summary>
internal sealed record RunTrafficTarget(string? Type, string? Revision, int? Percent, string? Tag);

/// <summary>GoogleCloudRunV2TrafficTargetStatus: where traffic goes now.</summary>
internal sealed record RunTrafficTargetStatus(string? Type, string? Revision, int? Percent, string? Tag);

/// <summary>GoogleCloudRunV2Condition.</summary>
internal sealed record RunCondition(string? Type, string? State, string? Message, string? Reason, string? RevisionReason, string? Severity, string? LastTransitionTime);

/// <summary>GoogleCloudRunV2Revision.</summary>
internal sealed record RunRevision(
    string? Name,
    string? Service,
    string? CreateTime,
    string? Generation,
    bool? Reconciling,
    IReadOnlyList<RunCondition>? Conditions,
    RunRevisionScaling? Scaling,
    IReadOnlyList<RunContainer>? Containers);

/// <summary>GoogleCloudRunV2ListRevisionsResponse.</summary>
internal sealed record RunRevisionList(IReadOnlyList<RunRevision>? Revisions, string? NextPageToken);

/// <summary>GoogleLongrunningOperation (metadata and response are the Service; only done and error are read).</summary>
internal sealed record RunOperation(string? Name, bool? Done, GoogleRpcStatus? Error);

/// <summary>GoogleRpcStatus: a gRPC code (a number), Google's message and its details (ErrorInfo, BadRequest …).</summary>
internal sealed record GoogleRpcStatus(int? Code, string? Message, IReadOnlyList<JsonObject>? Details);

/// <summary>The error body of Google's JSON APIs: <c>{"error": {"code": 404, "message": "…", "status": "NOT_FOUND", "details": […]}}</c>.</summary>
internal sealed record GoogleErrorBody(GoogleError? Error);

internal sealed record GoogleError(int? Code, string? Message, string? Status, IReadOnlyList<JsonObject>? Details);

/// <summary>Logging v2 ListLogEntriesRequest.</summary>
internal sealed record ListLogEntriesRequest(IReadOnlyList<string> ResourceNames, string Filter, string OrderBy, int PageSize, string? PageToken);

/// <summary>Logging v2 ListLogEntriesResponse.</summary>
internal sealed record ListLogEntriesResponse(IReadOnlyList<LogEntry>? Entries, string? NextPageToken);

/// <summary>Logging v2 LogEntry: the payload kinds a Cloud Run revision writes (stdout text, structured JSON, request logs).</summary>
internal sealed record LogEntry(
    string? Timestamp,
    string? Severity,
    string? TextPayload,
    JsonObject? JsonPayload,
    LogHttpRequest? HttpRequest,
    MonitoredResource? Resource);

/// <summary>Logging v2 MonitoredResource.</summary>
internal sealed record MonitoredResource(string? Type, IReadOnlyDictionary<string, string>? Labels);

/// <summary>Logging v2 HttpRequest (a Cloud Run request log).</summary>
internal sealed record LogHttpRequest(string? RequestMethod, string? RequestUrl, int? Status, string? Latency);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RunService))]
[JsonSerializable(typeof(RunRevision))]
[JsonSerializable(typeof(RunRevisionList))]
[JsonSerializable(typeof(RunOperation))]
[JsonSerializable(typeof(GoogleErrorBody))]
[JsonSerializable(typeof(ListLogEntriesRequest))]
[JsonSerializable(typeof(ListLogEntriesResponse))]
[JsonSerializable(typeof(JsonObject))]
[JsonSerializable(typeof(JsonElement))]
internal sealed partial class GcpJson : JsonSerializerContext;
