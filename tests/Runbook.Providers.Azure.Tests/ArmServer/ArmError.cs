using System.Net;
using System.Text.Json.Nodes;

namespace Runbook.Providers.Azure.Tests.ArmServer;

/// <summary>
/// An error as ARM answers it: an HTTP status and the common error body <c>{"error":{"code","message","details"}}</c>
/// (common-types v5 ErrorResponse). Thrown inside the server and turned into the response at one place.
/// </summary>
internal sealed class ArmError(HttpStatusCode status, string code, string message) : Exception(message)
{
    public HttpStatusCode Status { get; } = status;

    public string Code { get; } = code;

    /// <summary>Headers the error response carries besides the body (WWW-Authenticate, Retry-After).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    public JsonObject Body() => new() { ["error"] = Detail() };

    public JsonObject Detail() => new() { ["code"] = Code, ["message"] = Message, ["details"] = new JsonArray() };

    // ARM's own wording for the errors its front door and resource providers return, kept word for word where the
    // real service's text is known so that a client (or the provider) that shows ARM's message shows the real one.
    public static ArmError ResourceNotFound(string type, string name, string resourceGroup) => new(HttpStatusCode.NotFound, "ResourceNotFound",
        $"The Resource '{type}/{name}' under resource group '{resourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix");

    public static ArmError ResourceGroupNotFound(string resourceGroup) => new(HttpStatusCode.NotFound, "ResourceGroupNotFound",
        $"Resource group '{resourceGroup}' could not be found.");

    public static ArmError SubscriptionNotFound(string subscription) => new(HttpStatusCode.NotFound, "SubscriptionNotFound",
        $"The subscription '{subscription}' could not be found.");

    public static ArmError InvalidResourceType(string type, string apiVersion) => new(HttpStatusCode.NotFound, "InvalidResourceType",
        $"The resource type '{type}' could not be found in the namespace 'Microsoft.App' for api version '{apiVersion}'.");

    public static ArmError MissingApiVersion() => new(HttpStatusCode.BadRequest, "MissingApiVersionParameter",
        "The api-version query parameter (?api-version=) is required for all requests.");

    public static ArmError InvalidApiVersion(string apiVersion, IEnumerable<string> supported) => new(HttpStatusCode.BadRequest, "InvalidApiVersionParameter",
        $"The api-version '{apiVersion}' is invalid. The supported versions are '{string.Join(",", supported)}'.");

    public static ArmError NoRegisteredProvider(string location, string apiVersion, string type, IEnumerable<string> supported) => new(HttpStatusCode.BadRequest,
        "NoRegisteredProviderFound",
        $"No registered resource provider found for location '{location}' and API version '{apiVersion}' for type '{type}'. "
        + $"The supported api-versions are '{string.Join(", ", supported)}'. The supported locations are '{location}'.");

    public static ArmError MissingAuthorization(string tenant) => new(HttpStatusCode.Unauthorized, "AuthenticationFailed",
        "Authentication failed. The 'Authorization' header is missing.")
    {
        Headers = new Dictionary<string, string>
        {
            ["WWW-Authenticate"] = $"Bearer authorization_uri=\"https://login.microsoftonline.com/{tenant}\", error=\"invalid_token\", "
                + "error_description=\"The authentication failed because of missing 'Authorization' header.\"",
        },
    };

    public static ArmError InvalidAuthenticationToken(string tenant) => new(HttpStatusCode.Unauthorized, "InvalidAuthenticationToken",
        "The access token is invalid.")
    {
        Headers = new Dictionary<string, string>
        {
            ["WWW-Authenticate"] = $"Bearer authorization_uri=\"https://login.microsoftonline.com/{tenant}\", error=\"invalid_token\", "
                + "error_description=\"The access token is invalid.\"",
        },
    };

    public static ArmError AuthorizationFailed(string principal, string objectId, string action, string scope) => new(HttpStatusCode.Forbidden,
        "AuthorizationFailed",
        $"The client '{principal}' with object id '{objectId}' does not have authorization to perform action '{action}' over scope '{scope}' "
        + "or the scope is invalid. If access was recently granted, please refresh your credentials.");

    public static ArmError TooManyRequests(TimeSpan retryAfter) => new((HttpStatusCode)429, "TooManyRequests",
        "The request is being throttled as the limit has been reached for operation type - Requests. For more information, see - https://aka.ms/armthrottling")
    {
        Headers = new Dictionary<string, string>
        {
            ["Retry-After"] = Seconds(retryAfter),
            ["retry-after-ms"] = ((long)Math.Ceiling(retryAfter.TotalMilliseconds)).ToString(System.Globalization.CultureInfo.InvariantCulture),
        },
    };

    public static ArmError OperationInProgress(string app) => new(HttpStatusCode.Conflict, "ContainerAppOperationInProgress",
        $"Cannot modify a container app '{app}' because there is an operation in progress. Please retry after the operation completes.");

    public static ArmError InvalidRequestContent(string why) => new(HttpStatusCode.BadRequest, "InvalidRequestContent",
        $"The request content was invalid and could not be deserialized: '{why}'.");

    public static ArmError InvalidProperty(string code, string message) => new(HttpStatusCode.BadRequest, code, message);

    /// <summary>Whole seconds for a Retry-After header, at least 1 (the header has no fractions and 0 means "now").</summary>
    public static string Seconds(TimeSpan wait) => Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
