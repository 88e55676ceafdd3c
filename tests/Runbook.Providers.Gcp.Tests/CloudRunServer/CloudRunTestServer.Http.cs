using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Runbook.Providers.Gcp.Tests.CloudRunServer;

/// <summary>
/// The wire: Google's JSON/REST mapping of the v2 APIs, in the order Google's front end applies it — the URL to a
/// method (unknown URL → 404), the bearer token (401 UNAUTHENTICATED), query parameters the method does not have
/// (400), the project and the IAM permission (403 PERMISSION_DENIED), injected quota and availability faults
/// (429, 503), the body against the request schema (unknown fields refused), then the method. Every answer is
/// checked against the response schema of the discovery document before it leaves.
/// </summary>
public sealed partial class CloudRunTestServer
{
    private static readonly string[] CommonQuery = ["$alt", "alt", "prettyPrint", "$prettyPrint", "key", "quotaUser", "$callback", "callback", "access_token", "upload_protocol", "uploadType"];

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var target = request.Path.Value + request.QueryString.Value;
        var route = Route(request.Method, request.Path.Value ?? "/");
        var mutating = route.Mutating;
        if (mutating)
        {
            Interlocked.Increment(ref _mutating);
        }

        string? principalName = null;

        async Task AnswerAsync(int status, JsonObject body)
        {
            _requests.Enqueue(new RecordedRequest(request.Method, target, status, principalName, mutating));
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json; charset=UTF-8";
            await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
        }

        Task FailAsync(GoogleError error)
        {
            if (error.Code == 401)
            {
                context.Response.Headers.WWWAuthenticate = "Bearer realm=\"https://accounts.google.com/\", error=\"invalid_token\"";
            }

            return AnswerAsync(error.Code, error.ToBody());
        }

        if (route.Method is null)
        {
            await FailAsync(GoogleError.NotFound($"The requested URL {request.Path} was not found on this server (the Cloud Run test server serves the Cloud Run Admin API v2 and Logging v2 entries:list)."));
            return;
        }

        var authorization = request.Headers.Authorization.ToString();
        if (authorization.Length == 0)
        {
            await FailAsync(new GoogleError(401, "UNAUTHENTICATED",
                "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
                [GoogleError.ErrorInfo("CREDENTIALS_MISSING", "googleapis.com", new JsonObject { ["service"] = route.Api, ["method"] = route.RpcMethod })]));
            return;
        }

        if (!authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || !_tokens.TryGetValue(authorization["Bearer ".Length..].Trim(), out var principal))
        {
            await FailAsync(new GoogleError(401, "UNAUTHENTICATED",
                "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
                [GoogleError.ErrorInfo("ACCESS_TOKEN_TYPE_UNSUPPORTED", "googleapis.com", new JsonObject { ["service"] = route.Api, ["method"] = route.RpcMethod })]));
            return;
        }

        principalName = principal.Name;
        foreach (var (name, _) in request.Query)
        {
            if (!CommonQuery.Contains(name) && !route.Query.Contains(name))
            {
                await FailAsync(GoogleError.InvalidArgument(
                    $"Invalid JSON payload received. Unknown name \"{name}\": Cannot bind query parameter. Field '{name}' could not be found in request message."));
                return;
            }
        }

        if (request.Query.ContainsKey("fields"))
        {
            await FailAsync(GoogleError.InvalidArgument("The Cloud Run test server does not serve partial responses (fields=)."));
            return;
        }

        if (route.Project is not null && route.Project != Project)
        {
            await FailAsync(new GoogleError(403, "PERMISSION_DENIED", $"Permission denied on resource project {route.Project}.",
                [GoogleError.ErrorInfo("CONSUMER_INVALID", "googleapis.com", new JsonObject { ["service"] = route.Api, ["consumer"] = $"projects/{route.Project}" })]));
            return;
        }

        if (principal.Denied.Contains(route.Permission!))
        {
            await FailAsync(new GoogleError(403, "PERMISSION_DENIED",
                $"Permission '{route.Permission}' denied on resource '{route.Resource}' (or it may not exist).",
                [GoogleError.ErrorInfo("IAM_PERMISSION_DENIED", route.Api!, new JsonObject { ["permission"] = route.Permission })]));
            return;
        }

