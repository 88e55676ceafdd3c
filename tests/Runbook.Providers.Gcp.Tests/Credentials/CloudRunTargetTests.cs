using System.Collections.Immutable;
using Runbook.Execution.Providers;

namespace Runbook.Providers.Gcp.Tests.Credentials;

/// <summary>The project, region and endpoints the provider talks to, found as gcloud users expect.</summary>
public sealed class CloudRunTargetTests : IDisposable
{
    private readonly CredentialScope _scope = new();

    public void Dispose() => _scope.Dispose();

    private static ProviderSettings Settings(params (string Key, string Value)[] values) =>
        new("gcp", ImmutableDictionary.CreateRange(StringComparer.Ordinal, values.Select(v => new KeyValuePair<string, string>(v.Key, v.Value))),
            ImmutableDictionary<string, string>.Empty, Path.GetTempPath());

    private CloudRunTarget Resolve(ProviderSettings settings, string? credentialsProject) => CloudRunTarget.Resolve(settings, _scope.Get, credentialsProject);

    [Fact]
    public void The_project_setting_wins_then_GOOGLE_CLOUD_PROJECT_then_the_credentials_project_then_gcloud_configuration()
    {
        _scope.File(".config/gcloud/configurations/config_default", "[core]\nproject = from-gcloud\n[run]\nregion = europe-west1\n");
        _scope.Set("GOOGLE_CLOUD_PROJECT", "from-env");

        var fromSetting = Resolve(Settings(("project", "from-setting")), "from-credentials").Project;
        var fromEnvironment = Resolve(Settings(), "from-credentials").Project;
        _scope.Set("GOOGLE_CLOUD_PROJECT", null);
        var fromCredentials = Resolve(Settings(), "from-credentials").Project;
        var fromGcloud = Resolve(Settings(), null).Project;

        Assert.Equal(("from-setting", "from-env", "from-credentials", "from-gcloud"), (fromSetting, fromEnvironment, fromCredentials, fromGcloud));
    }

    [Fact]
    public void CLOUDSDK_CORE_PROJECT_overrides_the_gcloud_configuration_file_as_it_does_for_gcloud()
    {
        _scope.File(".config/gcloud/configurations/config_default", "[core]\nproject = from-file\n");
        _scope.Set("CLOUDSDK_CORE_PROJECT", "from-cloudsdk");

        Assert.Equal("from-cloudsdk", Resolve(Settings(("region", "r")), null).Project);
    }

    [Fact]
    public void The_region_setting_wins_then_CLOUDSDK_RUN_REGION_then_run_region_of_the_active_configuration()
    {
        _scope.File(".config/gcloud/active_config", "prod");
        _scope.File(".config/gcloud/configurations/config_prod", "[core]\nproject = p\n\n[run]\nregion = asia-northeast1\n");

        var fromSetting = Resolve(Settings(("region", "us-east1")), null).Region;
        var fromFile = Resolve(Settings(), null).Region;
        _scope.Set("CLOUDSDK_RUN_REGION", "europe-north1");
        var fromEnvironment = Resolve(Settings(), null).Region;

        Assert.Equal(("us-east1", "asia-northeast1", "europe-north1"), (fromSetting, fromFile, fromEnvironment));
    }

    [Fact]
    public void No_project_anywhere_says_the_three_ways_to_give_one()
    {
        var error = Assert.Throws<ProviderException>(() => Resolve(Settings(("region", "r")), null));

        Assert.Equal("no Google Cloud project: set 'project: …' in the environment in runbook.yaml (or --set project=…), export GOOGLE_CLOUD_PROJECT, or run `gcloud config set project …`", error.Message);
    }

    [Fact]
    public void No_region_anywhere_says_the_three_ways_to_give_one()
    {
        var error = Assert.Throws<ProviderException>(() => Resolve(Settings(("project", "p")), null));

        Assert.Equal("no Cloud Run region: set 'region: …' in the environment in runbook.yaml (or --set region=…), export CLOUDSDK_RUN_REGION, or run `gcloud config set run/region …`", error.Message);
    }

    [Fact]
    public void Endpoints_default_to_Googles_and_the_settings_point_them_elsewhere_with_a_trailing_slash()
    {
        var defaults = Resolve(Settings(("project", "p"), ("region", "r")), null);
        var moved = Resolve(Settings(("project", "p"), ("region", "r"), ("endpoint", "http://127.0.0.1:8080/base"), ("logging_endpoint", "http://127.0.0.1:8081")), null);

        Assert.Equal(("https://run.googleapis.com/", "https://logging.googleapis.com/"), (defaults.RunEndpoint.ToString(), defaults.LoggingEndpoint.ToString()));
        Assert.Equal(("http://127.0.0.1:8080/base/", "http://127.0.0.1:8081/"), (moved.RunEndpoint.ToString(), moved.LoggingEndpoint.ToString()));
    }

    [Fact]
    public void An_endpoint_setting_that_is_not_an_http_url_is_an_error_naming_the_setting()
    {
        var error = Assert.Throws<ProviderException>(() => Resolve(Settings(("project", "p"), ("region", "r"), ("endpoint", "run.googleapis.com")), null));

        Assert.Contains("the 'endpoint' setting 'run.googleapis.com' is not an http(s) URL", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_configuration_name_with_a_path_separator_is_not_followed_out_of_the_gcloud_folder()
    {
        _scope.File("evil/config_x", "[core]\nproject = escaped\n");
        _scope.Set("CLOUDSDK_ACTIVE_CONFIG_NAME", "../../evil/x");

        var error = Assert.Throws<ProviderException>(() => Resolve(Settings(("region", "r")), null));

        Assert.StartsWith("no Google Cloud project", error.Message, StringComparison.Ordinal);
    }
}
