using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Runbook.Language.Model;

namespace Runbook.Execution.Actions.Prometheus;

/// <summary>
/// One call to the Prometheus or Alertmanager HTTP API as the metrics actions make it: the base URL from
/// <c>url</c>, bearer or basic auth from <c>token</c> or <c>username</c>/<c>password</c>, a timeout, and every
/// failure as one line naming the action, the server (without credentials) and the fix.
/// </summary>
internal sealed class MetricsApi
{
    private const int BodyLimit = 16 * 1024 * 1024;

    private readonly StepInvocation _invocation;
    private readonly Uri _base;
    private readonly TimeSpan _timeout;

    private MetricsApi(StepInvocation invocation, Uri baseUri, TimeSpan timeout)
    {
        _invocation = invocation;
        _base = baseUri;
        _timeout = timeout;
    }

    /// <summary>The server as messages name it: scheme, host, port and path, never the user or password of the URL.</summary>
    public string Target => new UriBuilder(_base) { UserName = string.Empty, Password = string.Empty }.Uri.GetLeftPart(UriPartial.Path).TrimEnd('/');

    /// <summary>The API for the step's url:, or the reason it is not a usable URL.</summary>
    public static MetricsApi? For(StepInvocation invocation, out string? error)
    {
        var url = invocation.GetString("url") ?? string.Empty;
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            // The text may hold credentials: say what is wrong without echoing it.
            error = $"{invocation.ActionName}: 'url' is not an absolute http(s) URL; give the server's base URL, such as http://prometheus:9090";
            return null;
        }

