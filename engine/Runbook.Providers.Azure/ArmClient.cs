using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using Runbook.Execution.Providers;

namespace Runbook.Providers.Azure;

/// <summary>One answer from ARM: status, body and the headers the verbs read.</summary>
internal sealed record ArmAnswer(int Status, BinaryData Body, string? AsyncOperation, string? Location, TimeSpan? RetryAfter);

/// <summary>
/// Azure Resource Manager for the Microsoft.App resources of one subscription and resource group, through the Azure.Core
/// pipeline: URLs with the api-version, JSON through source-generated contracts, ARM's errors turned into
/// <see cref="ProviderException"/>s that keep ARM's code and message, and long-running operations followed as ARM's
/// RPC says (<c>Azure-AsyncOperation</c> first, else <c>Location</c>), waiting as <c>Retry-After</c> asks.
/// </summary>
internal sealed class ArmClient(HttpPipeline pipeline, ArmTarget target, TimeProvider time, TimeSpan pollInterval)
{
    /// <summary>The Microsoft.App api-version sent on every call: the one of the official definitions this provider is written against.</summary>
    public const string ApiVersion = "2026-01-01";

    /// <summary>How long a mutation follows its operation before giving up; ARM's own limits are longer, a runbook step should not hang.</summary>
    public static readonly TimeSpan OperationLimit = TimeSpan.FromMinutes(20);

    public ArmTarget Target => target;

    /// <summary>The path of a container app (and of what is under it): /subscriptions/…/containerApps/{app}{suffix}.</summary>
    public string AppPath(string app, string suffix = "") =>
        $"/subscriptions/{Uri.EscapeDataString(target.Subscription)}/resourceGroups/{Uri.EscapeDataString(target.ResourceGroup)}/providers/Microsoft.App/containerApps/{Uri.EscapeDataString(app)}{suffix}";

    public Uri Url(string path) => new(target.Endpoint, $"{path.TrimStart('/')}?api-version={ApiVersion}");

    public async Task<T> GetAsync<T>(string path, JsonTypeInfo<T> type, ArmScope scope, CancellationToken cancellationToken)
    {
        var response = await SendAsync(RequestMethod.Get, Url(path), null, scope, cancellationToken).ConfigureAwait(false);
        return Read(response, type, scope);
    }

    /// <summary>Every page of a collection, following ARM's <c>nextLink</c>.</summary>
    public async Task<List<TItem>> ListAsync<TPage, TItem>(string path, JsonTypeInfo<TPage> type, Func<TPage, (IReadOnlyList<TItem>? Items, string? Next)> page,
        ArmScope scope, CancellationToken cancellationToken)
    {
        var items = new List<TItem>();
        Uri? next = Url(path);
        for (var pages = 0; next is not null && pages < 1000; pages++)
        {
            var response = await SendAsync(RequestMethod.Get, next, null, scope, cancellationToken).ConfigureAwait(false);
            var (values, link) = page(Read(response, type, scope));
            items.AddRange(values ?? []);
            next = link is { Length: > 0 } ? SameArm(link, "nextLink", scope) : null;
        }

        return items;
    }

    /// <summary>Sends a write (PATCH, PUT, POST) and, when ARM answers that it goes on (201/202 with an operation header), follows it to its end.</summary>
    public async Task<ArmAnswer> WriteAsync(RequestMethod method, string path, byte[]? body, ArmScope scope, CancellationToken cancellationToken)
    {
        var response = await SendAsync(method, Url(path), body, scope, cancellationToken).ConfigureAwait(false);
        await FollowAsync(response, scope, cancellationToken).ConfigureAwait(false);
        return response;
    }

    /// <summary>
    /// Follows a long-running operation as ARM's RPC describes it: poll <c>Azure-AsyncOperation</c> until its status is
    /// terminal (Succeeded, Failed, Canceled), else poll <c>Location</c> until it stops answering 202; between polls wait
    /// what <c>Retry-After</c> says, else the poll interval. A Failed or Canceled operation is an error with ARM's words.
    /// </summary>
    public async Task FollowAsync(ArmAnswer started, ArmScope scope, CancellationToken cancellationToken)
    {
        if (started.Status is not (201 or 202) || (started.AsyncOperation is null && started.Location is null))
        {
            return;
        }

        var deadline = time.GetUtcNow() + OperationLimit;
        var last = started;
        while (true)
        {
            await Task.Delay(Delay(last.RetryAfter), time, cancellationToken).ConfigureAwait(false);
            if (started.AsyncOperation is { } operation)
            {
                last = await SendAsync(RequestMethod.Get, SameArm(operation, "Azure-AsyncOperation", scope), null, scope, cancellationToken).ConfigureAwait(false);
                var status = Read(last, ArmJson.Default.ArmOperationStatus, scope);
                switch (status.Status)
                {
                    case "Succeeded":
                        return;
                    case "Failed" or "Canceled" or "Cancelled":
                        throw new ProviderException(ProviderErrorKind.Failed,
                            $"ARM's operation on {scope.What} ended {status.Status}: {Words(status.Error) ?? "ARM gave no error"}");
                }
            }
            else
            {
                last = await SendAsync(RequestMethod.Get, SameArm(started.Location!, "Location", scope), null, scope, cancellationToken).ConfigureAwait(false);
                if (last.Status != 202)
                {
                    return;
                }
            }

            if (time.GetUtcNow() > deadline)
            {
                throw new ProviderException(ProviderErrorKind.Unavailable,
                    $"ARM's operation on {scope.What} was still running after {OperationLimit.TotalMinutes:0} minutes ({started.AsyncOperation ?? started.Location})");
            }
        }
    }

