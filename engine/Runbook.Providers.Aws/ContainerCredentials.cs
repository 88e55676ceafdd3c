using System.Text.Json;
using System.Text.Json.Serialization;
using Runbook.Execution.Providers;

namespace Runbook.Providers.Aws;

/// <summary>
/// The ECS (and EKS Pod Identity) container credentials endpoint, as the AWS CLI uses it:
/// AWS_CONTAINER_CREDENTIALS_RELATIVE_URI under http://169.254.170.2, or AWS_CONTAINER_CREDENTIALS_FULL_URI, with
/// the Authorization header from AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE or AWS_CONTAINER_AUTHORIZATION_TOKEN.
/// Written here rather than taken from AWSSDK.Core because the SDK's reads the process environment, which the
/// tests must not change; the keys are cached until five minutes before they expire.
/// </summary>
internal sealed class ContainerCredentials(Func<string, string?> environment, HttpClient http, TimeProvider time) : IDisposable
{
    private static readonly TimeSpan RefreshBefore = TimeSpan.FromMinutes(5);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (AwsCredentials Keys, DateTimeOffset Expires)? _cached;

    public Uri Endpoint
    {
        get
        {
            if (environment("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") is { Length: > 0 } relative)
            {
                return new Uri("http://169.254.170.2" + relative);
            }

            var full = environment("AWS_CONTAINER_CREDENTIALS_FULL_URI") ?? string.Empty;
            return Uri.TryCreate(full, UriKind.Absolute, out var uri) && (uri.Scheme == "https" || uri.IsLoopback || uri.Host is "169.254.170.2" or "169.254.170.23" or "[fd00:ec2::23]")
                ? uri
                : throw new ProviderException(ProviderErrorKind.Failed,
                    $"AWS_CONTAINER_CREDENTIALS_FULL_URI '{full}' must be https, a loopback address or the ECS/EKS link-local credentials host");
        }
    }

    public async ValueTask<AwsCredentials> GetAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_cached is { } cached && cached.Expires - RefreshBefore > time.GetUtcNow())
            {
                return cached.Keys;
            }

            var endpoint = Endpoint;
            using var request = new HttpRequestMessage(HttpMethod.Get, endpoint);
            var token = environment("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE") is { Length: > 0 } file
                ? (await File.ReadAllTextAsync(file, cancellationToken).ConfigureAwait(false)).Trim()
                : environment("AWS_CONTAINER_AUTHORIZATION_TOKEN");
            if (token is { Length: > 0 })
            {
                request.Headers.TryAddWithoutValidation("Authorization", token);
            }

            string body;
            try
            {
                using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
                body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    throw new ProviderException(ProviderErrorKind.Forbidden, $"the container credentials endpoint {endpoint} answered {(int)response.StatusCode}: {body}");
                }
            }
            catch (HttpRequestException ex)
            {
                throw new ProviderException(ProviderErrorKind.Unavailable, $"cannot reach the container credentials endpoint {endpoint}: {ex.Message}", ex);
            }

            ContainerKeys? keys;
            try
            {
                keys = JsonSerializer.Deserialize(body, ContainerJson.Default.ContainerKeys);
            }
            catch (JsonException ex)
            {
                throw new ProviderException(ProviderErrorKind.Failed, $"the container credentials endpoint {endpoint} returned no credentials: {ex.Message}", ex);
            }

            if (keys is not { AccessKeyId.Length: > 0, SecretAccessKey.Length: > 0 })
            {
                throw new ProviderException(ProviderErrorKind.Failed, $"the container credentials endpoint {endpoint} returned no AccessKeyId/SecretAccessKey");
            }

            var result = new AwsCredentials(keys.AccessKeyId, keys.SecretAccessKey, keys.Token is { Length: > 0 } t ? t : null);
            _cached = (result, keys.Expiration ?? DateTimeOffset.MaxValue);
            return result;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();
}

internal sealed record ContainerKeys(string? AccessKeyId, string? SecretAccessKey, string? Token, DateTimeOffset? Expiration);

[JsonSerializable(typeof(ContainerKeys))]
internal sealed partial class ContainerJson : JsonSerializerContext;
