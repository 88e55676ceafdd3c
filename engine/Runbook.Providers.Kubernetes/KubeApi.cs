using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Exceptions;
using Runbook.Execution.Providers;

namespace Runbook.Providers.Kubernetes;

/// <summary>
/// Calls to one cluster, opened on first use (a playbook that never touches Kubernetes never needs a kubeconfig).
/// Every failure becomes a <see cref="ProviderException"/> that names the object, the verb and what to check:
/// the API server's Status message for a 403 (it names verb, resource and namespace), the object for a 404.
/// </summary>
internal sealed class KubeApi(ProviderSettings settings) : IDisposable
{
    private readonly Lazy<ClusterConnection> _connection = new(() => ClusterConnection.Open(settings));

    public string Namespace => _connection.Value.Namespace;

    private ClusterConnection Connection => _connection.Value;

    /// <summary>A typed call; <paramref name="what"/> names the object for messages ("deployment 'web'").</summary>
    public async Task<T> CallAsync<T>(string what, Func<k8s.Kubernetes, string, Task<T>> call, CancellationToken cancellationToken)
    {
        var connection = Connection;
        try
        {
            return await call(connection.Client, connection.Namespace).ConfigureAwait(false);
        }
        catch (Exception ex) when (Translate(ex, what, connection, cancellationToken) is { } translated)
        {
            throw translated;
        }
    }

    /// <summary>A GET of any path (relative to the server), as JSON; for kinds the typed client has no shortcut for.</summary>
    public async Task<JsonDocument> GetJsonAsync(string path, string what, CancellationToken cancellationToken)
    {
        var connection = Connection;
        try
        {
            using var response = await SendAsync(connection, path, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
            return await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false),
                cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (Translate(ex, what, connection, cancellationToken) is { } translated)
        {
            throw translated;
        }
    }

    /// <summary>
    /// Watches <paramref name="path"/> (a list path with its selectors) from <paramref name="resourceVersion"/> and
    /// returns at the first event, or after <paramref name="atMost"/>. The typed client has no watch in its
    /// native-binary variant, so this reads the stream of newline-separated watch events itself.
    /// </summary>
    public async Task WatchNextAsync(string path, string? resourceVersion, TimeSpan atMost, string what, CancellationToken cancellationToken)
    {
        var connection = Connection;
        var seconds = Math.Max(1, (int)Math.Ceiling(atMost.TotalSeconds));
        var query = $"{path}{(path.Contains('?', StringComparison.Ordinal) ? '&' : '?')}watch=true&timeoutSeconds={seconds}"
            + (resourceVersion is null ? string.Empty : $"&resourceVersion={Uri.EscapeDataString(resourceVersion)}");
        using var window = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        window.CancelAfter(atMost + TimeSpan.FromSeconds(1));
        try
        {
            using var response = await SendAsync(connection, query, HttpCompletionOption.ResponseHeadersRead, window.Token).ConfigureAwait(false);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(window.Token).ConfigureAwait(false));
            // Any event (ADDED, MODIFIED, DELETED, or an ERROR such as 410 Gone) means: read the object again.
            await reader.ReadLineAsync(window.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Nothing changed within the window.
        }
        catch (Exception ex) when (Translate(ex, what, connection, cancellationToken) is { } translated)
        {
            throw translated;
        }
    }

    /// <summary>
    /// A write (or read) of any path with a JSON body, answered with the status and the body as they came: the
    /// caller reads a 409 or 422 itself (a server-side apply conflict, a failed JSON-patch test), and hands any other
    /// failure to <see cref="Failure"/>. Only a server that cannot be reached or a refused login throws here.
    /// </summary>
    public async Task<(HttpStatusCode Status, string Body)> SendRawAsync(HttpMethod method, string path, string? contentType, string? body, string what,
        CancellationToken cancellationToken)
    {
        var connection = Connection;
        try
        {
            using var response = await SendAsync(connection, path, HttpCompletionOption.ResponseContentRead, cancellationToken, method, contentType, body, throwOnError: false)
                .ConfigureAwait(false);
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                throw FromStatus(response.StatusCode, text, what, connection, new HttpRequestException(text));
            }

            return (response.StatusCode, text);
        }
        catch (Exception ex) when (Translate(ex, what, connection, cancellationToken) is { } translated)
        {
            throw translated;
        }
    }

    /// <summary>The error a failed answer of <see cref="SendRawAsync"/> becomes (a 404 names the object, a 403 the permission).</summary>
    public ProviderException Failure(HttpStatusCode status, string body, string what) => FromStatus(status, body, what, Connection, new HttpRequestException(body));

