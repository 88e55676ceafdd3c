using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Runbook.Providers.Gcp.Tests.Identity;

/// <summary>
/// Google's identity endpoints as a credential needs them, on 127.0.0.1, each checking what Google checks:
/// <list type="bullet">
/// <item>the OAuth token endpoint (POST /token): the service-account JWT-bearer grant (RS256 signature against the
/// registered public key, iss, aud = this endpoint, the cloud-platform scope, iat/exp within an hour of now), the
/// refresh_token grant of authorized-user files (client id, secret and refresh token as registered);</item>
/// <item>Security Token Service (POST /v1/token): the token-exchange grant of workload identity federation (audience,
/// subject_token and its type as registered, requested_token_type access_token);</item>
/// <item>IAM Credentials (POST /v1/projects/-/serviceAccounts/{email}:generateAccessToken): a bearer token this
/// stand-in issued to a principal allowed to impersonate that account;</item>
/// <item>a subject-token URL (GET /subject-token) answering the configured body when the configured header is sent;</item>
/// <item>the metadata server (/computeMetadata/v1/…): the default service account's token and the project id, only with
/// the Metadata-Flavor: Google request header (403 otherwise, as on Compute Engine), every answer carrying it.</item>
/// </list>
/// Every token issued is random, recorded with its principal and expiry, and announced through <see cref="Issued"/>
/// (the end-to-end tests hand it to the Cloud Run test server).
/// </summary>
public sealed class GoogleIdentityStandIn : IAsyncDisposable
{
    private const string CloudPlatform = "https://www.googleapis.com/auth/cloud-platform";
    private readonly WebApplication _app;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, RSA> _serviceAccounts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (string Secret, string RefreshToken, string Principal)> _clients = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (string SubjectToken, string SubjectTokenType, string Principal)> _pools = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, HashSet<string>> _impersonators = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (string Principal, DateTimeOffset Expires)> _issued = new(StringComparer.Ordinal);
    private readonly List<string> _requests = [];

    private GoogleIdentityStandIn(WebApplication app, TimeProvider time)
    {
        _app = app;
        _time = time;
        app.Run(HandleAsync);
    }

    public Uri Root => new(_app.Urls.First().TrimEnd('/') + "/");

    /// <summary>The OAuth token endpoint: a key file's token_uri, an authorized-user file's token_uri.</summary>
    public Uri TokenUri => new(Root, "token");

    /// <summary>Security Token Service: an external-account file's token_url.</summary>
    public Uri StsUri => new(Root, "v1/token");

    /// <summary>host:port, as GCE_METADATA_HOST and GCE_METADATA_IP take it.</summary>
    public string MetadataHost => Root.Authority;

    public Uri SubjectTokenUri => new(Root, "subject-token");

    /// <summary>Seconds of life of each token issued (expires_in).</summary>
    public int TokenLifetimeSeconds { get; set; } = 3600;

    public string MetadataProject { get; set; } = "metadata-project";

    public string MetadataPrincipal { get; set; } = "compute@metadata-project.iam.gserviceaccount.com";

    /// <summary>What GET /subject-token answers and the header it requires (name, value), when set.</summary>
    public (string Body, string HeaderName, string HeaderValue)? SubjectTokenUrl { get; set; }

    /// <summary>How many of the next token requests (/token, /v1/token) answer 503 UNAVAILABLE in Google's error shape.</summary>
    public int UnavailableNext { get; set; }

    /// <summary>Called with each token issued and its principal.</summary>
    public Action<string, string>? Issued { get; set; }

    /// <summary>"METHOD /path grant_type" of each request, in order.</summary>
    public IReadOnlyList<string> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    public int Grants(string grantType) => Requests.Count(r => r.EndsWith(" " + grantType, StringComparison.Ordinal));

    /// <summary>The principal a token was issued to, while it has not expired; null otherwise.</summary>
    public string? PrincipalOf(string token) =>
        _issued.TryGetValue(token, out var issued) && issued.Expires > _time.GetUtcNow() ? issued.Principal : null;

    public static async Task<GoogleIdentityStandIn> StartAsync(TimeProvider? time = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var standIn = new GoogleIdentityStandIn(builder.Build(), time ?? TimeProvider.System);
        await standIn._app.StartAsync();
        return standIn;
    }

