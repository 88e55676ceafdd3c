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
/// trim-safe). Each declares the service actions it supports and how it words them in a plan.
/// </summary>
internal static class ProviderRegistry
{
    public static ImmutableArray<ProviderDescriptor> All { get; } =
    [
        ComposeProvider.Describe,
        KubernetesProvider.Describe,
        AwsProvider.Describe,
        AzureProvider.Describe,
        GcpProvider.Describe,
    ];

    public static ActionCatalog Catalog { get; } = ActionCatalog.Create(All);

    /// <summary>The providers that execute here; the others plan and validate only, for now.</summary>
    public static ImmutableArray<IPlatformProvider> Platforms { get; } = [new ComposeProvider(), new KubernetesProvider(), new AwsProvider(), new GcpProvider()];

    public static IPlatformProvider? Platform(string name) => Platforms.FirstOrDefault(p => p.Descriptor.Name == name);
}