        if (_throttle.Take(request.Method))
        {
            await FailAsync(new GoogleError(429, "RESOURCE_EXHAUSTED",
                $"Quota exceeded for quota metric 'Requests' and limit 'Requests per minute' of service '{route.Api}' for consumer 'project_number:123456789012'.",
                [GoogleError.ErrorInfo("RATE_LIMIT_EXCEEDED", "googleapis.com", new JsonObject { ["service"] = route.Api, ["consumer"] = "projects/123456789012", ["quota_limit"] = "RequestsPerMinutePerProject" })]));
            return;
        }

        if (_unavailable.Take(request.Method))
        {
            await FailAsync(new GoogleError(503, "UNAVAILABLE", "The service is currently unavailable."));
            return;
        }

        JsonObject? body = null;
        if (route.RequestSchema is not null)
        {
            try
            {
                body = await JsonNode.ParseAsync(request.Body, cancellationToken: context.RequestAborted) as JsonObject
                    ?? throw new JsonException("the body is not a JSON object");
            }
            catch (JsonException ex)
            {
                await FailAsync(GoogleError.InvalidArgument($"Invalid JSON payload received. {ex.Message}"));
                return;
            }

            var document = route.Api == "logging.googleapis.com" ? _logging : _run;
            var unknownEnums = document.ConvertEnums(route.RequestSchema, body, toNumbers: false);
            if (unknownEnums.Count > 0)
            {
                await FailAsync(GoogleError.InvalidArgument($"Invalid JSON payload received. {string.Join("; ", unknownEnums)}"));
                return;
            }

            var problems = document.Check(route.RequestSchema, body, request: true);
            if (problems.Count > 0)
            {
                await FailAsync(GoogleError.InvalidArgument($"Invalid JSON payload received. {string.Join("; ", problems)}"));
                return;
            }
        }

        JsonObject result;
        try
        {
            result = await InvokeAsync(route, request.Query, body, principal.Name, context.RequestAborted);
        }
        catch (GoogleErrorException ex)
        {
            await FailAsync(ex.Error);
            return;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A bug here: the client gets a 500 naming it, and the fixture fails the test class.
            _outputProblems.Enqueue($"{route.RpcMethod}: the server threw {ex}");
            await FailAsync(new GoogleError(500, "INTERNAL", $"The Cloud Run test server failed on {route.RpcMethod}: {ex.Message}"));
            return;
        }

        var outputDocument = route.Api == "logging.googleapis.com" ? _logging : _run;
        var outputProblems = outputDocument.Check(route.ResponseSchema!, result);
        foreach (var problem in outputProblems)
        {
            _outputProblems.Enqueue($"{route.RpcMethod}: {problem}");
        }

        if (outputProblems.Count > 0)
        {
            await FailAsync(new GoogleError(500, "INTERNAL", $"The Cloud Run test server's answer to {route.RpcMethod} is off the discovery document: {string.Join("; ", outputProblems)}"));
            return;
        }

        // As Google's front end: '$alt=json;enum-encoding=int' (the JS client's REST mode always sends it) asks for enum numbers.
        if (request.Query["$alt"].ToString().Contains("enum-encoding=int", StringComparison.Ordinal))
        {
            var unnumbered = outputDocument.ConvertEnums(route.ResponseSchema!, result, toNumbers: true);
            foreach (var problem in unnumbered)
            {
                _outputProblems.Enqueue($"{route.RpcMethod}: {problem}");
            }

            if (unnumbered.Count > 0)
            {
                await FailAsync(new GoogleError(500, "INTERNAL", $"The Cloud Run test server cannot number its answer's enums: {string.Join("; ", unnumbered)}"));
                return;
            }
        }