    /// <summary>How long to wait before the next poll: ARM's Retry-After (at most a minute), else the poll interval.</summary>
    private TimeSpan Delay(TimeSpan? retryAfter) =>
        retryAfter is { } asked && asked > TimeSpan.Zero ? (asked < TimeSpan.FromMinutes(1) ? asked : TimeSpan.FromMinutes(1)) : pollInterval;

    /// <summary>
    /// A URL that ARM handed back (nextLink, an operation header): followed only on ARM's own scheme and host, since the
    /// pipeline puts the bearer token on every request it sends.
    /// </summary>
    private Uri SameArm(string link, string header, ArmScope scope)
    {
        if (!Uri.TryCreate(link, UriKind.Absolute, out var uri)
            || !string.Equals(uri.GetLeftPart(UriPartial.Authority), target.Endpoint.GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase))
        {
            throw new ProviderException(ProviderErrorKind.Failed,
                $"ARM's answer for {scope.What} points its {header} at '{link}', not at {target.Endpoint.GetLeftPart(UriPartial.Authority)}: not followed, so the token is not sent elsewhere");
        }

        return uri;
    }

    public async Task<ArmAnswer> SendAsync(RequestMethod method, Uri url, byte[]? body, ArmScope scope, CancellationToken cancellationToken)
    {
        using var message = pipeline.CreateMessage();
        message.Request.Method = method;
        message.Request.Uri.Reset(url);
        message.Request.Headers.Add("Accept", "application/json");
        if (body is not null)
        {
            message.Request.Headers.Add("Content-Type", "application/json");
            message.Request.Content = RequestContent.Create(body);
        }

        try
        {
            await pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ProviderException(ProviderErrorKind.Unavailable,
                $"ARM at {target.Endpoint} did not answer {method} for {scope.What} in time, {ArmPipeline.MaxRetries + 1} attempts ({ex.Message}); check the network and the 'endpoint' and 'timeout' settings", ex);
        }
        catch (AuthenticationFailedException ex)
        {
            throw new ProviderException(ProviderErrorKind.Forbidden, $"no Azure token for {target.Scope} to reach {scope.What}: {ex.Message}", ex);
        }
        catch (RequestFailedException ex)
        {
            throw Unreachable(ex.Message, scope, ex);
        }
        catch (AggregateException ex) when (ex.InnerExceptions.All(e => e is RequestFailedException or OperationCanceledException or HttpRequestException))
        {
            // What Azure.Core's retry policy throws when every attempt failed without an answer: the last one says why.
            throw Unreachable(ex.InnerExceptions[^1].Message, scope, ex);
        }

        var response = message.Response;
        if (response.Status >= 400)
        {
            throw Error(response, Principal(message.Request), scope);
        }

        return new ArmAnswer(response.Status, BinaryData.FromBytes(response.Content.ToArray()),
            response.Headers.TryGetValue("Azure-AsyncOperation", out var operation) ? operation : null,
            response.Headers.TryGetValue("Location", out var location) ? location : null,
            RetryAfter(response));
    }

    private ProviderException Unreachable(string why, ArmScope scope, Exception inner) =>
        new(ProviderErrorKind.Unavailable,
            $"cannot reach ARM at {target.Endpoint} for {scope.What} after {ArmPipeline.MaxRetries + 1} attempts: {why}; check the network and the 'endpoint' setting", inner);

    private static T Read<T>(ArmAnswer response, JsonTypeInfo<T> type, ArmScope scope)
    {
        try
        {
            return JsonSerializer.Deserialize(response.Body.ToMemory().Span, type)
                ?? throw new ProviderException(ProviderErrorKind.Failed, $"ARM answered for {scope.What} with an empty body");
        }
        catch (JsonException ex)
        {
            throw new ProviderException(ProviderErrorKind.Failed, $"ARM's answer for {scope.What} is not the Microsoft.App {ApiVersion} shape: {ex.Message}", ex);
        }
    }

