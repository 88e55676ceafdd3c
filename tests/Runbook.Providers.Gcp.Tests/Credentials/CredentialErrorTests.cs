using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Runbook.Execution.Providers;
using Runbook.Providers.Gcp.Tests.Identity;

namespace Runbook.Providers.Gcp.Tests.Credentials;

/// <summary>Credentials that cannot work fail with a message saying what was tried and how to fix it — never a stack trace.</summary>
public sealed class CredentialErrorTests : IDisposable
{
    private readonly CredentialScope _scope = new();
    private readonly HttpClient _http = new();

    public void Dispose()
    {
        _http.Dispose();
        _scope.Dispose();
    }

    private Task<ProviderException> ResolveFailsAsync() =>
        Assert.ThrowsAsync<ProviderException>(() => GcpCredentials.ResolveAsync(_scope.Get, _http, TimeProvider.System, CancellationToken.None));

    [Fact]
    public async Task No_credentials_anywhere_says_to_log_in_or_export_GOOGLE_APPLICATION_CREDENTIALS_and_lists_where_it_looked()
    {
        var error = await ResolveFailsAsync();

        Assert.Equal(ProviderErrorKind.Failed, error.Kind);
        Assert.StartsWith("no Google credentials: run `gcloud auth application-default login`, or export GOOGLE_APPLICATION_CREDENTIALS=", error.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(_scope.GcloudFolder, "application_default_credentials.json") + " (not there)", error.Message, StringComparison.Ordinal);
        Assert.Contains("not asked: NO_GCE_CHECK=true", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_NO_GCE_CHECK_a_metadata_address_where_nothing_listens_is_asked_and_then_reported()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var closed = $"127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
        listener.Stop();
        _scope.Set("NO_GCE_CHECK", null).Set("GCE_METADATA_IP", closed);

        var error = await ResolveFailsAsync();

        Assert.Contains($"the metadata server (none answered at {closed})", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GOOGLE_APPLICATION_CREDENTIALS_naming_a_missing_file_is_an_error_naming_the_path()
    {
        var missing = Path.Combine(_scope.Home, "nope.json");
        _scope.Set("GOOGLE_APPLICATION_CREDENTIALS", missing);

        var error = await ResolveFailsAsync();

        Assert.Equal($"GOOGLE_APPLICATION_CREDENTIALS names {missing}, which does not exist: export it with the path of a key or credentials file, or unset it to use `gcloud auth application-default login`", error.Message);
    }

    [Theory]
    [InlineData("{\"type\": \"service_account\", ")]
    [InlineData("not json at all")]
    [InlineData("[1, 2]")]
    public async Task A_file_that_is_not_credentials_JSON_is_an_error_naming_the_file(string content)
    {
        var path = _scope.File("broken.json", content);
        _scope.Set("GOOGLE_APPLICATION_CREDENTIALS", path);

        var error = await ResolveFailsAsync();

        Assert.Contains($"GOOGLE_APPLICATION_CREDENTIALS ({path}) is not a readable Google credentials file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_of_an_unknown_type_lists_the_types_runbook_knows()
    {
        _scope.Set("GOOGLE_APPLICATION_CREDENTIALS", _scope.File("odd.json", "{\"type\": \"gdch_service_account\"}"));

        var error = await ResolveFailsAsync();

        Assert.Contains("\"type\": \"gdch_service_account\", which is not a credentials type runbook knows (service_account, authorized_user, external_account, impersonated_service_account)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_executable_sourced_workload_identity_configuration_is_refused_before_running_anything()
    {
        var marker = Path.Combine(_scope.Home, "ran");
        _scope.Set("GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES", "1").Set("GOOGLE_APPLICATION_CREDENTIALS", _scope.File("exe.json", new JsonObject
        {
            ["type"] = "external_account",
            ["audience"] = "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/x",
            ["subject_token_type"] = "urn:ietf:params:oauth:token-type:id_token",
            ["credential_source"] = new JsonObject { ["executable"] = new JsonObject { ["command"] = $"/usr/bin/touch {marker}", ["timeout_millis"] = 5000 } },
        }.ToJsonString()));

        var error = await ResolveFailsAsync();

        Assert.Contains("executable sources are not supported", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public async Task A_key_whose_private_key_is_not_PEM_is_refused_before_any_request()
    {
        _scope.Set("GOOGLE_APPLICATION_CREDENTIALS", _scope.File("key.json", new JsonObject
        {
            ["type"] = "service_account",
            ["client_email"] = "a@p.iam.gserviceaccount.com",
            ["private_key"] = "-----BEGIN PRIVATE KEY-----\nnot base64!\n-----END PRIVATE KEY-----\n",
            ["token_uri"] = "http://127.0.0.1:9/token",
        }.ToJsonString()));

        var error = await ResolveFailsAsync();

        Assert.Contains("has a private_key that is not an RSA key in PEM", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_with_a_token_uri_that_is_not_http_is_refused_before_any_request()
    {
        await using var google = await GoogleIdentityStandIn.StartAsync();
        var key = JsonNode.Parse(google.ServiceAccountKeyFile("a@p.iam.gserviceaccount.com", "p"))!;
        key["token_uri"] = "file:///etc/passwd";
        _scope.Set("GOOGLE_APPLICATION_CREDENTIALS", _scope.File("key.json", key.ToJsonString()));

        var error = await ResolveFailsAsync();

        Assert.Contains("has a token_uri 'file:///etc/passwd' that is not an http(s) URL", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_endpoint_that_cannot_be_reached_is_unavailable_naming_the_endpoint_and_the_credential()
    {
        await using var google = await GoogleIdentityStandIn.StartAsync();
        var key = JsonNode.Parse(google.ServiceAccountKeyFile("a@p.iam.gserviceaccount.com", "p"))!;
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        key["token_uri"] = $"http://127.0.0.1:{port}/token";
        var path = _scope.File("key.json", key.ToJsonString());
        _scope.Set("GOOGLE_APPLICATION_CREDENTIALS", path);
        var identity = await GcpCredentials.ResolveAsync(_scope.Get, _http, TimeProvider.System, CancellationToken.None);

        var error = await Assert.ThrowsAsync<ProviderException>(async () => await identity.Tokens.GetTokenAsync(CancellationToken.None));

        Assert.Equal(ProviderErrorKind.Unavailable, error.Kind);
        Assert.Contains($"cannot reach http://127.0.0.1:{port}/token to get a token for GOOGLE_APPLICATION_CREDENTIALS ({path}, a service-account key) (a@p.iam.gserviceaccount.com)", error.Message, StringComparison.Ordinal);
    }
}
