using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Runbook.Language.Model;

namespace Runbook.Execution.Actions.Http;

/// <summary>One HTTP request as http.request and http.check make it, and the response as step outputs.</summary>
internal static class HttpExchange
{
    private const int BodyLimit = 1024 * 1024;

    public static async Task<(HttpResponseMessage? Response, Dictionary<string, object?> Outputs, string? Error)> SendAsync(
        StepInvocation invocation, TimeSpan defaultTimeout, CancellationToken cancellationToken)
    {
        var url = invocation.GetString("url");
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            return (null, [], $"'{url}' is not an absolute http(s) URL");
        }

        using var request = new HttpRequestMessage(new HttpMethod((invocation.GetString("method") ?? "GET").ToUpperInvariant()), uri);
        if (invocation.Get("headers") is IReadOnlyDictionary<string, object?> headers)
        {
            foreach (var (name, value) in headers)
            {
                request.Headers.TryAddWithoutValidation(name, Values.ToText(value));
            }
        }

        if (invocation.Arguments.TryGetValue("json", out var json) && json is not null)
        {
            request.Content = new StringContent(Values.ToJson(json), Encoding.UTF8, "application/json");
        }
        else if (invocation.GetString("body") is { } body)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
        }

        var timeout = Duration.TryParse(invocation.GetString("timeout") ?? string.Empty, out var t) ? t.Value : defaultTimeout;
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            var response = await invocation.Context.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, limit.Token).ConfigureAwait(false);
            var text = await ReadBoundedAsync(response, limit.Token).ConfigureAwait(false);
            return (response, Outputs(response, text), null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, [], $"{request.Method} {uri} did not answer within {timeout.TotalSeconds:0.#}s");
        }
        catch (HttpRequestException ex)
        {
            return (null, [], $"{request.Method} {uri} failed: {ex.Message}");
        }
    }

    /// <summary>The statuses a step accepts: expect_status as a number or a list (default 200); the executor has checked the type.</summary>
    public static IReadOnlyList<long> ExpectedStatuses(StepInvocation invocation, long fallback) => invocation.Get("expect_status") switch
    {
        null => [fallback],
        string one => [Status(one)],
        IEnumerable<object?> list => [.. list.Select(Status)],
        var one => [Status(one)],
    };

    private static long Status(object? value) => Runbook.Language.Actions.ArgumentTypes.StatusCode(value)
        ?? throw new ArgumentException($"expect_status: '{Values.ToText(value)}' is not an HTTP status code (100-599)");

    /// <summary>4xx other than 408 and 429 will not change by asking again.</summary>
    public static bool Retryable(int status) => status is >= 500 or 408 or 429;

    private static Dictionary<string, object?> Outputs(HttpResponseMessage response, string body)
    {
        var headers = response.Headers.Concat(response.Content.Headers)
            .ToDictionary(h => h.Key.ToLowerInvariant(), h => (object?)string.Join(", ", h.Value), StringComparer.Ordinal);
        var outputs = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["status"] = (long)(int)response.StatusCode,
            ["headers"] = headers as IReadOnlyDictionary<string, object?>,
            ["body"] = body,
        };
        if (IsJson(response.Content.Headers.ContentType) || body.TrimStart().StartsWith('{') || body.TrimStart().StartsWith('['))
        {
            try
            {
                using var doc = JsonDocument.Parse(body);
                outputs["json"] = Values.FromJson(doc.RootElement);
            }
            catch (JsonException)
            {
            }
        }

        return outputs;
    }

    private static bool IsJson(MediaTypeHeaderValue? type) => type?.MediaType?.Contains("json", StringComparison.OrdinalIgnoreCase) == true;

    private static async Task<string> ReadBoundedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var buffer = new byte[BodyLimit];
        var read = 0;
        int n;
        while (read < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken).ConfigureAwait(false)) > 0)
        {
            read += n;
        }

        return Encoding.UTF8.GetString(buffer, 0, read);
    }
}
