using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Runbook.Providers.Azure.Tests.Identity;

/// <summary>
/// Entra ID's token endpoint and the managed identity endpoints, over HTTPS with a test CA, for tests:
/// <list type="bullet">
/// <item>POST /{tenant}/oauth2/v2.0/token, the client-credentials grant with a client secret, a certificate-signed
/// client assertion (RS256 or PS256, verified against the registered certificate, audience the token endpoint) or a
/// federated token (workload identity); unknown tenants, applications, wrong secrets and assertions get Entra ID's
/// error bodies with their AADSTS codes (AADSTS90002, AADSTS700016, AADSTS7000215, AADSTS700027, AADSTS70021).</item>
/// <item>GET /msi/token (App Service / Container Apps, api-version 2019-08-01, X-IDENTITY-HEADER) and
/// GET /metadata/identity/oauth2/token (the instance metadata service, api-version 2018-02-01, Metadata: true).</item>
/// </list>
/// Every token issued is handed to <see cref="Issued"/> with its principal, so an ARM test server can accept it.
/// </summary>
public sealed class IdentityStandIn : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<(string Tenant, string Client), Principal> _principals = new();
    private readonly ConcurrentDictionary<string, string> _managed = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _requests = new();
    private readonly ConcurrentQueue<(string Token, string Principal, DateTimeOffset Expires)> _issued = new();

    private IdentityStandIn(WebApplication app, TestAuthority authority)
    {
        _app = app;
        Authority = authority;
        app.MapPost("/{tenant}/oauth2/v2.0/token", TokenAsync);
        app.MapGet("/msi/token", AppServiceToken);
        app.MapGet("/metadata/identity/oauth2/token", ImdsToken);
        app.MapFallback(context =>
        {
            Record(context, "(no such endpoint)");
            context.Response.StatusCode = 404;
            return Task.CompletedTask;
        });
    }

    public TestAuthority Authority { get; }

    /// <summary>https://127.0.0.1:PORT/ — the authority host (AZURE_AUTHORITY_HOST) and the managed identity host.</summary>
    public Uri Url => new(_app.Urls.First().Replace("http://", "https://", StringComparison.Ordinal).TrimEnd('/') + "/");

    /// <summary>The secret App Service puts in IDENTITY_HEADER.</summary>
    public string IdentityHeader { get; } = "ih-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(8));

    /// <summary>How long issued tokens live (expires_in).</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Called with every token issued and the principal it stands for (e.g. an ARM test server's AcceptToken).</summary>
    public Action<string, string>? Issued { get; set; }

    /// <summary>"POST /tenant/oauth2/v2.0/token grant_type=client_credentials client_id=…" for every request.</summary>
    public IReadOnlyList<string> Requests => [.. _requests];

    public IReadOnlyList<(string Token, string Principal, DateTimeOffset Expires)> Tokens => [.. _issued];

    public static async Task<IdentityStandIn> StartAsync(TestAuthority authority)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(authority.ServerCertificate)));
        var standIn = new IdentityStandIn(builder.Build(), authority);
        await standIn._app.StartAsync();
        return standIn;
    }

    /// <summary>A service principal with a client secret; the principal's name is "sp:{client}".</summary>
    public void AddClientSecret(string tenant, string client, string secret) => _principals[(tenant, client)] = new Principal($"sp:{client}", secret, null, null);

    /// <summary>A service principal whose credential is <paramref name="certificate"/>'s public key.</summary>
    public void AddCertificate(string tenant, string client, X509Certificate2 certificate) =>
        _principals[(tenant, client)] = new Principal($"sp:{client}", null, X509CertificateLoader.LoadCertificate(certificate.RawData), null);

    /// <summary>An application with a federated identity credential that trusts exactly <paramref name="federatedToken"/> (a Kubernetes service account token).</summary>
    public void AddFederated(string tenant, string client, string federatedToken) => _principals[(tenant, client)] = new Principal($"wi:{client}", null, null, federatedToken);

    /// <summary>A managed identity of the host: the system-assigned one (<paramref name="clientId"/> null) or a user-assigned one.</summary>
    public void AddManagedIdentity(string? clientId) => _managed[clientId ?? "(system)"] = clientId is null ? "mi:system" : $"mi:{clientId}";

    private async Task TokenAsync(HttpContext context, string tenant)
    {
        var form = await context.Request.ReadFormAsync();
        string Field(string name) => form.TryGetValue(name, out var value) ? value.ToString() : string.Empty;
        var client = Field("client_id");
        Record(context, $"grant_type={Field("grant_type")} client_id={client} scope={Field("scope")} assertion_type={Field("client_assertion_type")}");
        var endpoint = new Uri(Url, $"{tenant}/oauth2/v2.0/token").ToString();

        if (Field("grant_type") != "client_credentials")
        {
            await Error(context, 400, "unsupported_grant_type", 70003, $"AADSTS70003: The app requested an unsupported grant type '{Field("grant_type")}'.");
            return;
        }

        if (!_principals.Keys.Any(k => k.Tenant == tenant))
        {
            await Error(context, 400, "invalid_request", 90002, $"AADSTS90002: Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.");
            return;
        }

        if (!_principals.TryGetValue((tenant, client), out var principal))
        {
            await Error(context, 400, "unauthorized_client", 700016,
                $"AADSTS700016: Application with identifier '{client}' was not found in the directory '{tenant}'. This can happen if the application has not been installed by the administrator of the tenant.");
            return;
        }

        if (!Field("scope").EndsWith("/.default", StringComparison.Ordinal))
        {
            await Error(context, 400, "invalid_scope", 1002012, $"AADSTS1002012: The provided value for scope {Field("scope")} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.");
            return;
        }

        if (principal.Secret is not null)
        {
            if (Field("client_secret") != principal.Secret)
            {
                await Error(context, 401, "invalid_client", 7000215,
                    $"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client}'.");
                return;
            }
        }
        else if (Field("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
        {
            await Error(context, 401, "invalid_client", 7000218, "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
            return;
        }
        else if (principal.Certificate is not null)
        {
            string? problem;
            try
            {
                problem = AssertionProblem(Field("client_assertion"), principal.Certificate, client, endpoint);
            }
            catch (Exception ex) when (ex is InvalidOperationException or FormatException or CryptographicException or JsonException)
            {
                problem = ex.Message;
            }

            _requests.Enqueue($"(assertion: {problem ?? "valid"})");
            if (problem is not null)
            {
                await Error(context, 401, "invalid_client", 700027, $"AADSTS700027: Client assertion failed signature validation. ({problem})");
                return;
            }
        }
        else if (Field("client_assertion") != principal.FederatedToken)
        {
            await Error(context, 400, "invalid_request", 70021, "AADSTS70021: No matching federated identity record found for presented assertion.");
            return;
        }

        var token = Issue(principal.Name, out var lifetime);
        await context.Response.WriteAsJsonAsync(new JsonObject
        {
            ["token_type"] = "Bearer",
            ["expires_in"] = (long)lifetime.TotalSeconds,
            ["ext_expires_in"] = (long)lifetime.TotalSeconds,
            ["access_token"] = token,
        });
    }

    private async Task AppServiceToken(HttpContext context)
    {
        Record(context, $"X-IDENTITY-HEADER={context.Request.Headers["X-IDENTITY-HEADER"]}");
        if (context.Request.Headers["X-IDENTITY-HEADER"] != IdentityHeader)
        {
            await Json(context, 401, new JsonObject { ["statusCode"] = 401, ["message"] = "Unauthorized request: the X-IDENTITY-HEADER is missing or wrong." });
            return;
        }

        await ManagedToken(context, "2019-08-01", appService: true);
    }

    private async Task ImdsToken(HttpContext context)
    {
        Record(context, $"Metadata={context.Request.Headers["Metadata"]}");
        if (context.Request.Headers["Metadata"] != "true")
        {
            await Json(context, 400, new JsonObject { ["error"] = "invalid_request", ["error_description"] = "Required metadata header not specified" });
            return;
        }

        await ManagedToken(context, "2018-02-01", appService: false);
    }

    private async Task ManagedToken(HttpContext context, string apiVersion, bool appService)
    {
        var query = context.Request.Query;
        if (query["api-version"] != apiVersion)
        {
            await Json(context, 400, new JsonObject { ["error"] = "invalid_request", ["error_description"] = $"api-version {query["api-version"]} is not supported here; use {apiVersion}" });
            return;
        }

        if (string.IsNullOrEmpty(query["resource"]))
        {
            await Json(context, 400, new JsonObject { ["error"] = "invalid_request", ["error_description"] = "Required query variable 'resource' is missing" });
            return;
        }

        var client = query["client_id"].ToString();
        if (!_managed.TryGetValue(client.Length == 0 ? "(system)" : client, out var principal))
        {
            await Json(context, 400, new JsonObject { ["error"] = "invalid_request", ["error_description"] = "Identity not found" });
            return;
        }

        var token = Issue(principal, out var lifetime);
        var expiresOn = DateTimeOffset.UtcNow.Add(lifetime).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var body = new JsonObject
        {
            ["access_token"] = token,
            ["expires_on"] = expiresOn,
            ["resource"] = query["resource"].ToString(),
            ["token_type"] = "Bearer",
        };
        if (appService)
        {
            body["client_id"] = client.Length == 0 ? "system-assigned-client" : client;
        }
        else
        {
            body["expires_in"] = ((long)lifetime.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            body["ext_expires_in"] = body["expires_in"]!.GetValue<string>();
            body["not_before"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        }

        await context.Response.WriteAsJsonAsync(body);
    }

    private string Issue(string principal, out TimeSpan lifetime)
    {
        lifetime = TokenLifetime;
        var token = "eyJ0eXAiOiJKV1QifQ." + Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).TrimEnd('=').Replace('+', '-').Replace('/', '_') + ".stand-in";
        _issued.Enqueue((token, principal, DateTimeOffset.UtcNow.Add(lifetime)));
        Issued?.Invoke(token, principal);
        return token;
    }

    /// <summary>Why a client assertion JWT is not valid for this client and certificate; null when it is.</summary>
    private static string? AssertionProblem(string assertion, X509Certificate2 certificate, string client, string endpoint)
    {
        var parts = assertion.Split('.');
        if (parts.Length != 3)
        {
            return "not a JWS";
        }

        JsonNode? header, payload;
        try
        {
            header = JsonNode.Parse(FromBase64Url(parts[0]));
            payload = JsonNode.Parse(FromBase64Url(parts[1]));
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            return "unreadable: " + ex.Message;
        }

        using var key = certificate.GetRSAPublicKey()!;
        var signed = Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]);
        var signature = FromBase64Url(parts[2]);
        var valid = (string?)header?["alg"] switch
        {
            "RS256" => key.VerifyData(signed, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            "PS256" => key.VerifyData(signed, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pss),
            var other => throw new InvalidOperationException($"unexpected alg {other}"),
        };
        if (!valid)
        {
            return "the signature does not match the registered certificate";
        }

        if ((string?)payload?["aud"] != endpoint)
        {
            return $"aud is {(string?)payload?["aud"]}, not {endpoint}";
        }

        if ((string?)payload?["iss"] != client || (string?)payload?["sub"] != client)
        {
            return "iss and sub must be the client id";
        }

        // MSAL writes exp as a JSON string of seconds; the JWT spec's NumericDate is a number: take either.
        var exp = payload?["exp"] is JsonValue value && (value.TryGetValue<long>(out var number) || long.TryParse(value.ToString(), CultureInfo.InvariantCulture, out number)) ? number : 0;
        return exp > DateTimeOffset.UtcNow.ToUnixTimeSeconds() ? null : "expired or no exp";
    }

    private static byte[] FromBase64Url(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '='));
    }

    private static Task Error(HttpContext context, int status, string error, long code, string description)
    {
        var trace = Guid.NewGuid();
        var correlation = Guid.NewGuid();
        var timestamp = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        return Json(context, status, new JsonObject
        {
            ["error"] = error,
            ["error_description"] = $"{description} Trace ID: {trace} Correlation ID: {correlation} Timestamp: {timestamp}",
            ["error_codes"] = new JsonArray(code),
            ["timestamp"] = timestamp,
            ["trace_id"] = trace.ToString(),
            ["correlation_id"] = correlation.ToString(),
            ["error_uri"] = $"https://login.microsoftonline.com/error?code={code}",
        });
    }

    private static async Task Json(HttpContext context, int status, JsonObject body)
    {
        context.Response.StatusCode = status;
        await context.Response.WriteAsJsonAsync(body);
    }

    private void Record(HttpContext context, string detail) =>
        _requests.Enqueue($"{context.Request.Method} {context.Request.Path}{context.Request.QueryString} {detail}");

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private sealed record Principal(string Name, string? Secret, X509Certificate2? Certificate, string? FederatedToken);
}
