using System.Collections.Immutable;
using Runbook.Execution.Actions;
using Runbook.Execution.Providers;
using Runbook.Providers.Aws.Tests.EcsServer;

namespace Runbook.Providers.Aws.Tests.Provider;

/// <summary>The aws provider pointed at the test server: its endpoint, region and keys passed as the environment would, never set process-wide.</summary>
internal static class AwsTarget
{
    public static Dictionary<string, string?> Environment(EcsTestServer server, TestCredentials? credentials = null)
    {
        var keys = credentials ?? new TestCredentials(server.AccessKeyId, server.SecretAccessKey, null, "runbook-tester");
        return new(StringComparer.Ordinal)
        {
            ["AWS_ACCESS_KEY_ID"] = keys.AccessKeyId,
            ["AWS_SECRET_ACCESS_KEY"] = keys.SecretAccessKey,
            ["AWS_SESSION_TOKEN"] = keys.SessionToken,
            ["AWS_REGION"] = server.Region,
            ["AWS_ENDPOINT_URL"] = server.Endpoint.ToString(),
            ["HOME"] = Path.Combine(Path.GetTempPath(), "no-aws-home"),
            ["AWS_EC2_METADATA_DISABLED"] = "true",
        };
    }

    public static ProviderSettings Settings(string cluster, params (string Key, string Value)[] more) =>
        new("aws", ImmutableDictionary.CreateRange(StringComparer.Ordinal,
            new[] { new KeyValuePair<string, string>("cluster", cluster), new("poll_interval", "100ms"), new("timeout", "5s") }
                .Concat(more.Select(m => new KeyValuePair<string, string>(m.Key, m.Value)))
                .GroupBy(p => p.Key).Select(g => g.Last())),
            ImmutableDictionary<string, string>.Empty, Path.GetTempPath());

    public static AwsProvider Provider(IReadOnlyDictionary<string, string?> environment) => new(name => environment.GetValueOrDefault(name));

    public static IReadOnlyDictionary<string, IStepAction> Actions(IReadOnlyDictionary<string, string?> environment, ProviderSettings settings) =>
        Provider(environment).CreateActions(settings).ToDictionary(a => a.Name);

    public static EcsServiceBackend Backend(IReadOnlyDictionary<string, string?> environment, ProviderSettings settings) => Provider(environment).Build(settings);
}