    /// <summary>A new service account with a fresh RSA key; its key file, whose token_uri is this stand-in.</summary>
    public string ServiceAccountKeyFile(string email, string project)
    {
        var rsa = RSA.Create(2048);
        _serviceAccounts[email] = rsa;
        return KeyFile(email, project, rsa.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>A key file for <paramref name="email"/> holding a private key that is not the account's.</summary>
    public string ForgedKeyFile(string email, string project)
    {
        using var other = RSA.Create(2048);
        return KeyFile(email, project, other.ExportPkcs8PrivateKeyPem());
    }

    private string KeyFile(string email, string project, string pem) => new JsonObject
    {
        ["type"] = "service_account",
        ["project_id"] = project,
        ["private_key_id"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20)),
        ["private_key"] = pem,
        ["client_email"] = email,
        ["client_id"] = "1" + RandomNumberGenerator.GetInt32(100_000_000, 999_999_999),
        ["auth_uri"] = "https://accounts.google.com/o/oauth2/auth",
        ["token_uri"] = TokenUri.ToString(),
        ["auth_provider_x509_cert_url"] = "https://www.googleapis.com/oauth2/v1/certs",
        ["client_x509_cert_url"] = $"https://www.googleapis.com/robot/v1/metadata/x509/{Uri.EscapeDataString(email)}",
        ["universe_domain"] = "googleapis.com",
    }.ToJsonString();

    /// <summary>A user login as `gcloud auth application-default login` writes it, with token_uri pointing here.</summary>
    public string AuthorizedUserFile(string user, string? quotaProject)
    {
        var clientId = $"{RandomNumberGenerator.GetInt32(100_000, 999_999)}.apps.googleusercontent.com";
        var secret = "d-FL95Q19q7MQmFpd7hHD0Ty";
        var refresh = "1//0g" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        _clients[clientId] = (secret, refresh, user);
        var file = new JsonObject
        {
            ["account"] = "",
            ["client_id"] = clientId,
            ["client_secret"] = secret,
            ["refresh_token"] = refresh,
            ["token_uri"] = TokenUri.ToString(),
            ["type"] = "authorized_user",
            ["universe_domain"] = "googleapis.com",
        };
        if (quotaProject is not null)
        {
            file["quota_project_id"] = quotaProject;
        }

        return file.ToJsonString();
    }

    /// <summary>A workload identity pool provider that federates <paramref name="subjectToken"/> as <paramref name="principal"/>; its audience.</summary>
    public string WorkloadIdentityPool(string subjectToken, string principal, string subjectTokenType = "urn:ietf:params:oauth:token-type:jwt")
    {
        var audience = $"//iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/pool-{_pools.Count}/providers/ci";
        _pools[audience] = (subjectToken, subjectTokenType, principal);
        return audience;
    }

    /// <summary>Lets <paramref name="principal"/> get tokens for <paramref name="serviceAccount"/> (roles/iam.serviceAccountTokenCreator).</summary>
    public void AllowImpersonation(string principal, string serviceAccount) =>
        _impersonators.GetOrAdd(serviceAccount, _ => []).Add(principal);

    public Uri ImpersonationUri(string serviceAccount) => new(Root, $"v1/projects/-/serviceAccounts/{serviceAccount}:generateAccessToken");

    private void Record(string line)
    {
        lock (_requests)
        {
            _requests.Add(line);
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        if (path.StartsWith("/computeMetadata/", StringComparison.Ordinal) || path == "/")
        {
            Record($"{context.Request.Method} {path} metadata");
            await MetadataAsync(context, path);
            return;
        }

        if (path == "/subject-token" && SubjectTokenUrl is { } subject)
        {
            Record($"GET {path} subject");
            if (context.Request.Headers[subject.HeaderName] != subject.HeaderValue)
            {
                context.Response.StatusCode = 401;
                await context.Response.WriteAsync("missing or wrong " + subject.HeaderName);
                return;
            }

            await context.Response.WriteAsync(subject.Body);
            return;
        }

        if (context.Request.Method == "POST" && path.EndsWith(":generateAccessToken", StringComparison.Ordinal))
        {
            Record($"POST {path} generateAccessToken");
            await GenerateAccessTokenAsync(context, Uri.UnescapeDataString(path["/v1/projects/-/serviceAccounts/".Length..^":generateAccessToken".Length]));
            return;
        }

        if (context.Request.Method != "POST" || path is not ("/token" or "/v1/token") || !context.Request.HasFormContentType)
        {
            Record($"{context.Request.Method} {path} unknown");
            context.Response.StatusCode = 404;
            return;
        }

        if (UnavailableNext > 0)
        {
            UnavailableNext--;
            Record($"POST {path} unavailable");
            await WriteAsync(context, (503, new JsonObject { ["error"] = new JsonObject { ["code"] = 503, ["message"] = "The service is currently unavailable.", ["status"] = "UNAVAILABLE" } }));
            return;
        }

        var form = await context.Request.ReadFormAsync();
        var grant = form["grant_type"].ToString();
        Record($"POST {path} {grant}");
        var outcome = (path, grant) switch
        {
            ("/token", "urn:ietf:params:oauth:grant-type:jwt-bearer") => JwtBearer(form["assertion"].ToString()),
            ("/token", "refresh_token") => Refresh(form["client_id"].ToString(), form["client_secret"].ToString(), form["refresh_token"].ToString()),
            ("/v1/token", "urn:ietf:params:oauth:grant-type:token-exchange") => Exchange(form),
            _ => Refuse("unsupported_grant_type", $"Invalid grant_type: {grant}"),
        };
        await WriteAsync(context, outcome);
    }

    private (int Status, JsonObject Body) JwtBearer(string assertion)
    {
        var parts = assertion.Split('.');
        if (parts.Length != 3)
        {
            return Refuse("invalid_request", "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.");
        }

        JsonNode? header;
        JsonNode? claims;
        try
        {
            header = JsonNode.Parse(Base64Url.DecodeFromChars(parts[0]));
            claims = JsonNode.Parse(Base64Url.DecodeFromChars(parts[1]));
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            return Refuse("invalid_request", "Invalid JWT: the header or claims are not base64url JSON.");
        }

        var issuer = claims?["iss"]?.GetValue<string>() ?? "";
        if (header?["alg"]?.GetValue<string>() != "RS256" || !_serviceAccounts.TryGetValue(issuer, out var key))
        {
            return Refuse("invalid_grant", "Invalid grant: account not found");
        }

        var signed = Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}");
        if (!key.VerifyData(signed, Base64Url.DecodeFromChars(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
        {
            return Refuse("invalid_grant", "Invalid JWT Signature.");
        }

        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var iat = claims?["iat"]?.GetValue<long>() ?? 0;
        var exp = claims?["exp"]?.GetValue<long>() ?? 0;
        if (claims?["aud"]?.GetValue<string>() != TokenUri.ToString() || Math.Abs(iat - now) > 300 || exp <= now || exp - iat > 3600)
        {
            return Refuse("invalid_grant", "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.");
        }

        return (claims?["scope"]?.GetValue<string>() ?? "").Split(' ').Contains(CloudPlatform)
            ? Issue(issuer)
            : Refuse("invalid_scope", "Invalid OAuth scope or ID token audience provided.");
    }

    private (int Status, JsonObject Body) Refresh(string clientId, string secret, string refreshToken) =>
        !_clients.TryGetValue(clientId, out var client) || client.Secret != secret ? Refuse("invalid_client", "The OAuth client was not found.", 401)
        : client.RefreshToken != refreshToken ? Refuse("invalid_grant", "Token has been expired or revoked.")
        : Issue(client.Principal);

    private (int Status, JsonObject Body) Exchange(IFormCollection form)
    {
        if (!_pools.TryGetValue(form["audience"].ToString(), out var pool))
        {
            return Refuse("invalid_target", "The target service indicated by the \"audience\" parameters is invalid. This might either be because the pool or provider is disabled or deleted or because it doesn't exist.");
        }

        if (form["subject_token_type"] != pool.SubjectTokenType || form["requested_token_type"] != "urn:ietf:params:oauth:token-type:access_token"
            || form["scope"] != CloudPlatform)
        {
            return Refuse("invalid_request", "Invalid value for \"subject_token_type\", \"requested_token_type\" or \"scope\".");
        }

        if (form["subject_token"] != pool.SubjectToken)
        {
            return Refuse("invalid_grant", "The audience in ID Token [https://example] does not match the expected audience.");
        }

        var (status, body) = Issue(pool.Principal);
        body["issued_token_type"] = "urn:ietf:params:oauth:token-type:access_token";
        return (status, body);
    }

    private async Task GenerateAccessTokenAsync(HttpContext context, string serviceAccount)
    {
        var bearer = context.Request.Headers.Authorization.ToString();
        var caller = bearer.StartsWith("Bearer ", StringComparison.Ordinal) ? PrincipalOf(bearer["Bearer ".Length..]) : null;
        JsonNode? request = null;
        try
        {
            request = await JsonNode.ParseAsync(context.Request.Body);
        }
        catch (JsonException)
        {
        }

        (int, JsonObject) Error(int code, string status, string message) =>
            (code, new JsonObject { ["error"] = new JsonObject { ["code"] = code, ["message"] = message, ["status"] = status } });

        var (statusCode, body) = caller is null ? Error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.")
            : !_impersonators.TryGetValue(serviceAccount, out var allowed) || !allowed.Contains(caller)
                ? Error(403, "PERMISSION_DENIED", $"Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).")
            : request?["scope"] is not JsonArray scopes || !scopes.Any(s => s?.GetValue<string>() == CloudPlatform)
                ? Error(400, "INVALID_ARGUMENT", "Request contains an invalid argument: scope.")
            : Impersonated(serviceAccount);
        context.Response.StatusCode = statusCode;
        await context.Response.WriteAsJsonAsync(body, StandInJson.Default.JsonObject);
    }

    private (int, JsonObject) Impersonated(string serviceAccount)
    {
        var (_, issued) = Issue(serviceAccount);
        var expires = _time.GetUtcNow().AddSeconds(TokenLifetimeSeconds);
        return (200, new JsonObject { ["accessToken"] = issued["access_token"]!.GetValue<string>(), ["expireTime"] = expires.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture) });
    }

    private async Task MetadataAsync(HttpContext context, string path)
    {
        context.Response.Headers["Metadata-Flavor"] = "Google";
        if (context.Request.Headers["Metadata-Flavor"] != "Google")
        {
            context.Response.StatusCode = 403;
            context.Response.ContentType = "text/html; charset=UTF-8";
            await context.Response.WriteAsync("Missing required header: Metadata-Flavor");
            return;
        }

        switch (path)
        {
            case "/":
                await context.Response.WriteAsync("computeMetadata/\n");
                return;
            case "/computeMetadata/v1/project/project-id":
                context.Response.ContentType = "application/text";
                await context.Response.WriteAsync(MetadataProject);
                return;
            case "/computeMetadata/v1/instance/service-accounts/default/token":
                await WriteAsync(context, Issue(MetadataPrincipal));
                return;
            default:
                context.Response.StatusCode = 404;
                await context.Response.WriteAsync("Not Found");
                return;
        }
    }

    private (int, JsonObject) Issue(string principal)
    {
        var token = "ya29.stand-in-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        _issued[token] = (principal, _time.GetUtcNow().AddSeconds(TokenLifetimeSeconds));
        Issued?.Invoke(token, principal);
        return (200, new JsonObject { ["access_token"] = token, ["expires_in"] = TokenLifetimeSeconds, ["token_type"] = "Bearer" });
    }

    private static (int, JsonObject) Refuse(string error, string description, int status = 400) =>
        (status, new JsonObject { ["error"] = error, ["error_description"] = description });

    private static async Task WriteAsync(HttpContext context, (int Status, JsonObject Body) outcome)
    {
        context.Response.StatusCode = outcome.Status;
        context.Response.Headers.CacheControl = "no-cache, no-store, max-age=0, must-revalidate";
        await context.Response.WriteAsJsonAsync(outcome.Body, StandInJson.Default.JsonObject);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        foreach (var key in _serviceAccounts.Values)
        {
            key.Dispose();
        }
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(JsonObject))]
internal sealed partial class StandInJson : System.Text.Json.Serialization.JsonSerializerContext;
