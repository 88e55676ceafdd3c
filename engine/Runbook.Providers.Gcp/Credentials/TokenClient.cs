using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Runbook.Execution.Providers;

namespace Runbook.Providers.Gcp.Credentials;

/// <summary>
/// The HTTP exchanges behind every credential kind: an OAuth token request (form-encoded, RFC 6749), a metadata-server
/// GET and an IAM Credentials call. Failures keep the server's words (OAuth 'error'/'error_description', Google's
/// 'error.status'/'error.message') and name the credential that was being used.
/// </summary>
internal sealed class TokenClient(HttpClient http, TimeProvider time)
{
    public TimeProvider Time => time;

    /// <summary>POSTs an OAuth token request; <paramref name="credential"/> says what was used ("the service-account key …").</summary>
    public async Task<AccessToken> RequestTokenAsync(Uri endpoint, IEnumerable<KeyValuePair<string, string>> form, string credential, string fix, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new FormUrlEncodedContent(form) };
        var (status, body) = await SendAsync(request, endpoint, credential, cancellationToken).ConfigureAwait(false);
        var response = Parse(body, CredentialJsonContext.Default.TokenResponse);
        if (status is >= 200 and < 300 && response is { AccessToken.Length: > 0 })
        {
            return new AccessToken(response.AccessToken, Expiry(response.ExpiresIn));
        }

        if (status is >= 200 and < 300)
        {
            throw new ProviderException(ProviderErrorKind.Failed, $"{endpoint} answered {credential} without an access_token: {Excerpt(body)}; {fix}");
        }

        var said = response is { Error.Length: > 0 }
            ? response.ErrorDescription is { Length: > 0 } description ? $"{response.Error}: {description}" : response.Error
            : GoogleWords(body) ?? Excerpt(body);
        throw Refused(status, $"{endpoint} refused {credential} ({status}): {said}", fix);
    }

    /// <summary>GETs a metadata-server path with the Metadata-Flavor header; the body as text.</summary>
    public async Task<string> MetadataAsync(Uri url, string credential, string fix, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add("Metadata-Flavor", "Google");
        var (status, body) = await SendAsync(request, url, credential, cancellationToken).ConfigureAwait(false);
        return status is >= 200 and < 300 ? body : throw Refused(status, $"the metadata server refused {url} ({status}): {Excerpt(body)}", fix);
    }

    /// <summary>IAM Credentials generateAccessToken, authorized with <paramref name="sourceToken"/>.</summary>
    public async Task<AccessToken> ImpersonateAsync(Uri url, string sourceToken, string[]? delegates, string credential, string fix, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(
                JsonSerializer.Serialize(new GenerateAccessTokenRequest([GcpCredentials.CloudPlatformScope], "3600s", delegates is { Length: > 0 } ? delegates : null),
                    CredentialJsonContext.Default.GenerateAccessTokenRequest), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", sourceToken);
        var (status, body) = await SendAsync(request, url, credential, cancellationToken).ConfigureAwait(false);
        var response = status is >= 200 and < 300 ? Parse(body, CredentialJsonContext.Default.GenerateAccessTokenResponse) : null;
        if (response is { AccessToken.Length: > 0 })
        {
            return new AccessToken(response.AccessToken, response.ExpireTime ?? time.GetUtcNow().AddHours(1));
        }

        throw Refused(status, $"{url} refused to impersonate for {credential} ({status}): {GoogleWords(body) ?? Excerpt(body)}", fix);
    }

    /// <summary>The token's expiry from expires_in (seconds); an hour, Google's default, when the server leaves it out.</summary>
    public DateTimeOffset Expiry(long? expiresIn) => time.GetUtcNow().AddSeconds(expiresIn is > 0 ? expiresIn.Value : 3600);

    private async Task<(int Status, string Body)> SendAsync(HttpRequestMessage request, Uri endpoint, string credential, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (HttpRequestException ex)
        {
            throw new ProviderException(ProviderErrorKind.Unavailable, $"cannot reach {endpoint} to get a token for {credential}: {ex.Message}", ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ProviderException(ProviderErrorKind.Unavailable, $"{endpoint} did not answer in time when getting a token for {credential}", ex);
        }
    }

    private static ProviderException Refused(int status, string message, string fix) => new(
        status is (int)HttpStatusCode.TooManyRequests or >= 500 ? ProviderErrorKind.Unavailable : ProviderErrorKind.Forbidden,
        $"{message}; {fix}");

    private static T? Parse<T>(string body, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize(body, type);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? GoogleWords(string body) =>
        Parse(body, CredentialJsonContext.Default.GoogleErrorBody)?.Error is { Message.Length: > 0 } error
            ? error.Status is { Length: > 0 } status ? $"{status}: {error.Message}" : error.Message
            : null;

    private static string Excerpt(string body)
    {
        var text = body.Trim();
        return text.Length == 0 ? "(no body)" : text.Length > 300 ? text[..300] + "…" : text;
    }
}
