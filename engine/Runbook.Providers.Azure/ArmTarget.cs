using Runbook.Execution.Providers;

namespace Runbook.Providers.Azure;

/// <summary>
/// Where Azure Resource Manager is and what to ask of it: the ARM endpoint (the 'endpoint' setting for sovereign
/// clouds, else public Azure), the token scope that endpoint accepts, the subscription ('subscription' setting, else
/// AZURE_SUBSCRIPTION_ID) and the resource group of the apps.
/// </summary>
internal sealed record ArmTarget(Uri Endpoint, string Scope, string Subscription, string ResourceGroup)
{
    public static readonly Uri PublicCloud = new("https://management.azure.com/");

    public static ArmTarget Resolve(ProviderSettings settings, Func<string, string?> environment)
    {
        var endpoint = settings.Get("endpoint") is { } text ? new Uri(text.EndsWith('/') ? text : text + "/") : PublicCloud;
        var scope = settings.Get("audience") is { } audience ? $"{audience.TrimEnd('/')}/.default" : $"{endpoint.GetLeftPart(UriPartial.Authority)}/.default";
        var subscription = settings.Get("subscription") ?? (environment("AZURE_SUBSCRIPTION_ID") is { Length: > 0 } id ? id : null)
            ?? throw new ProviderException(ProviderErrorKind.Failed,
                "no Azure subscription: set 'subscription: …' in the environment in runbook.yaml (or --set subscription=…), or export AZURE_SUBSCRIPTION_ID");
        var group = settings.Require("resource_group", "the resource group of the container apps");
        return new ArmTarget(endpoint, scope, subscription, group);
    }
}
