using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Runbook.Execution.Providers;

namespace Runbook.Providers.Gcp;

/// <summary>How often and how long a call is tried: attempts, the backoff's base and cap (full jitter), and each attempt's timeout.</summary>
internal sealed record RetryPolicy(int MaxAttempts, TimeSpan BaseDelay, TimeSpan MaxDelay, TimeSpan AttemptTimeout)
{
    /// <summary>4 attempts from 250 ms, capped at 10 s (Google's client libraries cap at 10 s too); a runbook step has its own retries on top.</summary>
    public static RetryPolicy Standard { get; } = new(4, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30));
}

/// <summary>One REST call, for messages: the API method ("Cloud Run services.patch"), the object, and the IAM permission it needs.</summary>
internal sealed record GoogleCall(string Method, string What, string Permission);

/// <summary>
/// Google's JSON REST APIs as their client libraries speak them: a bearer token from the credentials, JSON bodies,
/// <c>{"error": {"code", "message", "status", "details"}}</c> on failure. 429 RESOURCE_EXHAUSTED, 502, 503 UNAVAILABLE,
/// 504, no answer within the attempt's timeout and no connection are retried with exponential backoff and full jitter
/// (at least what a Retry-After header asks for); every other error becomes a <see cref="ProviderException"/> that keeps
/// Google's status, message and details, and whose kind says whether the step's retry policy may try again.
/// </summary>
internal sealed class GoogleRestClient(HttpClient http, IAccessTokenSource tokens, TimeProvider time, RetryPolicy retry, Func<double>? random = null)
{
    private readonly Func<double> _random = random ?? Random.Shared.NextDouble;

    public async Task<TResponse> SendAsync<TResponse>(HttpMethod method, Uri uri, byte[]? body, JsonTypeInfo<TResponse> responseType, GoogleCall call,
        CancellationToken cancellationToken)
    {
        var text = await SendAsync(method, uri, body, call, cancellationToken).ConfigureAwait(false);
        try
        {
            return JsonSerializer.Deserialize(text, responseType)
                ?? throw new ProviderException(ProviderErrorKind.Failed, $"{call.Method} of {call.What} returned an empty body");
        }
        catch (JsonException ex)
        {
            throw new ProviderException(ProviderErrorKind.Failed, $"{call.Method} of {call.What} returned a body that is not its response shape: {ex.Message}", ex);
        }
    }

    /// <summary>Sends one request and returns the response body; retries what Google says is worth retrying.</summary>
    public async Task<string> SendAsync(HttpMethod method, Uri uri, byte[]? body, GoogleCall call, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            TimeSpan? after;
            try
            {
                return await AttemptAsync(method, uri, body, call, cancellationToken).ConfigureAwait(false);
            }
            catch (ProviderException ex) when (ex.Data["retry"] is true && attempt < retry.MaxAttempts)
            {
                after = ex.Data["retry-after"] as TimeSpan?;
            }

            // Full jitter: a random wait up to base·2^(attempt-1), capped; never sooner than the server's Retry-After.
            var ceiling = Math.Min(retry.MaxDelay.TotalMilliseconds, retry.BaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1));
            var delay = TimeSpan.FromMilliseconds(ceiling * _random());
            if (after is { } wanted && wanted > delay)
            {
                delay = wanted < retry.MaxDelay ? wanted : retry.MaxDelay;
            }

