using System.Collections.Immutable;
using Runbook.Execution.Providers;
using Runbook.Providers.Gcp.Tests.CloudRunServer;

namespace Runbook.Providers.Gcp.Tests.Credentials;

/// <summary>The quota project of the credentials travels with every Cloud Run call as x-goog-user-project, as Google's clients send it.</summary>
public sealed class QuotaProjectHeaderTests
{
    private static ProviderSettings Settings(CloudRunTestServer server) => new("gcp",
        ImmutableDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, string>
        {
            ["project"] = server.Project,
            ["region"] = server.Region,
            ["endpoint"] = server.Endpoint.ToString(),
            ["logging_endpoint"] = server.Endpoint.ToString(),
        }),
        ImmutableDictionary<string, string>.Empty, Path.GetTempPath());

    private static async Task<IReadOnlyList<string?>> QuotaHeadersAsync(string? quotaProject)
    {
        await using var server = await CloudRunTestServer.StartAsync();
        server.SeedService("web", "europe-docker.pkg.dev/p/app/web:1");
        using var handler = new HeaderRecorder();
        var provider = new GcpProvider(_ => null, handler, new GoogleIdentity(new Token(server.Token), null, "test", quotaProject));

        var backend = await provider.BuildAsync(Settings(server), CancellationToken.None);
        await backend.DescribeAsync("web", CancellationToken.None);

        return handler.QuotaProjects;
    }

    [Fact]
    public async Task A_quota_project_is_sent_as_x_goog_user_project_on_every_call()
    {
        var sent = await QuotaHeadersAsync("billing-project");

        Assert.NotEmpty(sent);
        Assert.All(sent, header => Assert.Equal("billing-project", header));
    }

    [Fact]
    public async Task Without_a_quota_project_no_x_goog_user_project_header_is_sent()
    {
        var sent = await QuotaHeadersAsync(null);

        Assert.NotEmpty(sent);
        Assert.All(sent, Assert.Null);
    }

    private sealed class Token(string token) : IAccessTokenSource
    {
        public ValueTask<string> GetTokenAsync(CancellationToken cancellationToken) => ValueTask.FromResult(token);
    }

    private sealed class HeaderRecorder() : DelegatingHandler(new SocketsHttpHandler())
    {
        private readonly List<string?> _quota = [];

        public IReadOnlyList<string?> QuotaProjects
        {
            get
            {
                lock (_quota)
                {
                    return [.. _quota];
                }
            }
        }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (_quota)
            {
                _quota.Add(request.Headers.TryGetValues("x-goog-user-project", out var values) ? string.Join(",", values) : null);
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
