using System.Collections.Immutable;
using System.Text;
using Runbook.Execution.Actions;
using Runbook.Execution.Providers;
using Runbook.Providers.Gcp;
using Runbook.Providers.Gcp.Tests.CloudRunServer;

namespace Runbook.Providers.Gcp.Tests.Provider;

/// <summary>The gcp provider pointed at the Cloud Run test server: its endpoint and region as settings, its token as the identity.</summary>
internal static class GcpTarget
{
    public static ProviderSettings Settings(CloudRunTestServer server, params (string Key, string Value)[] more) =>
        Settings(server.Endpoint, server.Region, ImmutableDictionary<string, string>.Empty, more);

    public static ProviderSettings Settings(Uri endpoint, string region, ImmutableDictionary<string, string> services, params (string Key, string Value)[] more) =>
        new("gcp", ImmutableDictionary.CreateRange(StringComparer.Ordinal,
            new[]
            {
                new KeyValuePair<string, string>("endpoint", endpoint.ToString()), new("logging_endpoint", endpoint.ToString()), new("region", region),
                new("poll_interval", "100ms"), new("timeout", "5s"),
            }
            .Concat(more.Select(m => new KeyValuePair<string, string>(m.Key, m.Value)))
            .GroupBy(p => p.Key).Select(g => g.Last())),
            services, Path.GetTempPath());

    public static GcpProvider Provider(CloudRunTestServer server, string? token = null, HttpMessageHandler? handler = null) =>
        new(_ => null, handler, new GoogleIdentity(new FixedToken(token ?? server.Token), server.Project));

    public static IReadOnlyDictionary<string, IStepAction> Actions(CloudRunTestServer server, ProviderSettings? settings = null, string? token = null,
        HttpMessageHandler? handler = null) =>
        Provider(server, token, handler).CreateActions(settings ?? Settings(server)).ToDictionary(a => a.Name);

    public static CloudRunServiceBackend Backend(CloudRunTestServer server, ProviderSettings? settings = null, string? token = null, HttpMessageHandler? handler = null) =>
        Provider(server, token, handler).BuildAsync(settings ?? Settings(server), CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>A token as a credential hands it out (the credential kinds themselves are tested under Credentials/).</summary>
    internal sealed class FixedToken(string token) : IAccessTokenSource
    {
        public ValueTask<string> GetTokenAsync(CancellationToken cancellationToken) => ValueTask.FromResult(token);
    }
}

/// <summary>Passes every request on to the real server and keeps a copy of it and of the answer (method, path and query, body, response body), to see exactly what the provider sent.</summary>
internal sealed class RecordingHandler : DelegatingHandler
{
    private readonly List<(string Method, string Target, string? Body, string Response)> _sent = [];

    public RecordingHandler()
        : base(new SocketsHttpHandler())
    {
    }

    /// <summary>Runs before a request is passed on; a test uses it to act between the provider's calls (another writer).</summary>
    public Func<HttpRequestMessage, string?, Task>? Before { get; set; }

    public IReadOnlyList<(string Method, string Target, string? Body, string Response)> Sent
    {
        get
        {
            lock (_sent)
            {
                return [.. _sent];
            }
        }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
        if (body is not null)
        {
            var type = request.Content!.Headers.ContentType;
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = type;
        }

        if (Before is { } before)
        {
            await before(request, body);
        }

        var response = await base.SendAsync(request, cancellationToken);
        var answer = await response.Content.ReadAsStringAsync(cancellationToken);
        lock (_sent)
        {
            _sent.Add((request.Method.Method, request.RequestUri!.PathAndQuery, body, answer));
        }

        return response;
    }
}
