using System.Collections.Immutable;
using Azure.Core;
using Runbook.Execution.Actions;
using Runbook.Execution.Providers;
using Runbook.Providers.Azure.Tests.ArmServer;

namespace Runbook.Providers.Azure.Tests.Provider;

/// <summary>The azure provider pointed at the ARM test server: its endpoint, subscription and CA, and a credential holding one of its tokens.</summary>
internal static class AzureTarget
{
    public static ProviderSettings Settings(ContainerAppsTestServer server, string resourceGroup, params (string Key, string Value)[] more) =>
        Settings(server, resourceGroup, ImmutableDictionary<string, string>.Empty, more);

    public static ProviderSettings Settings(ContainerAppsTestServer server, string resourceGroup, ImmutableDictionary<string, string> services,
        params (string Key, string Value)[] more) =>
        new("azure", ImmutableDictionary.CreateRange(StringComparer.Ordinal,
            new[]
            {
                new KeyValuePair<string, string>("subscription", server.Subscription), new("resource_group", resourceGroup),
                new("endpoint", server.Endpoint.ToString()), new("poll_interval", "100ms"), new("timeout", "5s"),
            }
            .Concat(more.Select(m => new KeyValuePair<string, string>(m.Key, m.Value)))
            .GroupBy(p => p.Key).Select(g => g.Last())),
            services, Path.GetTempPath());

    public static AzureProvider Provider(ContainerAppsTestServer server, string? token = null) =>
        new(_ => null, server.CreateTrustingHandler(), new FixedToken(token ?? server.Token));

    public static IReadOnlyDictionary<string, IStepAction> Actions(ContainerAppsTestServer server, ProviderSettings settings, string? token = null) =>
        Provider(server, token).CreateActions(settings).ToDictionary(a => a.Name);

    public static ContainerAppsBackend Backend(ContainerAppsTestServer server, ProviderSettings settings, string? token = null) =>
        Provider(server, token).Build(settings);
}

/// <summary>A credential that hands out one token the test server knows (the credentials themselves are tested in Credentials/).</summary>
internal sealed class FixedToken(string token) : TokenCredential
{
    public List<string> Scopes { get; } = [];

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
    {
        lock (Scopes)
        {
            Scopes.AddRange(requestContext.Scopes);
        }

        return new AccessToken(token, DateTimeOffset.UtcNow.AddHours(1));
    }

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        ValueTask.FromResult(GetToken(requestContext, cancellationToken));
}