    /// <summary>ARM's error, in ARM's words, with what the status means for the runbook (not found, denied, busy).</summary>
    internal static ProviderException Error(Response response, string? principal, ArmScope scope)
    {
        ArmError? error = null;
        try
        {
            error = JsonSerializer.Deserialize(response.Content.ToMemory().Span, ArmJson.Default.ArmErrorResponse)?.Error;
        }
        catch (JsonException)
        {
            // Not ARM's envelope (a proxy's page): the status and reason below still say what happened.
        }

        var words = Words(error) ?? $"{response.Status} {response.ReasonPhrase}".TrimEnd();
        return response.Status switch
        {
            401 => new ProviderException(ProviderErrorKind.Forbidden,
                $"ARM did not accept the token of {principal ?? "the credential"} for {scope.What} (401 unauthorized, forbidden): {words}; check the credential and that the 'audience' matches the 'endpoint'"),
            403 => new ProviderException(ProviderErrorKind.Forbidden,
                $"{scope.Verb} of {scope.What} is forbidden for {principal ?? "the credential's principal"} at scope {scope.Resource}: {words}; grant a role with this action on that scope (e.g. Contributor on the app or its group)"),
            404 => new ProviderException(ProviderErrorKind.NotFound,
                $"{scope.What} not found (404): {words}; check the 'resource_group' and 'subscription' settings and the services mapping in runbook.yaml"),
            409 => new ProviderException(ProviderErrorKind.Conflict,
                $"ARM refused {scope.Verb} of {scope.What} with 409 Conflict after {ArmPipeline.MaxRetries + 1} attempts: {words}"),
            429 or 408 or >= 500 => new ProviderException(ProviderErrorKind.Unavailable,
                $"ARM was busy or failing for {scope.Verb} of {scope.What} ({response.Status}) after {ArmPipeline.MaxRetries + 1} attempts: {words}"),
            _ => new ProviderException(ProviderErrorKind.Failed, $"ARM refused {scope.Verb} of {scope.What} ({response.Status}): {words}"),
        };
    }

    /// <summary>"Code: message" of an ARM error, with its details' codes and messages.</summary>
    internal static string? Words(ArmError? error)
    {
        if (error is null || (error.Code is null && error.Message is null))
        {
            return null;
        }

        var text = new StringBuilder();
        text.Append(error.Code ?? "Error").Append(": ").Append(error.Message ?? "(no message)");
        foreach (var detail in error.Details ?? [])
        {
            if (Words(detail) is { } more)
            {
                text.Append("; ").Append(more);
            }
        }

        return text.ToString();
    }

    private static TimeSpan? RetryAfter(Response response)
    {
        if (response.Headers.TryGetValue("retry-after-ms", out var ms) && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out var millis))
        {
            return TimeSpan.FromMilliseconds(millis);
        }

        if (!response.Headers.TryGetValue("Retry-After", out var value))
        {
            return null;
        }

        return int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds) ? TimeSpan.FromSeconds(Math.Max(0, seconds)) : null;
    }

    /// <summary>
    /// Who the token speaks for, read from its claims (a JWT's upn, unique_name or appid, with its oid) so a 401 or 403
    /// names the principal even when ARM's message does not; null for a token that is not a JWT.
    /// </summary>
    internal static string? Principal(Request request)
    {
        if (!request.Headers.TryGetValue("Authorization", out var header) || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var parts = header[7..].Split('.');
        if (parts.Length != 3)
        {
            return null;
        }

        try
        {
            var payload = parts[1].Replace('-', '+').Replace('_', '/');
            payload = payload.PadRight(payload.Length + ((4 - (payload.Length % 4)) % 4), '=');
            using var claims = JsonDocument.Parse(Convert.FromBase64String(payload));
            string? Claim(string name) =>
                claims.RootElement.ValueKind == JsonValueKind.Object && claims.RootElement.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
                    ? v.GetString() : null;
            var who = Claim("upn") ?? Claim("unique_name") ?? Claim("appid") ?? Claim("azp") ?? Claim("sub");
            var oid = Claim("oid");
            return who is null ? oid is null ? null : $"object id '{oid}'" : oid is null ? $"'{who}'" : $"'{who}' (object id '{oid}')";
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            return null;
        }
    }
}

/// <summary>What a call is about, for its errors: the verb in az's words, the resource's words and its ARM id.</summary>
internal sealed record ArmScope(string Verb, string What, string Resource);
