using System.Collections.Immutable;
using Runbook.Execution.Providers;
using Runbook.Language.Actions;
using Runbook.Providers.Aws;
using Runbook.Providers.Compose;
using Runbook.Providers.Kubernetes;

namespace Runbook.Cli.Composition;

/// <summary>
/// The providers this binary knows, registered at compile time (no reflection, so the native binary stays
/// trim-safe). Each declares the service actions it supports and how it words them in a plan.
/// </summary>
internal static class ProviderRegistry
{
    private static readonly ImmutableHashSet<string> AllServiceActions = [.. ServiceActions.All.Select(a => a.Name)];

    public static ImmutableArray<ProviderDescriptor> All { get; } =
    [
        ComposeProvider.Describe,
        KubernetesProvider.Describe,
        AwsProvider.Describe,
        new("azure", "Azure Container Apps through Azure Resource Manager.", [], AllServiceActions,
            ImmutableDictionary.CreateRange(new Dictionary<string, string>
            {
                ["service.describe"] = "GET containerApps/{service}",
                ["service.scale"] = "PATCH containerApps/{service} template.scale minReplicas={replicas}",
                ["service.restart"] = "POST containerApps/{service}/revisions/(active)/restart",
                ["service.rollback"] = "activate revision {to} of {service}, traffic 100%",
            })),
        new("gcp", "Google Cloud Run services (Cloud Run Admin API v2).", [], AllServiceActions,
            ImmutableDictionary.CreateRange(new Dictionary<string, string>
            {
                ["service.describe"] = "services.get {service}",
                ["service.scale"] = "services.patch {service} scaling.minInstanceCount={replicas}",
                ["service.rollback"] = "services.patch {service} traffic 100% to revision {to}",
            })),
    ];

    public static ActionCatalog Catalog { get; } = ActionCatalog.Create(All);

    /// <summary>The providers that execute here; the others plan and validate only, for now.</summary>
    public static ImmutableArray<IPlatformProvider> Platforms { get; } = [new ComposeProvider(), new KubernetesProvider(), new AwsProvider()];

    public static IPlatformProvider? Platform(string name) => Platforms.FirstOrDefault(p => p.Descriptor.Name == name);
}
