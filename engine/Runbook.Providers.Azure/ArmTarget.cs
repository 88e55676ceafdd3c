using Runbook.Execution.Providers;

namespace Runbook.Providers.Azure;

/// <summary>
/// Where Azure Resource Manager is and what to ask of it: the ARM endpoint (the 'endpoint' setting: a URL or a cloud
/// name for sovereign clouds, else public Azure), the token scope that endpoint accepts ('audience' setting, else the
/// cloud's, as az derives it), the Entra ID authority host of that cloud (AZURE_AUTHORITY_HOST wins, as in
/// Azure.Identity), the subscription ('subscription' setting, else AZURE_SUBSCRIPTION_ID) and the resource group of
/// the apps.
/// </summary>
internal sealed record ArmTarget(Uri Endpoint, string Scope, string Subscription, string ResourceGroup)
{
    public static readonly Uri PublicCloud = new("https://management.azure.com/");

    /// <summary>The Entra ID host tokens come from (https://login.microsoftonline.com/ in public Azure).</summary>
    public Uri AuthorityHost { get; init; } = AzureCloud.Public.AuthorityHost;

    /// <summary>The cloud the endpoint belongs to, for messages ("AzureCloud", "AzureUSGovernment", … or "custom").</summary>
    public string CloudName { get; init; } = AzureCloud.Public.Name;

    /// <summary>The resource (v1 audience) the scope stands for, as managed identity and az take it: the scope without "/.default".</summary>
    public string Resource => Scope.EndsWith("/.default", StringComparison.Ordinal) ? Scope[..^"/.default".Length] : Scope;

    public static ArmTarget Resolve(ProviderSettings settings, Func<string, string?> environment)
    {
        var (endpoint, cloud) = ResolveEndpoint(settings.Get("endpoint"));
        var audience = settings.Get("audience") ?? cloud?.Audience ?? endpoint.GetLeftPart(UriPartial.Authority) + "/";
        if (!Uri.TryCreate(audience, UriKind.Absolute, out _))
        {
            throw new ProviderException(ProviderErrorKind.Failed,
                $"the azure setting 'audience' is '{audience}': give the token audience ARM accepts as an absolute URI, e.g. https://management.core.windows.net/");
        }

        // As az does (resource_to_scopes): the audience with "/.default" appended, so https://management.core.windows.net/
        // becomes https://management.core.windows.net//.default — the double slash is the v1 resource id Entra ID issues for.
        var scope = audience + "/.default";
        var authority = ResolveAuthorityHost(environment, cloud);
        var subscription = settings.Get("subscription") ?? (environment("AZURE_SUBSCRIPTION_ID") is { Length: > 0 } id ? id : null)
            ?? throw new ProviderException(ProviderErrorKind.Failed,
                "no Azure subscription: set 'subscription: …' in the environment in runbook.yaml (or --set subscription=…), or export AZURE_SUBSCRIPTION_ID");
        var group = settings.Require("resource_group", "the resource group of the container apps");
        return new ArmTarget(endpoint, scope, subscription, group) { AuthorityHost = authority, CloudName = cloud?.Name ?? "custom" };
    }

    /// <summary>The 'endpoint' setting: a cloud name (AzureCloud, AzureUSGovernment, AzureChinaCloud) or an ARM URL; null is public Azure.</summary>
    private static (Uri Endpoint, AzureCloud? Cloud) ResolveEndpoint(string? setting)
    {
        if (setting is null)
        {
            return (PublicCloud, AzureCloud.Public);
        }

        if (AzureCloud.ByName(setting) is { } named)
        {
            return (named.ResourceManager, named);
        }

        if (!Uri.TryCreate(setting.EndsWith('/') ? setting : setting + "/", UriKind.Absolute, out var endpoint) || endpoint.Scheme != Uri.UriSchemeHttps)
        {
            throw new ProviderException(ProviderErrorKind.Failed,
                $"the azure setting 'endpoint' is '{setting}': give the https URL of Azure Resource Manager (e.g. https://management.usgovcloudapi.net/) "
                + $"or a cloud name ({string.Join(", ", AzureCloud.All.Select(c => c.Name))})");
        }

        return (endpoint, AzureCloud.ByEndpoint(endpoint));
    }

    private static Uri ResolveAuthorityHost(Func<string, string?> environment, AzureCloud? cloud)
    {
        if (environment("AZURE_AUTHORITY_HOST") is not { Length: > 0 } configured)
        {
            return (cloud ?? AzureCloud.Public).AuthorityHost;
        }

        return Uri.TryCreate(configured.EndsWith('/') ? configured : configured + "/", UriKind.Absolute, out var host) && host.Scheme == Uri.UriSchemeHttps
            ? host
            : throw new ProviderException(ProviderErrorKind.Failed,
                $"AZURE_AUTHORITY_HOST is '{configured}': give the https URL of the Entra ID authority (e.g. https://login.microsoftonline.us/)");
    }
}

/// <summary>
/// The clouds az knows (az cloud list): the ARM endpoint, the audience az asks tokens for (its
/// activeDirectoryResourceId) and the Entra ID authority host.
/// </summary>
internal sealed record AzureCloud(string Name, Uri ResourceManager, string Audience, Uri AuthorityHost)
{
    public static readonly AzureCloud Public = new("AzureCloud",
        new("https://management.azure.com/"), "https://management.core.windows.net/", new("https://login.microsoftonline.com/"));

    public static readonly AzureCloud UsGovernment = new("AzureUSGovernment",
        new("https://management.usgovcloudapi.net/"), "https://management.core.usgovcloudapi.net/", new("https://login.microsoftonline.us/"));

    public static readonly AzureCloud China = new("AzureChinaCloud",
        new("https://management.chinacloudapi.cn/"), "https://management.core.chinacloudapi.cn/", new("https://login.chinacloudapi.cn/"));

    public static IReadOnlyList<AzureCloud> All { get; } = [Public, UsGovernment, China];

    public static AzureCloud? ByName(string name) => All.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The cloud whose ARM host this is; null for another endpoint (Azure Stack, a test server).</summary>
    public static AzureCloud? ByEndpoint(Uri endpoint) =>
        All.FirstOrDefault(c => string.Equals(c.ResourceManager.Host, endpoint.Host, StringComparison.OrdinalIgnoreCase));
}
