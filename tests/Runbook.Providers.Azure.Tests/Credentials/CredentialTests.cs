using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Runbook.Execution.Providers;
using Runbook.Providers.Azure.Credentials;

namespace Runbook.Providers.Azure.Tests.Credentials;

/// <summary>
/// Each kind of credential az users have gets a token from the Entra ID / managed identity stand-in over HTTPS,
/// and each way it can go wrong says which credential was used and what the identity service said.
/// </summary>
public sealed class CredentialTests : IAsyncLifetime
{
    private IdentityWorld _world = null!;

    public async Task InitializeAsync() => _world = await IdentityWorld.StartAsync();

    public async Task DisposeAsync() => await _world.DisposeAsync();

    [Fact]
    public async Task An_environment_client_secret_gets_a_token_for_the_arm_audience_from_the_authority_host()
    {
        _world.StandIn.AddClientSecret(IdentityWorld.Tenant, "app-1", "s3cret");
        _world.ServicePrincipal("app-1", "s3cret");
        var settings = IdentityWorld.Settings(("endpoint", "https://management.azure.com/"));
        using var credential = _world.Credential(settings);

        var token = await IdentityWorld.TokenAsync(credential, _world.Target(settings));

        var issued = Assert.Single(_world.StandIn.Tokens);
        Assert.Equal(issued.Token, token.Token);
        Assert.Equal("sp:app-1", issued.Principal);
        Assert.Contains(_world.StandIn.Requests, r => r.StartsWith($"POST /{IdentityWorld.Tenant}/oauth2/v2.0/token grant_type=client_credentials client_id=app-1 scope=https://management.core.windows.net//.default", StringComparison.Ordinal));
        Assert.Contains("AZURE_CLIENT_ID=app-1", credential.Used, StringComparison.Ordinal);
        Assert.Contains("client secret", credential.Used, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_environment_certificate_signs_a_client_assertion_that_the_authority_verifies()
    {
        using var key = RSA.Create(2048);
        using var certificate = new CertificateRequest("CN=runbook-sp", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var pem = Path.Combine(_world.Home, "sp.pem");
        File.WriteAllText(pem, certificate.ExportCertificatePem() + "\n" + key.ExportPkcs8PrivateKeyPem() + "\n");
        _world.StandIn.AddCertificate(IdentityWorld.Tenant, "app-cert", certificate);
        _world.Environment["AZURE_TENANT_ID"] = IdentityWorld.Tenant;
        _world.Environment["AZURE_CLIENT_ID"] = "app-cert";
        _world.Environment["AZURE_CLIENT_CERTIFICATE_PATH"] = pem;
        using var credential = _world.Credential();

        var token = await IdentityWorld.TokenAsync(credential, _world.Target(IdentityWorld.Settings()));

        Assert.Equal(("sp:app-cert", token.Token), (_world.StandIn.Tokens.Single().Principal, _world.StandIn.Tokens.Single().Token));
        Assert.Contains("certificate " + pem, credential.Used, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_certificate_the_application_does_not_have_is_refused_with_AADSTS700027()
    {
        using var registeredKey = RSA.Create(2048);
        using var registered = new CertificateRequest("CN=registered", registeredKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        using var otherKey = RSA.Create(2048);
        using var other = new CertificateRequest("CN=runbook-sp", otherKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var pem = Path.Combine(_world.Home, "other.pem");
        File.WriteAllText(pem, other.ExportCertificatePem() + "\n" + otherKey.ExportPkcs8PrivateKeyPem() + "\n");
        _world.StandIn.AddCertificate(IdentityWorld.Tenant, "app-cert", registered);
        _world.Environment["AZURE_TENANT_ID"] = IdentityWorld.Tenant;
        _world.Environment["AZURE_CLIENT_ID"] = "app-cert";
        _world.Environment["AZURE_CLIENT_CERTIFICATE_PATH"] = pem;
        using var credential = _world.Credential();

        var error = await Assert.ThrowsAsync<ProviderException>(() => IdentityWorld.TokenAsync(credential, _world.Target(IdentityWorld.Settings())));

        Assert.Equal(ProviderErrorKind.Forbidden, error.Kind);
        Assert.StartsWith("cannot get an Azure token from the environment's service principal (AZURE_CLIENT_ID=app-cert, certificate", error.Message, StringComparison.Ordinal);
        Assert.Contains("AADSTS700027", error.Message, StringComparison.Ordinal);
        Assert.Empty(_world.StandIn.Tokens);
    }

    [Fact]
    public async Task Workload_identity_exchanges_the_federated_token_file_for_a_token_of_the_client_id_setting()
    {
        var file = Path.Combine(_world.Home, "azure-identity-token");
        File.WriteAllText(file, "eyJ-service-account-token");
        _world.StandIn.AddFederated(IdentityWorld.Tenant, "wi-client", "eyJ-service-account-token");
        _world.Environment["AZURE_TENANT_ID"] = IdentityWorld.Tenant;
        _world.Environment["AZURE_CLIENT_ID"] = "pod-default-client";
        _world.Environment["AZURE_FEDERATED_TOKEN_FILE"] = file;
        var settings = IdentityWorld.Settings(("client_id", "wi-client"));
        using var credential = _world.Credential(settings);

        var token = await IdentityWorld.TokenAsync(credential, _world.Target(settings));

        Assert.Equal(("wi:wi-client", token.Token), (_world.StandIn.Tokens.Single().Principal, _world.StandIn.Tokens.Single().Token));
        Assert.Contains("workload identity (client wi-client", credential.Used, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_federated_token_the_application_does_not_trust_is_refused_with_AADSTS70021()
    {
        var file = Path.Combine(_world.Home, "azure-identity-token");
        File.WriteAllText(file, "eyJ-another-namespace");
        _world.StandIn.AddFederated(IdentityWorld.Tenant, "wi-client", "eyJ-service-account-token");
        _world.Environment["AZURE_TENANT_ID"] = IdentityWorld.Tenant;
        _world.Environment["AZURE_CLIENT_ID"] = "wi-client";
        _world.Environment["AZURE_FEDERATED_TOKEN_FILE"] = file;
        using var credential = _world.Credential();

        var error = await Assert.ThrowsAsync<ProviderException>(() => IdentityWorld.TokenAsync(credential, _world.Target(IdentityWorld.Settings())));

        Assert.StartsWith("cannot get an Azure token from workload identity (client wi-client", error.Message, StringComparison.Ordinal);
        Assert.Contains("AADSTS70021: No matching federated identity record found", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Managed_identity_at_IDENTITY_ENDPOINT_sends_the_identity_header_and_asks_for_the_arm_resource()
    {
        _world.StandIn.AddManagedIdentity(null);
        _world.Environment["IDENTITY_ENDPOINT"] = new Uri(_world.StandIn.Url, "msi/token").ToString();
        _world.Environment["IDENTITY_HEADER"] = _world.StandIn.IdentityHeader;
        using var credential = _world.Credential();

        var token = await IdentityWorld.TokenAsync(credential, _world.Target(IdentityWorld.Settings()));

        Assert.Equal(("mi:system", token.Token), (_world.StandIn.Tokens.Single().Principal, _world.StandIn.Tokens.Single().Token));
        Assert.Contains(_world.StandIn.Requests, r => r.StartsWith("GET /msi/token?api-version=2019-08-01&resource=https%3A%2F%2Fmanagement.core.windows.net%2F X-IDENTITY-HEADER=ih-", StringComparison.Ordinal));
        Assert.True(token.ExpiresOn > DateTimeOffset.UtcNow.AddMinutes(50), token.ExpiresOn.ToString());
        Assert.Contains("system-assigned", credential.Used, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Managed_identity_through_the_instance_metadata_service_asks_for_the_user_assigned_client_id_setting()
    {
        _world.StandIn.AddManagedIdentity("uami-client");
        _world.Environment["AZURE_POD_IDENTITY_AUTHORITY_HOST"] = _world.StandIn.Url.ToString();
        var settings = IdentityWorld.Settings(("client_id", "uami-client"));
        using var credential = _world.Credential(settings);

        var token = await IdentityWorld.TokenAsync(credential, _world.Target(settings));

        Assert.Equal(("mi:uami-client", token.Token), (_world.StandIn.Tokens.Single().Principal, _world.StandIn.Tokens.Single().Token));
        Assert.Contains(_world.StandIn.Requests, r => r.StartsWith("GET /metadata/identity/oauth2/token?api-version=2018-02-01&resource=", StringComparison.Ordinal)
            && r.Contains("&client_id=uami-client Metadata=true", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_host_whose_metadata_service_has_no_such_identity_falls_through_to_the_next_credential()
    {
        _world.StandIn.AddManagedIdentity(null); // the system-assigned one exists; the asked-for user-assigned one does not
        _world.Environment["AZURE_POD_IDENTITY_AUTHORITY_HOST"] = _world.StandIn.Url.ToString();
        var settings = IdentityWorld.Settings(("client_id", "not-assigned"));
        using var credential = _world.Credential(settings);

        var error = await Assert.ThrowsAsync<ProviderException>(() => IdentityWorld.TokenAsync(credential, _world.Target(settings)));

        Assert.Contains("ManagedIdentityCredential: the instance metadata service has no identity for this host: invalid_request: Identity not found", error.Message, StringComparison.Ordinal);
        Assert.Contains("AzureCliCredential: az is not on PATH", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_client_secret_surfaces_AADSTS7000215_naming_the_service_principal_and_tries_nothing_else()
    {
        _world.StandIn.AddClientSecret(IdentityWorld.Tenant, "app-1", "right");
        _world.StandIn.AddManagedIdentity(null);
        _world.Environment["AZURE_POD_IDENTITY_AUTHORITY_HOST"] = _world.StandIn.Url.ToString();
        _world.ServicePrincipal("app-1", "wrong");
        using var credential = _world.Credential();

        var error = await Assert.ThrowsAsync<ProviderException>(() => IdentityWorld.TokenAsync(credential, _world.Target(IdentityWorld.Settings())));

        Assert.Equal(ProviderErrorKind.Forbidden, error.Kind);
        Assert.StartsWith("cannot get an Azure token from the environment's service principal (AZURE_CLIENT_ID=app-1, client secret", error.Message, StringComparison.Ordinal);
        Assert.Contains("AADSTS7000215: Invalid client secret provided.", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong", error.Message, StringComparison.Ordinal); // the secret itself is never shown
        Assert.DoesNotContain(_world.StandIn.Requests, r => r.Contains("/metadata/", StringComparison.Ordinal)); // no other identity is used instead
    }

    [Fact]
    public async Task An_unknown_application_is_reported_with_AADSTS700016_naming_it_and_the_tenant()
    {
        _world.StandIn.AddClientSecret(IdentityWorld.Tenant, "app-1", "s3cret");
        _world.ServicePrincipal("app-typo", "s3cret");
        using var credential = _world.Credential();

        var error = await Assert.ThrowsAsync<ProviderException>(() => IdentityWorld.TokenAsync(credential, _world.Target(IdentityWorld.Settings())));

        Assert.Contains($"AADSTS700016: Application with identifier 'app-typo' was not found in the directory '{IdentityWorld.Tenant}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_near_its_expiry_is_replaced_by_a_new_one_from_the_authority()
    {
        _world.StandIn.AddClientSecret(IdentityWorld.Tenant, "app-1", "s3cret");
        _world.StandIn.TokenLifetime = TimeSpan.FromSeconds(90); // inside the five minutes before expiry in which a token is renewed
        _world.ServicePrincipal("app-1", "s3cret");
        using var credential = _world.Credential();
        var target = _world.Target(IdentityWorld.Settings());

        var first = await IdentityWorld.TokenAsync(credential, target);
        var second = await IdentityWorld.TokenAsync(credential, target);

        Assert.NotEqual(first.Token, second.Token);
        Assert.Equal(2, _world.StandIn.Tokens.Count);
        Assert.Equal(_world.StandIn.Tokens[1].Token, second.Token);
    }

    [Fact]
    public async Task A_long_lived_token_is_reused_instead_of_asking_the_authority_again()
    {
        _world.StandIn.AddClientSecret(IdentityWorld.Tenant, "app-1", "s3cret");
        _world.ServicePrincipal("app-1", "s3cret");
        using var credential = _world.Credential();
        var target = _world.Target(IdentityWorld.Settings());

        var first = await IdentityWorld.TokenAsync(credential, target);
        var second = await IdentityWorld.TokenAsync(credential, target);

        Assert.Equal(first.Token, second.Token);
        Assert.Single(_world.StandIn.Tokens);
    }

    [Fact]
    public async Task A_managed_identity_token_past_its_expiry_is_fetched_again_on_the_providers_clock()
    {
        _world.StandIn.AddManagedIdentity(null);
        _world.Environment["IDENTITY_ENDPOINT"] = new Uri(_world.StandIn.Url, "msi/token").ToString();
        _world.Environment["IDENTITY_HEADER"] = _world.StandIn.IdentityHeader;
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        using var credential = _world.Credential(time: clock);
        var target = _world.Target(IdentityWorld.Settings());

        var first = await IdentityWorld.TokenAsync(credential, target);
        var cached = await IdentityWorld.TokenAsync(credential, target);
        clock.Advance(TimeSpan.FromMinutes(56)); // within five minutes of the hour the token lives
        var renewed = await IdentityWorld.TokenAsync(credential, target);

        Assert.Equal(first.Token, cached.Token);
        Assert.NotEqual(first.Token, renewed.Token);
        Assert.Equal(2, _world.StandIn.Tokens.Count);
    }

    [Fact]
    public async Task An_authority_nobody_answers_at_is_a_retryable_failure_naming_the_credential()
    {
        _world.ServicePrincipal("app-1", "s3cret");
        _world.Environment["AZURE_AUTHORITY_HOST"] = "https://127.0.0.1:9/";
        using var credential = _world.Credential();

        var error = await Assert.ThrowsAsync<ProviderException>(() => IdentityWorld.TokenAsync(credential, _world.Target(IdentityWorld.Settings())));

        Assert.Equal(ProviderErrorKind.Unavailable, error.Kind);
        Assert.StartsWith("cannot get an Azure token from the environment's service principal (AZURE_CLIENT_ID=app-1, client secret, authority https://127.0.0.1:9/)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_credential_at_all_is_one_message_listing_what_was_tried_in_order_and_how_to_fix_it()
    {
        // Nothing configured; the metadata service is a port nobody listens on (as on a laptop: no answer).
        _world.Environment["AZURE_POD_IDENTITY_AUTHORITY_HOST"] = "http://127.0.0.1:9/";
        using var credential = _world.Credential();

        var error = await Assert.ThrowsAsync<ProviderException>(() => IdentityWorld.TokenAsync(credential, _world.Target(IdentityWorld.Settings())));

        Assert.Equal(ProviderErrorKind.Forbidden, error.Kind);
        Assert.StartsWith("no Azure credential: tried, in order, ", error.Message, StringComparison.Ordinal);
        string[] order =
        [
            "EnvironmentCredential: the environment's service principal (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH not set)",
            "WorkloadIdentityCredential: workload identity (AZURE_FEDERATED_TOKEN_FILE, AZURE_CLIENT_ID, AZURE_TENANT_ID not set)",
            "ManagedIdentityCredential: no instance metadata service answered at http://127.0.0.1:9",
            "AzureCliCredential: az is not on PATH (install the Azure CLI and run 'az login')",
            "Fix: run 'az login'",
        ];
        var positions = order.Select(part => error.Message.IndexOf(part, StringComparison.Ordinal)).ToArray();
        Assert.True(positions.All(p => p >= 0) && positions.SequenceEqual(positions.Order()), error.Message);
    }

    [Fact]
    public async Task The_azure_cli_login_gives_the_token_az_account_get_access_token_prints_for_the_resource_and_tenant()
    {
        // az is not installed here; this az prints what `az account get-access-token --output json` prints (az 2.54+)
        // and records its arguments, so the credential's command line and parsing are what is checked.
        var args = Path.Combine(_world.Home, "az-args");
        _world.Executable("az", $$"""
            #!/bin/sh
            printf '%s\n' "$@" > {{args}}
            echo '{"accessToken": "cli-token-1", "expiresOn": "2099-01-01 00:00:00.000000", "expires_on": 4070908800, "subscription": "s", "tenant": "t", "tokenType": "Bearer"}'
            """);
        var settings = IdentityWorld.Settings(("tenant_id", "contoso-tenant"));
        using var credential = _world.Credential(settings);

        var token = await IdentityWorld.TokenAsync(credential, _world.Target(settings));

        Assert.Equal("cli-token-1", token.Token);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(4070908800), token.ExpiresOn);
        Assert.Equal(["account", "get-access-token", "--output", "json", "--resource", "https://management.core.windows.net/", "--tenant", "contoso-tenant"],
            File.ReadAllLines(args));
        Assert.Equal("the Azure CLI's login (az account get-access-token)", credential.Used);
    }

    [Fact]
    public async Task An_az_that_is_not_logged_in_counts_as_not_there_and_says_to_run_az_login()
    {
        _world.Executable("az", "#!/bin/sh\necho \"ERROR: Please run 'az login' to setup account.\" >&2\nexit 1\n");
        _world.Environment["AZURE_TOKEN_CREDENTIALS"] = "dev";
        using var credential = _world.Credential();

        var error = await Assert.ThrowsAsync<ProviderException>(() => IdentityWorld.TokenAsync(credential, _world.Target(IdentityWorld.Settings())));

        Assert.Contains("AzureCliCredential: az is not logged in (Please run 'az login' to setup account.): run 'az login'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AZURE_TOKEN_CREDENTIALS_naming_one_credential_skips_the_others_even_when_they_are_configured()
    {
        _world.StandIn.AddClientSecret(IdentityWorld.Tenant, "app-1", "s3cret");
        _world.StandIn.AddManagedIdentity(null);
        _world.ServicePrincipal("app-1", "s3cret");
        _world.Environment["AZURE_POD_IDENTITY_AUTHORITY_HOST"] = _world.StandIn.Url.ToString();
        _world.Environment["AZURE_TOKEN_CREDENTIALS"] = "ManagedIdentityCredential";
        using var credential = _world.Credential();

        await IdentityWorld.TokenAsync(credential, _world.Target(IdentityWorld.Settings()));

        Assert.Equal("mi:system", _world.StandIn.Tokens.Single().Principal);
        Assert.DoesNotContain(_world.StandIn.Requests, r => r.Contains("oauth2/v2.0/token", StringComparison.Ordinal));
    }

    [Fact]
    public void An_unknown_AZURE_TOKEN_CREDENTIALS_value_is_refused_with_the_values_it_may_take()
    {
        _world.Environment["AZURE_TOKEN_CREDENTIALS"] = "VisualStudioCredential";

        var error = Assert.Throws<ProviderException>(() => _world.Credential());

        Assert.Contains("AZURE_TOKEN_CREDENTIALS is 'VisualStudioCredential': give prod, dev, EnvironmentCredential", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_IDENTITY_ENDPOINT_over_plain_http_to_another_host_is_refused_before_any_secret_header_is_sent()
    {
        _world.Environment["IDENTITY_ENDPOINT"] = "http://attacker.example/msi/token";
        _world.Environment["IDENTITY_HEADER"] = "secret-header";

        var error = Assert.Throws<ProviderException>(() => _world.Credential());

        Assert.Contains("IDENTITY_ENDPOINT 'http://attacker.example/msi/token' must be an https URL or a loopback address", error.Message, StringComparison.Ordinal);
    }

    /// <summary>A clock the test moves.</summary>
    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
