using System.Globalization;
using System.Net;
using System.Text.Json;
using Azure.Core;
using Runbook.Execution.Providers;

namespace Runbook.Providers.Azure.Credentials;

/// <summary>
/// A managed identity's token, from the endpoint the host gives: IDENTITY_ENDPOINT + IDENTITY_HEADER (App Service,
/// Container Apps, Functions: api-version 2019-08-01, the X-IDENTITY-HEADER secret), else the instance metadata
/// service (VMs, VM scale sets, AKS nodes: http://169.254.169.254, or AZURE_POD_IDENTITY_AUTHORITY_HOST as
/// Azure.Identity honours it; api-version 2018-02-01, Metadata: true). A 'client_id' picks a user-assigned identity.
/// Written here rather than taken from Azure.Identity's ManagedIdentityCredential because that one (through MSAL)
/// reads these variables from the process environment, which the caller's environment function must decide.
/// </summary>
internal sealed class ManagedIdentityToken : TokenCredential, IDisposable
{
    public static readonly Uri DefaultImds = new("http://169.254.169.254/");

    /// <summary>How long the first IMDS request may take before the metadata service counts as absent (DefaultAzureCredential's probe is as short).</summary>
    public static readonly TimeSpan ImdsProbeTimeout = TimeSpan.FromSeconds(1);

    /// <summary>How long a configured metadata address may take to answer the first request.</summary>
    public static readonly TimeSpan ConfiguredImdsTimeout = TimeSpan.FromSeconds(15);

    private static readonly TimeSpan RefreshBefore = TimeSpan.FromMinutes(5);
    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly string? _clientId;
    private readonly string? _identityHeader;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, AccessToken> _cache = new(StringComparer.Ordinal);
    private bool _imdsAnswered;

    private ManagedIdentityToken(Uri endpoint, bool appService, string? identityHeader, string? clientId, HttpClient http, TimeProvider time)
    {
        Endpoint = endpoint;
        AppService = appService;
        _identityHeader = identityHeader;
        _clientId = clientId;
        _http = http;
        _time = time;
    }

    public Uri Endpoint { get; }

    /// <summary>True for the IDENTITY_ENDPOINT kind (App Service, Container Apps), false for the instance metadata service.</summary>
    public bool AppService { get; }

    /// <summary>Where this host's managed identity answers, from <paramref name="environment"/>; its description for messages.</summary>
    public static (ManagedIdentityToken Credential, string Description) Create(Func<string, string?> environment, string? clientId, HttpClient http, TimeProvider time)
    {
        var who = clientId is null ? "system-assigned" : $"user-assigned, client_id={clientId}";
        if (Env(environment, "IDENTITY_ENDPOINT") is { } endpoint && Env(environment, "IDENTITY_HEADER") is { } header)
        {
            var uri = Uri.TryCreate(endpoint, UriKind.Absolute, out var parsed) && (parsed.Scheme == Uri.UriSchemeHttps || parsed.IsLoopback)
                ? parsed
                : throw new ProviderException(ProviderErrorKind.Failed, $"IDENTITY_ENDPOINT '{endpoint}' must be an https URL or a loopback address (as App Service and Container Apps set it)");
            return (new ManagedIdentityToken(uri, appService: true, header, clientId, http, time), $"the managed identity ({who}) at IDENTITY_ENDPOINT={uri}");
        }

        var imds = DefaultImds;
        if (Env(environment, "AZURE_POD_IDENTITY_AUTHORITY_HOST") is { } host)
        {
            imds = Uri.TryCreate(host.EndsWith('/') ? host : host + "/", UriKind.Absolute, out var overridden) && overridden.Scheme is "http" or "https"
                ? overridden
                : throw new ProviderException(ProviderErrorKind.Failed, $"AZURE_POD_IDENTITY_AUTHORITY_HOST '{host}' is not an http(s) URL");
        }

        return (new ManagedIdentityToken(new Uri(imds, "metadata/identity/oauth2/token"), appService: false, null, clientId, http, time),
            $"the managed identity ({who}) of the instance metadata service at {imds}");
    }

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        GetTokenAsync(requestContext, cancellationToken).AsTask().GetAwaiter().GetResult();

