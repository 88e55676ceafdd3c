using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Runbook.Execution.Providers;

namespace Runbook.Providers.Aws;

/// <summary>Where one AWS service is and how it is addressed: the endpoint, the SigV4 region and name, the awsJson1_1 target prefix.</summary>
internal sealed record AwsService(Uri Endpoint, string Region, string SigningName, string TargetPrefix, string DisplayName);

/// <summary>How often and how long a call is tried: attempts, the backoff's base and cap (full jitter), and each attempt's timeout.</summary>
internal sealed record RetryPolicy(int MaxAttempts, TimeSpan BaseDelay, TimeSpan MaxDelay, TimeSpan AttemptTimeout)
{
    /// <summary>The AWS CLI's "standard" retry mode: 3 attempts; a little quicker between them, since a runbook step has its own retries.</summary>
    public static RetryPolicy Standard { get; } = new(3, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(30));
}

/// <summary>
/// The awsJson1_1 protocol as the AWS CLI speaks it: POST / with <c>X-Amz-Target: Prefix.Operation</c> and
/// <c>application/x-amz-json-1.1</c>, signed with SigV4. Throttling (ThrottlingException and kin, 429) and 5xx and
/// network failures are retried with exponential backoff and full jitter; an error body's <c>__type</c> and
/// <c>message</c> become a <see cref="ProviderException"/> whose kind says whether it is worth retrying.
/// </summary>
internal sealed class AwsJsonClient(HttpClient http, AwsService service, Func<CancellationToken, ValueTask<AwsCredentials>> credentials,
    TimeProvider time, RetryPolicy retry, Func<double>? random = null)
{
    public const string ContentType = "application/x-amz-json-1.1";

    private static readonly HashSet<string> Throttling = new(StringComparer.Ordinal)
    {
        "ThrottlingException", "Throttling", "ThrottledException", "RequestThrottledException", "TooManyRequestsException",
        "ProvisionedThroughputExceededException", "TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
        "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete", "EC2ThrottledException",
    };

    private static readonly HashSet<string> Denied = new(StringComparer.Ordinal)
    {
        "AccessDeniedException", "AccessDenied", "UnrecognizedClientException", "InvalidSignatureException", "SignatureDoesNotMatch",
        "IncompleteSignature", "MissingAuthenticationToken", "ExpiredTokenException", "ExpiredToken", "InvalidClientTokenId",
        "UnauthorizedOperation", "AuthFailure",
    };

    private static readonly HashSet<string> Missing = new(StringComparer.Ordinal)
    {
        "ClusterNotFoundException", "ServiceNotFoundException", "ResourceNotFoundException", "TaskSetNotFoundException", "ServiceNotActiveException",
    };

    private readonly Func<double> _random = random ?? Random.Shared.NextDouble;

    public AwsService Service => service;

    public async Task<TResponse> CallAsync<TRequest, TResponse>(string operation, TRequest request, JsonTypeInfo<TRequest> requestType,
        JsonTypeInfo<TResponse> responseType, string what, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(request, requestType);
        var text = await SendAsync(operation, body, what, cancellationToken).ConfigureAwait(false);
        try
        {
            return JsonSerializer.Deserialize(text, responseType)
                ?? throw new ProviderException(ProviderErrorKind.Failed, $"{service.DisplayName} {operation} for {what} returned an empty body");
        }
        catch (JsonException ex)
        {
            throw new ProviderException(ProviderErrorKind.Failed, $"{service.DisplayName} {operation} for {what} returned a body that is not its response shape: {ex.Message}", ex);
        }
    }

    /// <summary>Sends one operation with a JSON body and returns the response body; retries what AWS says is worth retrying.</summary>
    public async Task<string> SendAsync(string operation, byte[] body, string what, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await AttemptAsync(operation, body, what, cancellationToken).ConfigureAwait(false);
            }
            catch (ProviderException ex) when (ex.Data["retry"] is true && attempt < retry.MaxAttempts)
            {
                // Throttled, a 5xx, no answer or no connection: worth another attempt after the backoff.
            }

            // Full jitter (AWS's recommended backoff): a random wait up to base·2^(attempt-1), capped.
            var ceiling = Math.Min(retry.MaxDelay.TotalMilliseconds, retry.BaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1));
            var delay = TimeSpan.FromMilliseconds(ceiling * _random());
            await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<string> AttemptAsync(string operation, byte[] body, string what, CancellationToken cancellationToken)
    {
        var keys = await credentials(cancellationToken).ConfigureAwait(false);
        using var timeout = new CancellationTokenSource(retry.AttemptTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(service.Endpoint, "/"));
        message.Headers.TryAddWithoutValidation("X-Amz-Target", $"{service.TargetPrefix}.{operation}");
        message.Content = new ByteArrayContent(body);
        message.Content.Headers.ContentType = new MediaTypeHeaderValue(ContentType);
        await SigV4.SignAsync(message, keys, service.Region, service.SigningName, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);

        HttpResponseMessage response;
        string text;
        try
        {
            response = await http.SendAsync(message, HttpCompletionOption.ResponseContentRead, linked.Token).ConfigureAwait(false);
            text = await response.Content.ReadAsStringAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw Retryable(new ProviderException(ProviderErrorKind.Unavailable,
                $"{service.DisplayName} {operation} for {what}: no answer from {service.Endpoint} within {retry.AttemptTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s"));
        }
        catch (HttpRequestException ex)
        {
            throw Retryable(new ProviderException(ProviderErrorKind.Unavailable,
                $"{service.DisplayName} {operation} for {what}: cannot reach {service.Endpoint}: {ex.Message}", ex));
        }

        using (response)
        {
            if (response.IsSuccessStatusCode)
            {
                return text;
            }

            throw Error(operation, what, response.StatusCode, text);
        }
    }

    /// <summary>An AWS error response as a failure that names the operation, the object, AWS's error code and its message.</summary>
    internal ProviderException Error(string operation, string what, HttpStatusCode status, string body)
    {
        AwsErrorBody? error = null;
        try
        {
            error = body.Length > 0 ? JsonSerializer.Deserialize(body, AwsJson.Default.AwsErrorBody) : null;
        }
        catch (JsonException)
        {
            // Not JSON (a proxy's HTML page): the status and the text say enough.
        }

        var code = ErrorCode(error?.Type) ?? $"HTTP {(int)status}";
        var detail = error?.Message ?? error?.UpperMessage ?? (error is null && body.Length > 0 ? Truncate(body) : null);
        var kind = Throttling.Contains(code) || status == HttpStatusCode.TooManyRequests || (int)status >= 500 ? ProviderErrorKind.Unavailable
            : Denied.Contains(code) || status is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized ? ProviderErrorKind.Forbidden
            : Missing.Contains(code) || status == HttpStatusCode.NotFound ? ProviderErrorKind.NotFound
            : code is "UpdateInProgressException" or "ConflictException" or "ResourceInUseException" ? ProviderErrorKind.Conflict
            : ProviderErrorKind.Failed;
        var hint = kind == ProviderErrorKind.Forbidden ? " (check the credentials: the 'profile' setting, AWS_PROFILE or the AWS_* variables, and the IAM policy)" : string.Empty;
        var verdict = kind switch
        {
            ProviderErrorKind.Forbidden => "forbidden: ",
            ProviderErrorKind.NotFound => "not found: ",
            ProviderErrorKind.Unavailable => "unavailable: ",
            _ => string.Empty,
        };
        var exception = new ProviderException(kind, $"{service.DisplayName} {operation} for {what} failed: {verdict}{code}{(detail is null ? string.Empty : ": " + detail)}{hint}");
        return kind == ProviderErrorKind.Unavailable ? Retryable(exception) : exception;
    }

    /// <summary>"com.amazonaws.ecs#ClusterNotFoundException:http://…" → "ClusterNotFoundException".</summary>
    internal static string? ErrorCode(string? type)
    {
        if (string.IsNullOrEmpty(type))
        {
            return null;
        }

        var hash = type.LastIndexOf('#');
        var code = hash >= 0 ? type[(hash + 1)..] : type;
        var colon = code.IndexOf(':', StringComparison.Ordinal);
        return colon >= 0 ? code[..colon] : code;
    }

    private static ProviderException Retryable(ProviderException exception)
    {
        exception.Data["retry"] = true;
        return exception;
    }

    private static string Truncate(string text)
    {
        var flat = new StringBuilder(text.Length);
        foreach (var c in text.Take(200))
        {
            flat.Append(char.IsControl(c) ? ' ' : c);
        }

        return flat.ToString().Trim();
    }
}
