using Azure.Core;
using Azure.Identity;
using Runbook.Execution.Providers;

namespace Runbook.Providers.Azure;

/// <summary>The credential az users have: Azure.Identity's default chain, narrowed by the 'tenant_id' and 'client_id' settings.</summary>
internal static class AzureCredentials
{
    public static TokenCredential Create(ProviderSettings settings, Func<string, string?> environment, ArmTarget target)
    {
        _ = environment;
        _ = target;
        return new DefaultAzureCredential(new DefaultAzureCredentialOptions
        {
            TenantId = settings.Get("tenant_id"),
            ManagedIdentityClientId = settings.Get("client_id"),
        });
    }
}
