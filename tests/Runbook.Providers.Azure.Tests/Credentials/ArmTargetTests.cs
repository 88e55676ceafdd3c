using Runbook.Execution.Providers;

namespace Runbook.Providers.Azure.Tests.Credentials;

/// <summary>The ARM endpoint, its token audience and authority host, the subscription and the resource group, as az derives them.</summary>
public sealed class ArmTargetTests
{
    private static ArmTarget Resolve(Dictionary<string, string?> environment, params (string Key, string Value)[] settings) =>
        ArmTarget.Resolve(IdentityWorld.Settings(settings), n => environment.GetValueOrDefault(n));

    private static Dictionary<string, string?> Subscription() => new() { ["AZURE_SUBSCRIPTION_ID"] = "sub-from-env" };

    [Fact]
    public void Public_azure_is_the_default_with_the_audience_az_asks_tokens_for()
    {
        var target = Resolve(Subscription());

        Assert.Equal(new Uri("https://management.azure.com/"), target.Endpoint);
        Assert.Equal("https://management.core.windows.net//.default", target.Scope);
        Assert.Equal("https://management.core.windows.net/", target.Resource);
        Assert.Equal(new Uri("https://login.microsoftonline.com/"), target.AuthorityHost);
        Assert.Equal(("sub-from-env", "rg-test"), (target.Subscription, target.ResourceGroup));
    }

    [Theory]
    [InlineData("AzureUSGovernment", "https://management.usgovcloudapi.net/", "https://management.core.usgovcloudapi.net//.default", "https://login.microsoftonline.us/")]
    [InlineData("azurechinacloud", "https://management.chinacloudapi.cn/", "https://management.core.chinacloudapi.cn//.default", "https://login.chinacloudapi.cn/")]
    [InlineData("https://management.usgovcloudapi.net", "https://management.usgovcloudapi.net/", "https://management.core.usgovcloudapi.net//.default", "https://login.microsoftonline.us/")]
    [InlineData("https://management.chinacloudapi.cn/", "https://management.chinacloudapi.cn/", "https://management.core.chinacloudapi.cn//.default", "https://login.chinacloudapi.cn/")]
    public void A_sovereign_cloud_by_name_or_by_its_arm_url_brings_its_audience_and_authority_host(string endpoint, string arm, string scope, string authority)
    {
        var target = Resolve(Subscription(), ("endpoint", endpoint));

        Assert.Equal((new Uri(arm), scope, new Uri(authority)), (target.Endpoint, target.Scope, target.AuthorityHost));
    }

    [Fact]
    public void Another_arm_endpoint_is_its_own_audience_and_AZURE_AUTHORITY_HOST_names_its_authority()
    {
        var environment = Subscription();
        environment["AZURE_AUTHORITY_HOST"] = "https://login.contoso-stack.example";

        var target = Resolve(environment, ("endpoint", "https://management.contoso-stack.example"));

        Assert.Equal("https://management.contoso-stack.example//.default", target.Scope);
        Assert.Equal(new Uri("https://login.contoso-stack.example/"), target.AuthorityHost);
        Assert.Equal("custom", target.CloudName);
    }

    [Fact]
    public void The_audience_setting_replaces_the_derived_one()
    {
        var target = Resolve(Subscription(), ("audience", "https://management.azure.com"));

        Assert.Equal("https://management.azure.com/.default", target.Scope);
    }

    [Fact]
    public void The_subscription_setting_wins_over_AZURE_SUBSCRIPTION_ID()
    {
        Assert.Equal("sub-setting", Resolve(Subscription(), ("subscription", "sub-setting")).Subscription);
    }

    [Fact]
    public void No_subscription_anywhere_says_where_to_put_one()
    {
        var error = Assert.Throws<ProviderException>(() => Resolve([]));

        Assert.Contains("no Azure subscription: set 'subscription: …'", error.Message, StringComparison.Ordinal);
        Assert.Contains("AZURE_SUBSCRIPTION_ID", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://management.azure.com/")]
    [InlineData("management.azure.com")]
    [InlineData("AzureGermanCloud")]
    public void An_endpoint_that_is_neither_an_https_url_nor_a_known_cloud_is_refused_naming_the_clouds(string endpoint)
    {
        var error = Assert.Throws<ProviderException>(() => Resolve(Subscription(), ("endpoint", endpoint)));

        Assert.Contains($"the azure setting 'endpoint' is '{endpoint}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("AzureCloud, AzureUSGovernment, AzureChinaCloud", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_authority_host_over_plain_http_is_refused_so_no_secret_leaves_unencrypted()
    {
        var environment = Subscription();
        environment["AZURE_AUTHORITY_HOST"] = "http://login.example/";

        var error = Assert.Throws<ProviderException>(() => Resolve(environment));

        Assert.Contains("AZURE_AUTHORITY_HOST is 'http://login.example/'", error.Message, StringComparison.Ordinal);
    }
}
