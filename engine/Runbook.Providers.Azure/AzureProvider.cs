using System.Collections.Immutable;
using Runbook.Execution.Providers;
using Runbook.Language.Actions;

namespace Runbook.Providers.Azure;

/// <summary>Azure Container Apps: the service interface over Microsoft.App/containerApps and their revisions, through Azure Resource Manager.</summary>
public sealed class AzureProvider
{
    public static ProviderDescriptor Describe { get; } = new(
        "azure",
        "Azure Container Apps through Azure Resource Manager.",
        [],
        [.. ServiceActions.All.Select(a => a.Name)],
        ImmutableDictionary.CreateRange(new Dictionary<string, string>
        {
            ["service.describe"] = "GET containerApps/{service}",
            ["service.scale"] = "PATCH containerApps/{service} template.scale minReplicas={replicas}",
            ["service.restart"] = "POST containerApps/{service}/revisions/(active)/restart",
            ["service.rollback"] = "activate revision {to} of {service}, traffic 100%",
        }));
}
