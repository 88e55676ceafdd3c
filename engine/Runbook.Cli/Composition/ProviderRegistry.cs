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
/// <remarks>
/// Building the command tree needs only the providers' names (the help text of --provider), so the names are a
/// plain list and the providers, their descriptors and the action catalog are built the first time a command asks
/// for them (<see cref="Built"/>): <c>--version</c>, <c>--help</c>, <c>history</c> and <c>show</c> never build them
/// (ADR 0019). A test keeps <see cref="Names"/> equal to the providers' own names.
/// </remarks>
internal static class ProviderRegistry
{
    /// <summary>The providers' names, in registration order, without constructing a provider.</summary>
    public static ImmutableArray<string> Names { get; } = ["compose", "kubernetes", "aws", "azure", "gcp"];

    public static ImmutableArray<IPlatformProvider> Platforms => Built.Platforms;

    public static ImmutableArray<ProviderDescriptor> All => Built.All;

    public static ActionCatalog Catalog => Built.Catalog;

    /// <summary>Whether anything in this process has built the providers yet (the start-up tests read it).</summary>
    public static bool IsBuilt { get; private set; }

    public static IPlatformProvider? Platform(string name) => Platforms.FirstOrDefault(p => p.Descriptor.Name == name);

    /// <summary>Its static constructor runs on first use only: a nested class keeps it apart from <see cref="Names"/>.</summary>
    private static class Built
    {
        public static readonly ImmutableArray<IPlatformProvider> Platforms =
        [
            new ComposeProvider(),
            new KubernetesProvider(),
            new AwsProvider(),
            new AzureProvider(),
            new GcpProvider(),
        ];

        public static readonly ImmutableArray<ProviderDescriptor> All = [.. Platforms.Select(p => p.Descriptor)];

        public static readonly ActionCatalog Catalog = ActionCatalog.Create(All);

#pragma warning disable CA1810 // an explicit static constructor: it must run at first use, never earlier (no beforefieldinit)
        static Built() => IsBuilt = true;
#pragma warning restore CA1810
    }
}