        await AnswerAsync(200, result);
    }

    private async Task<JsonObject> InvokeAsync(RouteMatch route, IQueryCollection query, JsonObject? body, string principal, CancellationToken cancel)
    {
        int PageSize()
        {
            var text = query["pageSize"].ToString();
            return text.Length == 0 ? 0 : int.TryParse(text, CultureInfo.InvariantCulture, out var size)
                ? size : throw new GoogleErrorException(GoogleError.InvalidArgument($"Invalid value at 'page_size' (TYPE_INT32), \"{text}\""));
        }

        bool Flag(string name)
        {
            var text = query[name].ToString();
            return text.Length != 0 && (bool.TryParse(text, out var flag)
                ? flag : throw new GoogleErrorException(GoogleError.InvalidArgument($"Invalid value at '{name}' (TYPE_BOOL), \"{text}\"")));
        }

        switch (route.Method)
        {
            case "services.get":
                return _backend.GetService(route.Service!);
            case "services.list":
                return _backend.ListServices(PageSize(), query["pageToken"]);
            case "services.patch":
                return _backend.PatchService(route.Service!, body!, query["updateMask"].ToString(), Flag("allowMissing"), Flag("validateOnly"), Flag("forceNewRevision"), principal);
            case "revisions.get":
                return _backend.GetRevision(route.Service!, route.Revision!);
            case "revisions.list":
                return _backend.ListRevisions(route.Service!, PageSize(), query["pageToken"]);
            case "operations.get":
                return _backend.GetOperation(route.Operation!);
            case "operations.list":
                if (query["filter"].ToString().Length > 0)
                {
                    throw new GoogleErrorException(GoogleError.InvalidArgument("The Cloud Run test server does not filter operations (filter=)."));
                }

                return _backend.ListOperations(PageSize(), query["pageToken"]);
            case "operations.wait":
                var timeout = body!["timeout"]?.GetValue<string>() is { } text ? Duration(text) : TimeSpan.FromMinutes(2);
                var deadline = _time.GetUtcNow() + timeout;
                while (!_backend.OperationDone(route.Operation!) && _time.GetUtcNow() < deadline)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(20), _time, cancel);
                }

                return _backend.GetOperation(route.Operation!);
            case "entries.list":
                return ListEntries(body!);
            default:
                throw new GoogleErrorException(new GoogleError(501, "UNIMPLEMENTED", $"{route.RpcMethod} is a real method the Cloud Run test server does not implement."));
        }
    }

    private JsonObject ListEntries(JsonObject body)
    {
        var resources = body["resourceNames"] is JsonArray names ? names.Select(n => n!.GetValue<string>()).ToList() : [];
        if (body["projectIds"] is JsonArray ids)
        {
            resources.AddRange(ids.Select(i => $"projects/{i!.GetValue<string>()}"));
        }

        if (resources.Count == 0)
        {
            throw new GoogleErrorException(GoogleError.InvalidArgument("resource_names: at least one resource name is required"));
        }

        foreach (var resource in resources)
        {
            if (resource != $"projects/{Project}")
            {
                throw new GoogleErrorException(new GoogleError(403, "PERMISSION_DENIED",
                    $"The caller does not have permission (resource '{resource}': the test server holds only projects/{Project})"));
            }
        }

        var filterText = body["filter"]?.GetValue<string>();
        var filter = LogFilter.Parse(filterText, Project, Region);
        var order = (body["orderBy"]?.GetValue<string>() ?? "timestamp asc").Trim();
        var descending = order switch
        {
            "timestamp asc" or "timestamp" => false,
            "timestamp desc" => true,
            _ => throw new GoogleErrorException(GoogleError.InvalidArgument($"orderBy '{order}' is not one of \"timestamp asc\", \"timestamp desc\"")),
        };
        var pageSize = body["pageSize"] is { } size ? size.GetValueKind() == JsonValueKind.String
            ? int.Parse(size.GetValue<string>(), CultureInfo.InvariantCulture) : size.GetValue<int>() : 0;
        var key = $"{string.Join(",", resources)}|{filterText}|{order}";
        return _backend.ListEntries(filter, descending, pageSize, body["pageToken"]?.GetValue<string>(), key);
    }

    private static TimeSpan Duration(string text)
    {
        if (text.EndsWith('s') && double.TryParse(text[..^1], CultureInfo.InvariantCulture, out var seconds) && seconds >= 0)
        {
            return TimeSpan.FromSeconds(Math.Min(seconds, 600));
        }

        throw new GoogleErrorException(GoogleError.InvalidArgument($"Invalid value at 'timeout' (type.googleapis.com/google.protobuf.Duration), \"{text}\""));
    }

    /// <summary>A URL matched to a method: its IAM permission, the resource named in a denial, query parameters and schemas.</summary>
    private sealed record RouteMatch(
        string? Method,
        string? RpcMethod = null,
        string? Api = null,
        string? Permission = null,
        string? Resource = null,
        string? Project = null,
        string? Service = null,
        string? Revision = null,
        string? Operation = null,
        string[]? QueryNames = null,
        string? RequestSchema = null,
        string? ResponseSchema = null,
        bool Mutating = false)
    {
        public string[] Query => QueryNames ?? [];
    }

    private static RouteMatch Route(string method, string path)
    {
        const string Run = "run.googleapis.com";
        var mutatingMethod = method is "PATCH" or "POST" or "DELETE" or "PUT";
        if (path == "/v2/entries:list")
        {
            return method == "POST"
                ? new RouteMatch("entries.list", "google.logging.v2.LoggingServiceV2.ListLogEntries", "logging.googleapis.com", "logging.logEntries.list",
                    RequestSchema: "ListLogEntriesRequest", ResponseSchema: "ListLogEntriesResponse")
                : new RouteMatch(null);
        }

        var parts = path.Split('/');
        // "", "v2", "projects", P, "locations", L, kind, ...
        if (parts.Length < 7 || parts[1] != "v2" || parts[2] != "projects" || parts[4] != "locations")
        {
            return new RouteMatch(null, Mutating: mutatingMethod && parts.Length > 2 && parts[1] == "v2");
        }

        var project = parts[3];
        var parent = $"projects/{project}/locations/{parts[5]}";
        var rest = parts[6..];
        var resource = $"{parent}/{string.Join('/', rest)}";
        RouteMatch Run2(string name, string rpc, string permission, string[] query, string? request, string response, bool mutating = false, string? service = null, string? revision = null, string? operation = null) =>
            new(name, rpc, Run, permission, resource, project, service, revision, operation, query, request, response, mutating);

        switch (rest)
        {
            case ["services"] when method == "GET":
                return Run2("services.list", "google.cloud.run.v2.Services.ListServices", "run.services.list", ["pageSize", "pageToken", "showDeleted"], null, "GoogleCloudRunV2ListServicesResponse");
            case ["services", var s] when method == "GET" && !s.Contains(':'):
                return Run2("services.get", "google.cloud.run.v2.Services.GetService", "run.services.get", [], null, "GoogleCloudRunV2Service", service: s);
            case ["services", var s] when method == "PATCH":
                return Run2("services.patch", "google.cloud.run.v2.Services.UpdateService", "run.services.update",
                    ["updateMask", "allowMissing", "validateOnly", "forceNewRevision"], "GoogleCloudRunV2Service", "GoogleLongrunningOperation", true, service: s);
            case ["services", var s, "revisions"] when method == "GET":
                return Run2("revisions.list", "google.cloud.run.v2.Revisions.ListRevisions", "run.revisions.list", ["pageSize", "pageToken", "showDeleted"], null, "GoogleCloudRunV2ListRevisionsResponse", service: s);
            case ["services", var s, "revisions", var r] when method == "GET":
                return Run2("revisions.get", "google.cloud.run.v2.Revisions.GetRevision", "run.revisions.get", [], null, "GoogleCloudRunV2Revision", service: s, revision: r);
            case ["operations"] when method == "GET":
                return Run2("operations.list", "google.longrunning.Operations.ListOperations", "run.operations.list", ["filter", "pageSize", "pageToken", "returnPartialSuccess"], null, "GoogleLongrunningListOperationsResponse");
            case ["operations", var o] when method == "GET" && !o.Contains(':'):
                return Run2("operations.get", "google.longrunning.Operations.GetOperation", "run.operations.get", [], null, "GoogleLongrunningOperation", operation: o);
            case ["operations", var o] when method == "POST" && o.EndsWith(":wait", StringComparison.Ordinal):
                return Run2("operations.wait", "google.longrunning.Operations.WaitOperation", "run.operations.get", [], "GoogleLongrunningWaitOperationRequest", "GoogleLongrunningOperation", operation: o[..^":wait".Length]);
            default:
                // A real method this server does not implement (create, delete, IAM …) still counts when it would mutate.
                return new RouteMatch(mutatingMethod ? "unimplemented" : null, $"{method} {path}", Run, "run.services.update", resource, project,
                    QueryNames: ["etag", "validateOnly", "serviceId", "allowMissing", "updateMask"], ResponseSchema: "GoogleLongrunningOperation", Mutating: mutatingMethod);
        }
    }
}