            await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<string> AttemptAsync(HttpMethod method, Uri uri, byte[]? body, GoogleCall call, CancellationToken cancellationToken)
    {
        var token = await tokens.GetTokenAsync(cancellationToken).ConfigureAwait(false);
        using var timeout = new CancellationTokenSource(retry.AttemptTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        using var message = new HttpRequestMessage(method, uri);
        message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (body is not null)
        {
            message.Content = new ByteArrayContent(body);
            message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        }

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
                $"{call.Method} of {call.What}: no answer from {uri.GetLeftPart(UriPartial.Authority)} within {retry.AttemptTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s (the 'timeout' setting)"));
        }
        catch (HttpRequestException ex)
        {
            throw Retryable(new ProviderException(ProviderErrorKind.Unavailable,
                $"{call.Method} of {call.What}: cannot reach {uri.GetLeftPart(UriPartial.Authority)}: {ex.Message} (check the 'endpoint' setting and the network)", ex));
        }

        using (response)
        {
            if (response.IsSuccessStatusCode)
            {
                return text;
            }

            var error = Error(call, response.StatusCode, text);
            if (error.Data["retry"] is true && response.Headers.RetryAfter is { } retryAfter)
            {
                error.Data["retry-after"] = retryAfter.Delta ?? (retryAfter.Date is { } date ? date - time.GetUtcNow() : null);
            }

            throw error;
        }
    }

    /// <summary>A Google error response as a failure naming the method, the object, Google's status, message and details.</summary>
    internal static ProviderException Error(GoogleCall call, HttpStatusCode status, string body)
    {
        GoogleError? error = null;
        try
        {
            error = body.Length > 0 ? JsonSerializer.Deserialize(body, GcpJson.Default.GoogleErrorBody)?.Error : null;
        }
        catch (JsonException)
        {
            // Not Google's error shape (a proxy's HTML page): the HTTP status and the text say enough.
        }

        var code = (int)status;
        var googleStatus = error?.Status ?? StatusName(code);
        var kind = code is 429 or 502 or 503 or 504 ? ProviderErrorKind.Unavailable
            : code is 401 or 403 ? ProviderErrorKind.Forbidden
            : code == 404 ? ProviderErrorKind.NotFound
            : code == 409 ? ProviderErrorKind.Conflict
            : ProviderErrorKind.Failed;
        var text = new StringBuilder($"{call.Method} of {call.What} failed: ");
        text.Append(kind switch
        {
            ProviderErrorKind.Forbidden => "forbidden: ",
            ProviderErrorKind.NotFound => "not found: ",
            ProviderErrorKind.Unavailable => "unavailable: ",
            _ => string.Empty,
        });
        text.Append(googleStatus).Append(" (HTTP ").Append(code.ToString(CultureInfo.InvariantCulture)).Append(')');
        var detail = error?.Message ?? (error is null && body.Length > 0 ? Flatten(body, 300) : null);
        if (detail is not null)
        {
            text.Append(": ").Append(detail);
        }

        if (Details(error?.Details) is { Length: > 0 } details)
        {
            text.Append(" [").Append(details).Append(']');
        }

        text.Append(kind switch
        {
            ProviderErrorKind.Forbidden when code == 401 =>
                "; the credentials were refused: run 'gcloud auth application-default login' or check GOOGLE_APPLICATION_CREDENTIALS",
            ProviderErrorKind.Forbidden when detail?.Contains(call.Permission, StringComparison.Ordinal) != true =>
                $"; this call needs the IAM permission '{call.Permission}' on {call.What}",
            ProviderErrorKind.Forbidden => $"; grant '{call.Permission}' (e.g. roles/run.developer) to the credentials' principal",
            ProviderErrorKind.NotFound => "; check the 'project' and 'region' settings and the services mapping in runbook.yaml",
            _ => string.Empty,
        });
        var exception = new ProviderException(kind, text.ToString());
        exception.Data["status"] = googleStatus;
        return kind == ProviderErrorKind.Unavailable ? Retryable(exception) : exception;
    }

    /// <summary>A google.rpc.Status of a finished operation, in Google's words: "FAILED_PRECONDITION: Revision … is not ready …".</summary>
    internal static string Describe(GoogleRpcStatus status)
    {
        var text = $"{(status.Code is { } code ? CodeName(code) : "UNKNOWN")}: {status.Message ?? "(no message)"}";
        return Details(status.Details) is { Length: > 0 } details ? $"{text} [{details}]" : text;
    }

    /// <summary>
    /// The details Google attached (ErrorInfo with its reason and metadata, BadRequest field violations …), shortened to
    /// their type's last name and their fields, so that the permission, the quota or the field Google names is in the message.
    /// </summary>
    private static string? Details(IReadOnlyList<JsonObject>? details)
    {
        if (details is not { Count: > 0 })
        {
            return null;
        }

        return string.Join("; ", details.Select(d =>
        {
            var copy = d.DeepClone().AsObject();
            var type = copy["@type"]?.GetValue<string>() is { } t ? t[(t.LastIndexOf('.') + 1)..] : "detail";
            copy.Remove("@type");
            return $"{type} {Flatten(copy.ToJsonString(), 400)}";
        }));
    }

    /// <summary>The canonical google.rpc.Code names, for operations' errors (which carry only the number).</summary>
    internal static string CodeName(int code) => code switch
    {
        0 => "OK",
        1 => "CANCELLED",
        2 => "UNKNOWN",
        3 => "INVALID_ARGUMENT",
        4 => "DEADLINE_EXCEEDED",
        5 => "NOT_FOUND",
        6 => "ALREADY_EXISTS",
        7 => "PERMISSION_DENIED",
        8 => "RESOURCE_EXHAUSTED",
        9 => "FAILED_PRECONDITION",
        10 => "ABORTED",
        11 => "OUT_OF_RANGE",
        12 => "UNIMPLEMENTED",
        13 => "INTERNAL",
        14 => "UNAVAILABLE",
        15 => "DATA_LOSS",
        16 => "UNAUTHENTICATED",
        _ => $"code {code.ToString(CultureInfo.InvariantCulture)}",
    };

    /// <summary>The status Google's HTTP mapping gives a code when the body names none.</summary>
    private static string StatusName(int httpStatus) => httpStatus switch
    {
        400 => "INVALID_ARGUMENT",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        409 => "ABORTED",
        429 => "RESOURCE_EXHAUSTED",
        499 => "CANCELLED",
        501 => "UNIMPLEMENTED",
        503 => "UNAVAILABLE",
        504 => "DEADLINE_EXCEEDED",
        _ => httpStatus >= 500 ? "INTERNAL" : "FAILED_PRECONDITION",
    };

    private static ProviderException Retryable(ProviderException exception)
    {
        exception.Data["retry"] = true;
        return exception;
    }

    /// <summary>Text from the wire on one line, control characters as spaces, at most <paramref name="max"/> characters.</summary>
    private static string Flatten(string text, int max)
    {
        var flat = new StringBuilder(Math.Min(text.Length, max));
        foreach (var c in text.Take(max))
        {
            flat.Append(char.IsControl(c) ? ' ' : c);
        }

        return (text.Length > max ? flat.Append('…') : flat).ToString().Trim();
    }
}