        var timeout = Duration.TryParse(invocation.GetString("timeout") ?? string.Empty, out var t) ? t.Value : TimeSpan.FromSeconds(30);
        error = null;
        return new MetricsApi(invocation, uri, timeout);
    }

    /// <summary>GET a path under the base URL with query parameters (each escaped as data).</summary>
    public Task<ApiResponse> GetAsync(string path, IEnumerable<KeyValuePair<string, string>> query, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, path, query, null, cancellationToken);

    public Task<ApiResponse> SendAsync(HttpMethod method, string path, IEnumerable<KeyValuePair<string, string>> query, string? jsonBody, CancellationToken cancellationToken) =>
        SendCoreAsync(method, path, query, jsonBody, cancellationToken);

    private async Task<ApiResponse> SendCoreAsync(HttpMethod method, string path, IEnumerable<KeyValuePair<string, string>> query, string? jsonBody, CancellationToken cancellationToken)
    {
        var builder = new UriBuilder(_base) { UserName = string.Empty, Password = string.Empty };
        builder.Path = builder.Path.TrimEnd('/') + path;
        builder.Query = string.Join('&', query.Select(q => $"{Uri.EscapeDataString(q.Key)}={Uri.EscapeDataString(q.Value)}"));
        using var request = new HttpRequestMessage(method, builder.Uri);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (Authorization() is { } authorization)
        {
            request.Headers.Authorization = authorization;
        }

        if (jsonBody is not null)
        {
            request.Content = new StringContent(jsonBody, Encoding.UTF8, "application/json");
        }

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(_timeout);
        try
        {
            using var response = await _invocation.Context.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, limit.Token).ConfigureAwait(false);
            var body = await ReadBoundedAsync(response, limit.Token).ConfigureAwait(false);
            return new ApiResponse(response.StatusCode, body, Problem(response.StatusCode, body));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new ApiResponse(0, string.Empty, $"{_invocation.ActionName}: {Target} did not answer within {_timeout.TotalSeconds:0.#}s; check that it is up, or raise 'timeout'");
        }
        catch (HttpRequestException ex)
        {
            // The library's message names host and port at most; the URL's credentials are not in the request.
            return new ApiResponse(0, string.Empty, $"{_invocation.ActionName}: cannot reach {Target}: {ex.Message.TrimEnd('.')}; check the url and that the server is up");
        }
    }

    private AuthenticationHeaderValue? Authorization()
    {
        if (_invocation.GetString("token") is { Length: > 0 } token)
        {
            return new AuthenticationHeaderValue("Bearer", token.Trim());
        }

        var user = _invocation.GetString("username");
        var password = _invocation.GetString("password");
        if (user is null && password is null && _base.UserInfo.Length > 0)
        {
            var parts = _base.UserInfo.Split(':', 2);
            user = Uri.UnescapeDataString(parts[0]);
            password = parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : string.Empty;
        }

        return user is null && password is null ? null
            : new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
    }

    /// <summary>What a non-2xx answer means, in the server's own words where it gives them; null for success.</summary>
    private string? Problem(HttpStatusCode status, string body)
    {
        var code = (int)status;
        if (code is >= 200 and < 300)
        {
            return null;
        }

        var action = _invocation.ActionName;
        if (status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            return $"{action}: {Target} refused the credentials (HTTP {code}); check the token, or the username and password";
        }

        var said = Scrub(ServerError(body));
        return status == HttpStatusCode.BadRequest || status == HttpStatusCode.UnprocessableEntity
            ? $"{action}: {Target} rejected the request (HTTP {code}): {said}"
            : $"{action}: {Target} answered HTTP {code}{(said.Length > 0 ? ": " + said : string.Empty)}";
    }

    /// <summary>
    /// The server's text without the credentials this request sent: a proxy or server that echoes the request (its
    /// Authorization header, the token) must not put them into the step's error, the journal or the terminal.
    /// </summary>
    private string Scrub(string text)
    {
        var secrets = new List<string>();
        if (_invocation.GetString("token") is { Length: > 0 } token)
        {
            secrets.Add(token.Trim());
        }

        if (_invocation.GetString("password") is { Length: > 0 } password)
        {
            secrets.Add(password);
        }

        if (Authorization() is { Parameter: { Length: > 0 } parameter })
        {
            secrets.Add(parameter);
        }

        if (_base.UserInfo.Length > 0)
        {
            secrets.Add(_base.UserInfo);
            secrets.AddRange(_base.UserInfo.Split(':', 2).Skip(1).Select(Uri.UnescapeDataString).Where(p => p.Length > 0));
        }

        foreach (var secret in secrets.OrderByDescending(s => s.Length))
        {
            text = text.Replace(secret, "***", StringComparison.Ordinal);
        }

        return text;
    }

    /// <summary>Prometheus says {"status":"error","error":"…"}; Alertmanager a JSON string or plain text.</summary>
    private static string ServerError(string body)
    {
        var text = body.Trim();
        try
        {
            using var doc = JsonDocument.Parse(text);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("error", out var error))
            {
                text = error.ToString();
            }
            else if (doc.RootElement.ValueKind == JsonValueKind.String)
            {
                text = doc.RootElement.GetString() ?? string.Empty;
            }
            else if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("message", out var message))
            {
                text = message.ToString();
            }
        }
        catch (JsonException)
        {
        }

        text = text.ReplaceLineEndings(" ");
        return text.Length > 500 ? text[..500] + "…" : text;
    }

    private static async Task<string> ReadBoundedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var memory = new MemoryStream();
        var buffer = new byte[81920];
        int n;
        while ((n = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (memory.Length + n > BodyLimit)
            {
                throw new HttpRequestException($"the answer is larger than {BodyLimit / (1024 * 1024)} MiB; narrow the query");
            }

            memory.Write(buffer, 0, n);
        }

        return Encoding.UTF8.GetString(memory.GetBuffer(), 0, (int)memory.Length);
    }

    /// <summary>A Prometheus sample value ("0.5", "NaN", "+Inf") as a double.</summary>
    public static double Sample(string text) => text switch
    {
        "NaN" => double.NaN,
        "+Inf" or "Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    /// <summary>A number as an output: finite values as numbers; NaN and the infinities have no JSON number, so null (value_text keeps them).</summary>
    public static object? Output(double value) => double.IsFinite(value) ? value : null;
}

/// <param name="Problem">Null on a 2xx answer; otherwise the one-line failure.</param>
internal sealed record ApiResponse(HttpStatusCode Status, string Body, string? Problem);
