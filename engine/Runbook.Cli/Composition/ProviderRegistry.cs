using System.Collections.Immutable;
using Runbook.Execution.Providers;
using Runbook.Language.Actions;
using Runbook.Providers.Aws;
using Runbook.Providers.Azure;
using Runbook.Providers.Compose;
using Runbook.Providers.Gcp;
using Runbook.Providers.Kubernetes;

namespace Runbook.Cli.Composition;

/// <summary>
/// The providers this binary knows, registered at compile time (no reflection, so the native binary stays
/// trim-safe), one line each. Each brings its own descriptor: the service actions it supports, its own actions,
/// and how it words them in a plan.
/// </summary>
internal static class ProviderRegistry
{
    public static ImmutableArray<IPlatformProvider> Platforms { get; } =
    [
        new ComposeProvider(),
        new KubernetesProvider(),
        new AwsProvider(),
        new AzureProvider(),
        new GcpProvider(),
    ];

    public static ImmutableArray<ProviderDescriptor> All { get; } = [.. Platforms.Select(p => p.Descriptor)];

    public static ActionCatalog Catalog { get; } = ActionCatalog.Create(All);

    public static IPlatformProvider? Platform(string name) => Platforms.FirstOrDefault(p => p.Descriptor.Name == name);
}
