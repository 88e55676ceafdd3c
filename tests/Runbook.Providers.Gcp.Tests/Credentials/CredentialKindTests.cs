using System.Text.Json.Nodes;
using Runbook.Execution.Providers;
using Runbook.Providers.Gcp.Tests.Identity;

namespace Runbook.Providers.Gcp.Tests.Credentials;

/// <summary>
/// Each kind of application-default credentials gets a token from the stand-in that checks it as Google does, and
/// names its project; a credential Google would refuse is refused with Google's words and names what was tried.
/// </summary>
public sealed class CredentialKindTests : IAsyncLifetime, IDisposable
{
    private readonly CredentialScope _scope = new();
    private readonly HttpClient _http = new();
    private GoogleIdentityStandIn _google = null!;

    public async Task InitializeAsync() => _google = await GoogleIdentityStandIn.StartAsync();

    public async Task DisposeAsync() => await _google.DisposeAsync();

    public void Dispose()
    {
        _http.Dispose();
        _scope.Dispose();
    }

    private Task<GoogleIdentity> ResolveAsync() => GcpCredentials.ResolveAsync(_scope.Get, _http, TimeProvider.System, CancellationToken.None);

    private async Task<ProviderException> FailureAsync()
    {
        var identity = await ResolveAsync();
        return await Assert.ThrowsAsync<ProviderException>(async () => await identity.Tokens.GetTokenAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_service_account_key_named_by_GOOGLE_APPLICATION_CREDENTIALS_gets_a_token_with_a_signed_JWT_and_names_its_project()
    {
        var key = _scope.File("keys/ci.json", _google.ServiceAccountKeyFile("ci@key-project.iam.gserviceaccount.com", "key-project"));
        _scope.Set("GOOGLE_APPLICATION_CREDENTIALS", key);

        var identity = await ResolveAsync();
        var token = await identity.Tokens.GetTokenAsync(CancellationToken.None);

        Assert.Equal("ci@key-project.iam.gserviceaccount.com", _google.PrincipalOf(token));
        Assert.Equal("key-project", identity.Project);
        Assert.Contains(key, identity.Source, StringComparison.Ordinal);
        Assert.Equal(1, _google.Grants("urn:ietf:params:oauth:grant-type:jwt-bearer"));
    }

    [Fact]
    public async Task A_key_signed_with_another_private_key_is_refused_with_Googles_words_naming_the_file_and_the_account()
    {
        var key = _scope.File("keys/forged.json", _google.ForgedKeyFile("ci@key-project.iam.gserviceaccount.com", "key-project"));
        _google.ServiceAccountKeyFile("ci@key-project.iam.gserviceaccount.com", "key-project");
        _scope.Set("GOOGLE_APPLICATION_CREDENTIALS", key);

        var error = await FailureAsync();

        Assert.Equal(ProviderErrorKind.Forbidden, error.Kind);
        Assert.Contains("invalid_grant: Invalid JWT Signature.", error.Message, StringComparison.Ordinal);
        Assert.Contains(key, error.Message, StringComparison.Ordinal);
        Assert.Contains("ci@key-project.iam.gserviceaccount.com", error.Message, StringComparison.Ordinal);
        Assert.Contains("gcloud iam service-accounts keys list", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_authorized_user_file_exchanges_its_refresh_token_and_its_quota_project_is_the_project()
    {
        _scope.Set("GOOGLE_APPLICATION_CREDENTIALS", _scope.File("adc.json", _google.AuthorizedUserFile("alice@example.com", "quota-project")));

        var identity = await ResolveAsync();
        var token = await identity.Tokens.GetTokenAsync(CancellationToken.None);

        Assert.Equal("alice@example.com", _google.PrincipalOf(token));
        Assert.Equal("quota-project", identity.Project);
        Assert.Equal(1, _google.Grants("refresh_token"));
    }

    [Fact]
    public async Task The_quota_project_of_a_login_is_carried_for_the_x_goog_user_project_header_and_GOOGLE_CLOUD_QUOTA_PROJECT_overrides_it()
    {
        _scope.Set("GOOGLE_APPLICATION_CREDENTIALS", _scope.File("adc.json", _google.AuthorizedUserFile("alice@example.com", "quota-project")));

        var fromFile = (await ResolveAsync()).QuotaProject;
        _scope.Set("GOOGLE_CLOUD_QUOTA_PROJECT", "billing-project");
        var overridden = await ResolveAsync();

        Assert.Equal("quota-project", fromFile);
        Assert.Equal("billing-project", overridden.QuotaProject);
        Assert.Equal("quota-project", overridden.Project);
    }

    [Fact]
    public async Task A_revoked_refresh_token_is_refused_and_the_message_says_to_log_in_again()
    {
        var file = JsonNode.Parse(_google.AuthorizedUserFile("alice@example.com", null))!.AsObject();
        file["refresh_token"] = "1//0g-revoked";
        _scope.Set("GOOGLE_APPLICATION_CREDENTIALS", _scope.File("adc.json", file.ToJsonString()));

        var error = await FailureAsync();

        Assert.Contains("invalid_grant: Token has been expired or revoked.", error.Message, StringComparison.Ordinal);
        Assert.Contains("gcloud auth application-default login", error.Message, StringComparison.Ordinal);
        Assert.Contains("an authorized-user login", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_endpoint_that_answers_503_is_unavailable_with_Googles_words_and_the_next_call_gets_a_token()
    {
        _scope.Set("GOOGLE_APPLICATION_CREDENTIALS", _scope.File("key.json", _google.ServiceAccountKeyFile("ci@p.iam.gserviceaccount.com", "p")));
        _google.UnavailableNext = 1;
        var identity = await ResolveAsync();

        var error = await Assert.ThrowsAsync<ProviderException>(async () => await identity.Tokens.GetTokenAsync(CancellationToken.None));
        var token = await identity.Tokens.GetTokenAsync(CancellationToken.None);

        Assert.Equal(ProviderErrorKind.Unavailable, error.Kind);
        Assert.Contains("(503): UNAVAILABLE: The service is currently unavailable.", error.Message, StringComparison.Ordinal);
        Assert.Equal("ci@p.iam.gserviceaccount.com", _google.PrincipalOf(token));
    }

    [Fact]
    public async Task A_token_endpoint_that_answers_200_without_a_token_says_so_instead_of_calling_it_a_refusal()
    {
        await using var notGoogle = await PlainHttp.StartAsync();
        var key = JsonNode.Parse(_google.ServiceAccountKeyFile("ci@p.iam.gserviceaccount.com", "p"))!;
        key["token_uri"] = $"http://{notGoogle.Authority}/token";
        _scope.Set("GOOGLE_APPLICATION_CREDENTIALS", _scope.File("key.json", key.ToJsonString()));

        var error = await FailureAsync();

        Assert.Equal(ProviderErrorKind.Failed, error.Kind);
        Assert.Contains($"http://{notGoogle.Authority}/token answered", error.Message, StringComparison.Ordinal);
        Assert.Contains("without an access_token: ok", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_gcloud_application_default_file_is_used_when_GOOGLE_APPLICATION_CREDENTIALS_is_not_set()
    {
        var path = _scope.File(".config/gcloud/application_default_credentials.json", _google.AuthorizedUserFile("bob@example.com", "bobs-project"));

        var identity = await ResolveAsync();

        Assert.Equal("bob@example.com", _google.PrincipalOf(await identity.Tokens.GetTokenAsync(CancellationToken.None)));
        Assert.Contains(path, identity.Source, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CLOUDSDK_CONFIG_moves_the_gcloud_folder_where_the_application_default_file_is_found()
    {
        _scope.File(".config/gcloud/application_default_credentials.json", _google.AuthorizedUserFile("home@example.com", null));
        _scope.File("other-gcloud/application_default_credentials.json", _google.AuthorizedUserFile("moved@example.com", null));
        _scope.Set("CLOUDSDK_CONFIG", Path.Combine(_scope.Home, "other-gcloud"));

        var identity = await ResolveAsync();

        Assert.Equal("moved@example.com", _google.PrincipalOf(await identity.Tokens.GetTokenAsync(CancellationToken.None)));
    }

    [Fact]
    public async Task GOOGLE_APPLICATION_CREDENTIALS_wins_over_the_gcloud_application_default_file()
    {
        _scope.File(".config/gcloud/application_default_credentials.json", _google.AuthorizedUserFile("login@example.com", null));
        _scope.Set("GOOGLE_APPLICATION_CREDENTIALS", _scope.File("key.json", _google.ServiceAccountKeyFile("deployer@p.iam.gserviceaccount.com", "p")));

        var identity = await ResolveAsync();

        Assert.Equal("deployer@p.iam.gserviceaccount.com", _google.PrincipalOf(await identity.Tokens.GetTokenAsync(CancellationToken.None)));
    }

    [Fact]
    public async Task An_authorized_user_without_a_quota_project_takes_the_project_of_the_active_gcloud_configuration()
    {
        _scope.File(".config/gcloud/application_default_credentials.json", _google.AuthorizedUserFile("carol@example.com", null));
        _scope.File(".config/gcloud/active_config", "work\n");
        _scope.File(".config/gcloud/configurations/config_default", "[core]\nproject = not-this-one\n");
        _scope.File(".config/gcloud/configurations/config_work", "[core]\naccount = carol@example.com\nproject = work-project\n\n[run]\nregion = us-central1\n");

        var identity = await ResolveAsync();

        Assert.Equal("work-project", identity.Project);
    }

    [Fact]
    public async Task The_metadata_server_gives_the_attached_accounts_token_and_the_project_when_no_file_is_found()
    {
        _scope.Set("NO_GCE_CHECK", null).Set("GCE_METADATA_HOST", _google.MetadataHost).Set("GCE_METADATA_IP", _google.MetadataHost);
        _google.MetadataProject = "instance-project";

        var identity = await ResolveAsync();
        var token = await identity.Tokens.GetTokenAsync(CancellationToken.None);

        Assert.Equal(_google.MetadataPrincipal, _google.PrincipalOf(token));
        Assert.Equal("instance-project", identity.Project);
        Assert.Contains("the metadata server", identity.Source, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_metadata_stand_in_refuses_a_request_without_the_Metadata_Flavor_header_as_Compute_Engine_does()
    {
        using var response = await _http.GetAsync(new Uri(_google.Root, "computeMetadata/v1/instance/service-accounts/default/token"));

        Assert.Equal(403, (int)response.StatusCode);
        Assert.Equal("Google", response.Headers.GetValues("Metadata-Flavor").Single());
        Assert.Null(_google.PrincipalOf(await response.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task An_http_server_that_does_not_answer_Metadata_Flavor_Google_is_not_taken_for_the_metadata_server()
    {
        await using var impostor = await PlainHttp.StartAsync();
        _scope.Set("NO_GCE_CHECK", null).Set("GCE_METADATA_IP", impostor.Authority).Set("GCE_METADATA_HOST", impostor.Authority);

        var error = await Assert.ThrowsAsync<ProviderException>(ResolveAsync);

        Assert.StartsWith("no Google credentials", error.Message, StringComparison.Ordinal);
        Assert.Contains($"none answered at {impostor.Authority}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_metadata_server_slower_than_GCE_METADATA_TIMEOUT_is_not_waited_for()
    {
        await using var slow = await PlainHttp.StartAsync(TimeSpan.FromSeconds(5), slowMetadata: true);
        _scope.Set("NO_GCE_CHECK", null).Set("GCE_METADATA_IP", slow.Authority).Set("GCE_METADATA_TIMEOUT", "0.3");
        var started = System.Diagnostics.Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<ProviderException>(ResolveAsync);

        Assert.StartsWith("no Google credentials", error.Message, StringComparison.Ordinal);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(4), $"waited {started.Elapsed}");
    }

    [Fact]
    public async Task A_file_sourced_workload_identity_configuration_exchanges_the_subject_token_at_STS_and_impersonates_the_service_account()
    {
        var audience = _google.WorkloadIdentityPool("eyJ-ci-oidc-token", "principal://iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/pool/subject/repo:acme/app");
        _google.AllowImpersonation("principal://iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/pool/subject/repo:acme/app", "deployer@p.iam.gserviceaccount.com");
        var tokenFile = _scope.File("oidc/token", "eyJ-ci-oidc-token\n");
        _scope.Set("GOOGLE_APPLICATION_CREDENTIALS", _scope.File("wif.json", new JsonObject
        {
            ["type"] = "external_account",
            ["audience"] = audience,
            ["subject_token_type"] = "urn:ietf:params:oauth:token-type:jwt",
            ["token_url"] = _google.StsUri.ToString(),
            ["service_account_impersonation_url"] = _google.ImpersonationUri("deployer@p.iam.gserviceaccount.com").ToString(),
            ["credential_source"] = new JsonObject { ["file"] = tokenFile },
        }.ToJsonString()));

        var identity = await ResolveAsync();
        var token = await identity.Tokens.GetTokenAsync(CancellationToken.None);

        Assert.Equal("deployer@p.iam.gserviceaccount.com", _google.PrincipalOf(token));
        Assert.Null(identity.Project);
        Assert.Equal(1, _google.Grants("urn:ietf:params:oauth:grant-type:token-exchange"));
        Assert.Equal(1, _google.Grants("generateAccessToken"));
    }

    [Fact]
    public async Task A_url_sourced_workload_identity_configuration_reads_the_json_field_with_its_headers_and_uses_the_federated_token()
    {
        var principal = "principal://iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/pool/subject/vm-7";
        var audience = _google.WorkloadIdentityPool("eyJ-url-token", principal);
        _google.SubjectTokenUrl = ("{\"access_token\": \"eyJ-url-token\", \"expires_in\": 3599}", "Metadata", "true");
        _scope.Set("GOOGLE_APPLICATION_CREDENTIALS", _scope.File("wif.json", new JsonObject
        {
            ["type"] = "external_account",
            ["audience"] = audience,
            ["subject_token_type"] = "urn:ietf:params:oauth:token-type:jwt",
            ["token_url"] = _google.StsUri.ToString(),
            ["credential_source"] = new JsonObject
            {
                ["url"] = _google.SubjectTokenUri.ToString(),
                ["headers"] = new JsonObject { ["Metadata"] = "true" },
                ["format"] = new JsonObject { ["type"] = "json", ["subject_token_field_name"] = "access_token" },
            },
        }.ToJsonString()));

        var identity = await ResolveAsync();

        Assert.Equal(principal, _google.PrincipalOf(await identity.Tokens.GetTokenAsync(CancellationToken.None)));
    }

    [Fact]
    public async Task A_subject_token_the_pool_does_not_trust_is_refused_with_the_STS_error()
    {
        var audience = _google.WorkloadIdentityPool("eyJ-expected", "principal://x");
        _scope.Set("GOOGLE_APPLICATION_CREDENTIALS", _scope.File("wif.json", new JsonObject
        {
            ["type"] = "external_account",
            ["audience"] = audience,
            ["subject_token_type"] = "urn:ietf:params:oauth:token-type:jwt",
            ["token_url"] = _google.StsUri.ToString(),
            ["credential_source"] = new JsonObject { ["file"] = _scope.File("t", "eyJ-something-else") },
        }.ToJsonString()));

        var error = await FailureAsync();

        Assert.Equal(ProviderErrorKind.Forbidden, error.Kind);
        Assert.Contains("invalid_grant", error.Message, StringComparison.Ordinal);
        Assert.Contains("a workload identity federation configuration", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_AWS_sourced_workload_identity_configuration_is_refused_before_any_request_saying_what_is_supported()
    {
        _scope.Set("GOOGLE_APPLICATION_CREDENTIALS", _scope.File("aws.json", new JsonObject
        {
            ["type"] = "external_account",
            ["audience"] = "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/aws",
            ["subject_token_type"] = "urn:ietf:params:aws:token-type:aws4_request",
            ["credential_source"] = new JsonObject { ["environment_id"] = "aws1", ["region_url"] = "http://169.254.169.254/latest/meta-data/placement/availability-zone" },
        }.ToJsonString()));

        var error = await Assert.ThrowsAsync<ProviderException>(ResolveAsync);

        Assert.Contains("aws1 (AWS), which runbook does not support", error.Message, StringComparison.Ordinal);
        Assert.Empty(_google.Requests);
    }

    [Fact]
    public async Task An_impersonated_service_account_file_uses_the_login_to_get_the_service_accounts_token()
    {
        var login = JsonNode.Parse(_google.AuthorizedUserFile("dana@example.com", null))!;
        _google.AllowImpersonation("dana@example.com", "ops@p.iam.gserviceaccount.com");
        _scope.File(".config/gcloud/application_default_credentials.json", new JsonObject
        {
            ["type"] = "impersonated_service_account",
            ["service_account_impersonation_url"] = _google.ImpersonationUri("ops@p.iam.gserviceaccount.com").ToString(),
            ["source_credentials"] = login,
            ["delegates"] = new JsonArray(),
        }.ToJsonString());

        var identity = await ResolveAsync();

        Assert.Equal("ops@p.iam.gserviceaccount.com", _google.PrincipalOf(await identity.Tokens.GetTokenAsync(CancellationToken.None)));
    }

    [Fact]
    public async Task Impersonating_an_account_the_login_may_not_use_keeps_IAMs_permission_denied_and_says_which_role_is_missing()
    {
        var login = JsonNode.Parse(_google.AuthorizedUserFile("eve@example.com", null))!;
        _scope.File(".config/gcloud/application_default_credentials.json", new JsonObject
        {
            ["type"] = "impersonated_service_account",
            ["service_account_impersonation_url"] = _google.ImpersonationUri("ops@p.iam.gserviceaccount.com").ToString(),
            ["source_credentials"] = login,
        }.ToJsonString());

        var error = await FailureAsync();

        Assert.Equal(ProviderErrorKind.Forbidden, error.Kind);
        Assert.Contains("PERMISSION_DENIED: Permission 'iam.serviceAccounts.getAccessToken' denied", error.Message, StringComparison.Ordinal);
        Assert.Contains("roles/iam.serviceAccountTokenCreator", error.Message, StringComparison.Ordinal);
    }
}
