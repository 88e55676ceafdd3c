using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Runbook.Providers.Aws.Tests.EcsServer;

/// <summary>
/// The wire: the awsJson1_1 protocol in the order the real endpoints apply it — route by X-Amz-Target and content
/// type, verify the signature for the target's signing name, then IAM, injected faults, the body against the
/// input shape, and the operation. Errors are <c>{"__type", "message"}</c> with x-amzn-ErrorType and the status.
/// </summary>
public sealed partial class EcsTestServer
{
    public const string JsonContentType = "application/x-amz-json-1.1";

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var requestId = Guid.NewGuid().ToString();
        context.Response.Headers["x-amzn-RequestId"] = requestId;
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, context.RequestAborted);
        var body = buffer.ToArray();
        var bodyText = Encoding.UTF8.GetString(body);

        var target = request.Headers["X-Amz-Target"].ToString();
        var dot = target.IndexOf('.', StringComparison.Ordinal);
        var (prefix, operation) = dot < 0 ? (target, string.Empty) : (target[..dot], target[(dot + 1)..]);
        var model = prefix == _ecsModel.TargetPrefix ? _ecsModel : prefix == _logsModel.TargetPrefix ? _logsModel : null;
        var serviceName = model?.SigningName ?? "unknown";
        var mutating = _backend.IsMutating(operation);
        string? accessKeyId = null;

        async Task AnswerAsync(int status, AwsError? error, JsonObject? result)
        {
            _calls.Enqueue(new RecordedCall(serviceName, operation, accessKeyId, status, error?.Type, bodyText, mutating));
            await (error is null ? WriteAsync(context, status, result!) : ErrorAsync(context, error, serviceName));
        }

        if (request.Method != HttpMethods.Post || request.Path != "/")
        {
            await AnswerAsync(404, new AwsError("UnknownOperationException", 404, $"{request.Method} {request.Path} is not served: the JSON protocol is POST / with X-Amz-Target."), null);
            return;
        }

        if (model is null || !model.HasOperation(operation)
            || !(model == _ecsModel ? EcsBackend.EcsOperations : EcsBackend.LogsOperations).Contains(operation))
        {
            var known = model is not null && model.HasOperation(operation);
            await AnswerAsync(400, new AwsError("UnknownOperationException", 400, target.Length == 0
                ? "Missing X-Amz-Target header: the JSON protocol names the operation there (AmazonEC2ContainerServiceV20141113.<Operation> or Logs_20140328.<Operation>)."
                : known ? $"{operation} is a real operation the test server does not implement." : $"Unknown operation {target}."), null);
            return;
        }

        var contentType = request.ContentType?.Split(';')[0].Trim();
        if (!string.Equals(contentType, JsonContentType, StringComparison.OrdinalIgnoreCase))
        {
            await AnswerAsync(400, new AwsError("UnknownOperationException", 400,
                $"Content-Type '{request.ContentType}' is not served: the JSON 1.1 protocol requires {JsonContentType}."), null);
            return;
        }

        var headers = request.Headers.SelectMany(h => h.Value.Select(v => new KeyValuePair<string, string>(h.Key, v ?? string.Empty))).ToList();
        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? "/";
        var (principal, authError) = SigV4Verifier.Verify(new SignedRequest(request.Method, rawTarget, headers, body),
            key => _credentials.GetValueOrDefault(key), Region, serviceName, _time.GetUtcNow());
        if (principal is null)
        {
            await AnswerAsync(authError!.Status, authError, null);
            return;
        }

        accessKeyId = principal.AccessKeyId;
        if (_denied.ContainsKey((principal.AccessKeyId, operation)))
        {
            var resource = ResourceOf(model, bodyText);
            await AnswerAsync(400, new AwsError("AccessDeniedException", 400,
                $"User: {_backend.UserArn(principal.UserName)} is not authorized to perform: {serviceName}:{operation} on resource: {resource} because no identity-based policy allows the {serviceName}:{operation} action"), null);
            return;
        }

        if (_serverErrors.Take(operation))
        {
            await AnswerAsync(model == _ecsModel ? 500 : 503, model == _ecsModel
                ? new AwsError("ServerException", 500, "Service Unavailable. Please try again later.")
                : new AwsError("ServiceUnavailableException", 503, "The service cannot complete the request."), null);
            return;
        }

        if (_throttling.Take(operation))
        {
            await AnswerAsync(400, new AwsError("ThrottlingException", 400, "Rate exceeded"), null);
            return;
        }

        JsonObject input;
        try
        {
            var parsed = body.Length == 0 ? new JsonObject() : JsonNode.Parse(body);
            input = parsed as JsonObject ?? throw new JsonException("the body is not a JSON object");
        }
        catch (JsonException ex)
        {
            await AnswerAsync(400, new AwsError("SerializationException", 400, $"The request body could not be read as JSON: {ex.Message}"), null);
            return;
        }

        if (model.CheckInput(operation, input) is { } invalid)
        {
            await AnswerAsync(400, new AwsError(invalid.Type, 400, invalid.Message), null);
            return;
        }

        JsonObject result;
        try
        {
            result = model == _ecsModel ? _backend.Ecs(operation, input) : _backend.Logs(operation, input);
        }
        catch (AwsErrorException ex)
        {
            if (!model.Errors(operation).Contains(ex.Error.Type))
            {
                var problem = $"{operation}: answered {ex.Error.Type}, which the definition does not list for it";
                _outputProblems.Enqueue(problem);
                await AnswerAsync(500, new AwsError("InternalFailure", 500, $"The ECS test server is off its definition: {problem} ({ex.Error.Message})"), null);
                return;
            }

            await AnswerAsync(ex.Error.Status, ex.Error, null);
            return;
        }

        // An answer off the output shape is a bug here: the client gets a 500 naming it, so the test that caused it fails.
        var problems = model.CheckOutput(operation, result);
        foreach (var problem in problems)
        {
            _outputProblems.Enqueue($"{operation}: {problem}");
        }

        if (problems.Count > 0)
        {
            await AnswerAsync(500, new AwsError("InternalFailure", 500, $"The ECS test server's answer to {operation} is off the output shape: {string.Join("; ", problems)}"), null);
            return;
        }

        await AnswerAsync(200, null, result);
    }

    /// <summary>What the denial names as the resource: the service's ARN when the request names one, else "*".</summary>
    private string ResourceOf(ServiceModel model, string body)
    {
        try
        {
            var json = JsonNode.Parse(body) as JsonObject;
            var service = json?["service"]?.GetValue<string>() ?? json?["services"]?[0]?.GetValue<string>();
            if (model == _ecsModel && service is not null)
            {
                var cluster = json?["cluster"]?.GetValue<string>() ?? "default";
                cluster = cluster[(cluster.LastIndexOf('/') + 1)..];
                return service.StartsWith("arn:", StringComparison.Ordinal) ? service : $"arn:aws:ecs:{Region}:{AccountId}:service/{cluster}/{service}";
            }
        }
        catch (JsonException)
        {
        }

        return "*";
    }

    private static async Task WriteAsync(HttpContext context, int status, JsonObject body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = JsonContentType;
        await context.Response.WriteAsync(body.ToJsonString());
    }

    private async Task ErrorAsync(HttpContext context, AwsError error, string service)
    {
        context.Response.StatusCode = error.Status;
        context.Response.ContentType = JsonContentType;
        var space = service == "logs" ? "com.amazonaws.logs" : "com.amazonaws.ecs";
        context.Response.Headers["x-amzn-ErrorType"] = $"{error.Type}:http://internal.amazon.com/coral/{space}/";
        await context.Response.WriteAsync(new JsonObject
        {
            ["__type"] = QualifiedErrorTypes ? $"{space}#{error.Type}" : error.Type,
            ["message"] = error.Message,
        }.ToJsonString());
    }
}