    public override async ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken)
    {
        var resource = Resource(requestContext.Scopes);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_cache.TryGetValue(resource, out var cached) && cached.ExpiresOn - RefreshBefore > _time.GetUtcNow())
            {
                return cached;
            }

            var token = await RequestAsync(resource, cancellationToken).ConfigureAwait(false);
            _cache[resource] = token;
            return token;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<AccessToken> RequestAsync(string resource, CancellationToken cancellationToken)
    {
        var query = AppService
            ? $"api-version=2019-08-01&resource={Uri.EscapeDataString(resource)}"
            : $"api-version=2018-02-01&resource={Uri.EscapeDataString(resource)}";
        if (_clientId is not null)
        {
            query += $"&client_id={Uri.EscapeDataString(_clientId)}";
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, new UriBuilder(Endpoint) { Query = query }.Uri);
        if (AppService)
        {
            request.Headers.TryAddWithoutValidation("X-IDENTITY-HEADER", _identityHeader);
        }
        else
        {
            request.Headers.TryAddWithoutValidation("Metadata", "true");
        }

        // The first request to the link-local IMDS address is a probe: no answer within a second means no metadata
        // service (a laptop, CI). An address the operator configured (AZURE_POD_IDENTITY_AUTHORITY_HOST) is given the
        // time any endpoint gets; refused connections still count as absent.
        using var probe = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (!AppService && !_imdsAnswered)
        {
            probe.CancelAfter(Endpoint.Host == DefaultImds.Host ? ImdsProbeTimeout : ConfiguredImdsTimeout);
        }

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, probe.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (!AppService && !_imdsAnswered && !cancellationToken.IsCancellationRequested
            && ex is HttpRequestException or OperationCanceledException)
        {
            throw new CredentialNotThereException($"no instance metadata service answered at {Endpoint.GetLeftPart(UriPartial.Authority)} ({Short(ex)})", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new ProviderException(ProviderErrorKind.Unavailable, $"cannot reach the managed identity endpoint {Endpoint}: {ex.Message}", ex);
        }

        using (response)
        {
            var probing = !AppService && !_imdsAnswered;
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                var said = Said(body);
                // IMDS answers 400 "Identity not found" on a VM without an identity: not there, as DefaultAzureCredential treats it.
                if (!AppService && response.StatusCode == HttpStatusCode.BadRequest)
                {
                    throw new CredentialNotThereException($"the instance metadata service has no identity for this host: {said}");
                }

                // Something else at the link-local address (a firewall, a proxy, Docker Desktop) answered the probe
                // without IMDS's JSON: there is no metadata service, as DefaultAzureCredential decides too.
                if (probing && !IsJson(body))
                {
                    throw new CredentialNotThereException(
                        $"no instance metadata service at {Endpoint.GetLeftPart(UriPartial.Authority)} (something answered {(int)response.StatusCode} {said})");
                }

                throw new ProviderException(ProviderErrorKind.Forbidden, $"{Endpoint} answered {(int)response.StatusCode}: {said}");
            }

            ManagedIdentityResponse? parsed;
            try
            {
                parsed = JsonSerializer.Deserialize(body, TokenJson.Default.ManagedIdentityResponse);
            }
            catch (JsonException ex)
            {
                throw new ProviderException(ProviderErrorKind.Failed, $"{Endpoint} answered with no token: {ex.Message}", ex);
            }

            if (parsed is not { AccessToken.Length: > 0 })
            {
                throw new ProviderException(ProviderErrorKind.Failed, $"{Endpoint} answered with no access_token");
            }

            _imdsAnswered = true;
            return new AccessToken(parsed.AccessToken, Expiry(parsed));
        }
    }

    /// <summary>expires_on (epoch seconds, a string in both protocols), else now + expires_in, else an hour.</summary>
    private DateTimeOffset Expiry(ManagedIdentityResponse response)
    {
        if (long.TryParse(response.ExpiresOn, NumberStyles.Integer, CultureInfo.InvariantCulture, out var epoch))
        {
            return DateTimeOffset.FromUnixTimeSeconds(epoch);
        }

        if (DateTimeOffset.TryParse(response.ExpiresOn, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var when))
        {
            return when;
        }

        return _time.GetUtcNow().AddSeconds(long.TryParse(response.ExpiresIn, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds) ? seconds : 3600);
    }

    /// <summary>The v1 resource of the scope ("https://management.core.windows.net/" for "https://management.core.windows.net//.default").</summary>
    internal static string Resource(string[] scopes)
    {
        if (scopes is not [var scope])
        {
            throw new ProviderException(ProviderErrorKind.Failed, $"a managed identity token is for one resource; asked for {scopes.Length} scopes");
        }

        return scope.EndsWith("/.default", StringComparison.Ordinal) ? scope[..^"/.default".Length] : scope;
    }

    private static string Said(string body)
    {
        try
        {
            var error = JsonSerializer.Deserialize(body, TokenJson.Default.OAuthError);
            if (error?.ErrorDescription is { Length: > 0 } description)
            {
                return $"{error.Error}: {description}";
            }

            if (error?.Error is { Length: > 0 } code)
            {
                return code;
            }
        }
        catch (JsonException)
        {
            // Not the OAuth error shape: the body as it is.
        }

        return body.Length > 300 ? body[..300] + "…" : body;
    }

    private static bool IsJson(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private string Short(Exception ex) => ex is OperationCanceledException
        ? $"no answer within {(Endpoint.Host == DefaultImds.Host ? ImdsProbeTimeout : ConfiguredImdsTimeout).TotalSeconds:0}s"
        : ex.Message;

    private static string? Env(Func<string, string?> environment, string name) => environment(name) is { Length: > 0 } value ? value : null;

    /// <summary>Disposes the HttpClient too: it was made for this credential.</summary>
    public void Dispose()
    {
        _gate.Dispose();
        _http.Dispose();
    }
}
