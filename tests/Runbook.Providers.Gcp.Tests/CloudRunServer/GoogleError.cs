using System.Text.Json.Nodes;

namespace Runbook.Providers.Gcp.Tests.CloudRunServer;

/// <summary>
/// An error as Google's JSON APIs send it: <c>{"error": {"code", "message", "status", "details": [...]}}</c>, the HTTP
/// status being <c>code</c> and <c>status</c> the google.rpc.Code name.
/// </summary>
public sealed record GoogleError(int Code, string Status, string Message, JsonArray? Details = null)
{
    /// <summary>google.rpc.Code numbers, for a GoogleRpcStatus inside an Operation (which carries the number, not the HTTP status).</summary>
    public static int RpcCode(string status) => status switch
    {
        "CANCELLED" => 1,
        "UNKNOWN" => 2,
        "INVALID_ARGUMENT" => 3,
        "DEADLINE_EXCEEDED" => 4,
        "NOT_FOUND" => 5,
        "ALREADY_EXISTS" => 6,
        "PERMISSION_DENIED" => 7,
        "RESOURCE_EXHAUSTED" => 8,
        "FAILED_PRECONDITION" => 9,
        "ABORTED" => 10,
        "OUT_OF_RANGE" => 11,
        "UNIMPLEMENTED" => 12,
        "INTERNAL" => 13,
        "UNAVAILABLE" => 14,
        "DATA_LOSS" => 15,
        "UNAUTHENTICATED" => 16,
        _ => 2,
    };

    public static GoogleError InvalidArgument(string message) => new(400, "INVALID_ARGUMENT", message);

    public static GoogleError NotFound(string message) => new(404, "NOT_FOUND", message);

    public static GoogleError Aborted(string message) => new(409, "ABORTED", message);

    /// <summary>A google.rpc.ErrorInfo detail, as Google attaches to auth and quota errors.</summary>
    public static JsonObject ErrorInfo(string reason, string domain, JsonObject metadata) => new()
    {
        ["@type"] = "type.googleapis.com/google.rpc.ErrorInfo",
        ["reason"] = reason,
        ["domain"] = domain,
        ["metadata"] = metadata,
    };

    public JsonObject ToBody()
    {
        var error = new JsonObject { ["code"] = Code, ["message"] = Message, ["status"] = Status };
        if (Details is { Count: > 0 })
        {
            error["details"] = Details.DeepClone();
        }

        return new JsonObject { ["error"] = error };
    }

    /// <summary>The same error as a GoogleRpcStatus (the shape inside a failed Operation).</summary>
    public JsonObject ToRpcStatus()
    {
        var status = new JsonObject { ["code"] = RpcCode(Status), ["message"] = Message };
        if (Details is { Count: > 0 })
        {
            status["details"] = Details.DeepClone();
        }

        return status;
    }
}

/// <summary>Thrown inside the backend to answer with a Google error.</summary>
public sealed class GoogleErrorException(GoogleError error) : Exception(error.Message)
{
    public GoogleError Error { get; } = error;
}