    /// <summary>The message of a Kubernetes Status object, or the body itself when it is not one.</summary>
    public static string? MessageOf(string? body) => StatusMessage(body);

    /// <summary>Where the cluster came from (the kubeconfig context), for messages.</summary>
    public string Source => Connection.Source;

    private static async Task<HttpResponseMessage> SendAsync(ClusterConnection connection, string path, HttpCompletionOption completion, CancellationToken cancellationToken,
        HttpMethod? method = null, string? contentType = null, string? body = null, bool throwOnError = true)
    {
        var client = connection.Client;
        var baseUri = client.BaseUri.AbsoluteUri.EndsWith('/') ? client.BaseUri : new Uri(client.BaseUri.AbsoluteUri + "/");
        using var request = new HttpRequestMessage(method ?? HttpMethod.Get, new Uri(baseUri, path.TrimStart('/')));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (body is not null)
        {
            request.Content = new StringContent(body, System.Text.Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType ?? "application/json");
        }

        if (client.Credentials is { } credentials)
        {
            await credentials.ProcessHttpRequestAsync(request, cancellationToken).ConfigureAwait(false);
        }

        var response = await client.HttpClient.SendAsync(request, completion, cancellationToken).ConfigureAwait(false);
        if (throwOnError && !response.IsSuccessStatusCode)
        {
            var errorBody = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            var status = response.StatusCode;
            response.Dispose();
            throw new ApiStatusException(status, errorBody);
        }

        return response;
    }

    /// <summary>The exception a failed call becomes, or null to let it pass (a cancellation the caller asked for).</summary>
    private static ProviderException? Translate(Exception ex, string what, ClusterConnection connection, CancellationToken cancellationToken) => ex switch
    {
        ProviderException provider => provider,
        OperationCanceledException when cancellationToken.IsCancellationRequested => null,
        HttpOperationException http => FromStatus(http.Response.StatusCode, http.Response.Content, what, connection, ex),
        ApiStatusException api => FromStatus(api.Status, api.Body, what, connection, ex),
        KubernetesException kube => FromStatus((HttpStatusCode)(kube.Status?.Code ?? 500), kube.Status?.Message ?? kube.Message, what, connection, ex),
        HttpRequestException or OperationCanceledException => new ProviderException(ProviderErrorKind.Unavailable,
            $"cannot reach the Kubernetes API server of {connection.Source}: {Innermost(ex).Message}. Check that the cluster is up, the server address and CA in the kubeconfig, and the network path to it.", ex),
        KubeConfigException => new ProviderException(ProviderErrorKind.Failed, $"cannot authenticate to {connection.Source}: {ex.Message}", ex),
        _ => null,
    };

    private static ProviderException FromStatus(HttpStatusCode code, string? body, string what, ClusterConnection connection, Exception inner)
    {
        var message = StatusMessage(body) ?? $"HTTP {(int)code}";
        return code switch
        {
            HttpStatusCode.NotFound => new ProviderException(ProviderErrorKind.NotFound,
                $"{what} not found in namespace '{connection.Namespace}' of {connection.Source} ({message})", inner),
            HttpStatusCode.Forbidden => new ProviderException(ProviderErrorKind.Forbidden,
                $"{message}. Ask a cluster admin for that RBAC permission, or use a context whose user has it.", inner),
            HttpStatusCode.Unauthorized => new ProviderException(ProviderErrorKind.Forbidden,
                $"the API server of {connection.Source} refused the credentials ({message}): check the user's token, certificate or exec plugin in the kubeconfig", inner),
            HttpStatusCode.Conflict => new ProviderException(ProviderErrorKind.Conflict, $"{what} changed while it was being updated: {message}", inner),
            HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError => new ProviderException(ProviderErrorKind.Unavailable,
                $"the API server of {connection.Source} is unavailable ({(int)code}): {message}", inner),
            _ => new ProviderException(ProviderErrorKind.Failed, $"{what}: {message}", inner),
        };
    }

    /// <summary>The message of a Kubernetes Status object, or the body itself when it is not one.</summary>
    private static string? StatusMessage(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("message", out var message)
                ? message.GetString()
                : body.Trim();
        }
        catch (JsonException)
        {
            return body.Length > 300 ? body[..300] : body.Trim();
        }
    }

    private static Exception Innermost(Exception ex) => ex.InnerException is { } inner ? Innermost(inner) : ex;

    public void Dispose()
    {
        if (_connection.IsValueCreated)
        {
            _connection.Value.Dispose();
        }
    }

    private sealed class ApiStatusException(HttpStatusCode status, string body) : Exception($"HTTP {(int)status}")
    {
        public HttpStatusCode Status { get; } = status;

        public string Body { get; } = body;
    }
}
