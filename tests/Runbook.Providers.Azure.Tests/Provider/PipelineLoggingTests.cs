using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using Azure.Core.Diagnostics;
using Runbook.Providers.Azure.Tests.ArmServer;

namespace Runbook.Providers.Azure.Tests.Provider;

/// <summary>Azure.Core's request logging, as the provider's pipeline configures it: requests are logged, the bearer token never.</summary>
public sealed class PipelineLoggingTests(ArmServerFixture fixture) : IClassFixture<ArmServerFixture>
{
    private readonly ContainerAppsTestServer _server = fixture.Server;
    private readonly string _group = ArmServerFixture.NewResourceGroup();

    [Fact]
    public async Task The_pipeline_logs_each_request_with_the_authorization_header_redacted()
    {
        _server.SeedApp(_group, "web", "registry.example/web:1");
        var token = "secret-token-" + Guid.NewGuid().ToString("N");
        _server.AcceptToken(token, "runbook-logger");
        var logged = new ConcurrentQueue<string>();
        using (new AzureEventSourceListener((_, message) => logged.Enqueue(message), EventLevel.Verbose))
        {
            await AzureTarget.Backend(_server, AzureTarget.Settings(_server, _group), token).DescribeAsync("web", CancellationToken.None);
        }

        var ours = logged.Where(l => l.Contains($"/resourceGroups/{_group}/", StringComparison.Ordinal)).ToList();
        Assert.Contains(ours, l => l.Contains("Authorization:REDACTED", StringComparison.Ordinal));
        Assert.DoesNotContain(logged, l => l.Contains(token, StringComparison.Ordinal));
    }
}
