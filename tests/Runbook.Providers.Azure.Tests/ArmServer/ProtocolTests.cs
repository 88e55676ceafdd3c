using System.Net;
using System.Text.Json.Nodes;
using Runbook.Providers.Azure.Tests.Support;

namespace Runbook.Providers.Azure.Tests.ArmServer;

/// <summary>The ARM front door as a client meets it: TLS, bearer tokens, RBAC, the api-version, errors, faults.</summary>
public sealed class ProtocolTests(ArmServerFixture fixture) : IClassFixture<ArmServerFixture>, IDisposable
{
    private readonly ArmHttp _http = new(fixture.Server);

    private ContainerAppsTestServer Server => fixture.Server;

    [Fact]
    public async Task A_request_without_a_bearer_token_gets_401_AuthenticationFailed_with_a_bearer_challenge()
    {
        var rg = Seeded();

        var response = await _http.GetAsync(_http.AppPath(rg, "web"), token: string.Empty);

        Assert.Equal(HttpStatusCode.Unauthorized, response.Status);
        Assert.Equal("AuthenticationFailed", response.ErrorCode);
        Assert.Contains("'Authorization' header is missing", response.ErrorMessage, StringComparison.Ordinal);
        Assert.StartsWith("Bearer authorization_uri=\"https://login.microsoftonline.com/", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not-a-token-the-server-issued")]
    [InlineData("Basic dXNlcjpwYXNz")]
    public async Task A_token_the_server_did_not_issue_gets_401_InvalidAuthenticationToken(string token)
    {
        var rg = Seeded();

        var response = await _http.GetAsync(_http.AppPath(rg, "web"), token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.Status);
        Assert.Equal("InvalidAuthenticationToken", response.ErrorCode);
        Assert.Contains("error=\"invalid_token\"", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_denied_action_gets_403_AuthorizationFailed_naming_the_principal_its_object_id_the_action_and_the_scope()
    {
        var rg = Seeded();
        Server.AcceptToken("reader-token", "oncall-reader", "Microsoft.App/containerApps/write");
        var path = _http.AppPath(rg, "web");

        var read = await _http.GetAsync(path, "reader-token");
        var write = await SendAs("reader-token", HttpMethod.Patch, path, Scale(2, 3));

        Assert.Equal(HttpStatusCode.OK, read.Status);
        Assert.Equal(HttpStatusCode.Forbidden, write.Status);
        Assert.Equal("AuthorizationFailed", write.ErrorCode);
        Assert.Equal(
            $"The client 'oncall-reader' with object id '{ContainerAppsTestServer.ObjectIdOf("oncall-reader")}' does not have authorization to perform action "
            + $"'Microsoft.App/containerApps/write' over scope '/{path}' or the scope is invalid. If access was recently granted, please refresh your credentials.",
            write.ErrorMessage);
        Assert.Equal(1, Server.App(rg, "web").MinReplicas); // nothing changed
    }

    [Fact]
    public async Task A_denied_revision_action_names_the_revision_as_the_scope()
    {
        var rg = Seeded();
        Server.AcceptToken("no-restart", "oncall-reader", "Microsoft.App/containerApps/revisions/restart/action");
        var revision = Server.App(rg, "web").LatestRevision;

        var response = await SendAs("no-restart", HttpMethod.Post, $"{_http.AppPath(rg, "web")}/revisions/{revision}/restart");

        Assert.Equal(HttpStatusCode.Forbidden, response.Status);
        Assert.Contains($"'Microsoft.App/containerApps/revisions/restart/action' over scope '/{_http.AppPath(rg, "web")}/revisions/{revision}'", response.ErrorMessage,
            StringComparison.Ordinal);
        Assert.Equal(0, Server.App(rg, "web").Revision(revision).Restarts);
    }

    [Fact]
    public async Task A_request_without_an_api_version_gets_400_MissingApiVersionParameter()
    {
        var rg = Seeded();

        var response = await _http.GetAsync(_http.AppPath(rg, "web") + "?api-version=");

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("MissingApiVersionParameter", response.ErrorCode);
    }

    [Theory]
    [InlineData("2019-01-01", "NoRegisteredProviderFound")]
    [InlineData("2026-02-30-preview", "NoRegisteredProviderFound")]
    [InlineData("latest", "InvalidApiVersionParameter")]
    [InlineData("2026-1-1", "InvalidApiVersionParameter")]
    public async Task An_api_version_arm_does_not_accept_for_container_apps_is_refused_in_arms_words(string apiVersion, string code)
    {
        var rg = Seeded();

        var response = await _http.GetAsync($"{_http.AppPath(rg, "web")}?api-version={apiVersion}");

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal(code, response.ErrorCode);
        Assert.Contains("2026-07-01", response.ErrorMessage, StringComparison.Ordinal); // it lists what is supported
    }

    [Theory]
    [InlineData("2024-03-01")]
    [InlineData("2025-01-01")]
    [InlineData("2026-01-01")]
    [InlineData("2026-07-01")]
    public async Task The_api_versions_arm_accepts_for_container_apps_are_answered(string apiVersion)
    {
        var rg = Seeded();

        var response = await _http.GetAsync($"{_http.AppPath(rg, "web")}?api-version={apiVersion}");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("web", (string?)response.Body!["name"]);
    }

    [Fact]
    public async Task An_app_that_does_not_exist_gets_404_ResourceNotFound_naming_the_app_and_its_resource_group()
    {
        var rg = Seeded();

        var response = await _http.GetAsync(_http.AppPath(rg, "api"));

        Assert.Equal(HttpStatusCode.NotFound, response.Status);
        Assert.Equal("ResourceNotFound", response.ErrorCode);
        Assert.StartsWith($"The Resource 'Microsoft.App/containerApps/api' under resource group '{rg}' was not found.", response.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_resource_group_that_does_not_exist_and_another_subscription_get_their_own_404s()
    {
        var group = await _http.GetAsync(_http.AppPath("rg-nowhere", "web"));
        var subscription = await _http.GetAsync("subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.App/containerApps/web");

        Assert.Equal(("ResourceGroupNotFound", HttpStatusCode.NotFound), (group.ErrorCode, group.Status));
        Assert.Equal("Resource group 'rg-nowhere' could not be found.", group.ErrorMessage);
        Assert.Equal(("SubscriptionNotFound", HttpStatusCode.NotFound), (subscription.ErrorCode, subscription.Status));
    }

    [Fact]
    public async Task A_client_that_does_not_trust_the_test_ca_cannot_connect()
    {
        using var untrusting = new HttpClient { BaseAddress = Server.Endpoint };

        var failure = await Assert.ThrowsAsync<HttpRequestException>(() => untrusting.GetAsync("subscriptions"));

        Assert.IsType<System.Security.Authentication.AuthenticationException>(failure.InnerException);
    }

    [Fact]
    public async Task The_ca_file_is_a_pem_certificate_that_signed_the_servers_certificate()
    {
        var ca = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(Server.CaCertificatePath));
        using var handler = new SocketsHttpHandler();
        handler.SslOptions.CertificateChainPolicy = new System.Security.Cryptography.X509Certificates.X509ChainPolicy
        {
            TrustMode = System.Security.Cryptography.X509Certificates.X509ChainTrustMode.CustomRootTrust,
            RevocationMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck,
        };
        handler.SslOptions.CertificateChainPolicy.CustomTrustStore.Add(ca);
        using var client = new HttpClient(handler) { BaseAddress = Server.Endpoint };

        var response = await client.GetAsync("subscriptions");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode); // TLS held; the missing token is what failed
        Assert.StartsWith("https://127.0.0.1:", Server.Endpoint.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Throttled_requests_get_429_with_Retry_After_and_arms_body_then_requests_go_through_again()
    {
        var rg = Seeded();
        Server.ThrottleNext(2, TimeSpan.FromSeconds(3));

        var first = await _http.GetAsync(_http.AppPath(rg, "web"));
        var second = await _http.GetAsync(_http.AppPath(rg, "web"));
        var third = await _http.GetAsync(_http.AppPath(rg, "web"));

        Assert.Equal((HttpStatusCode)429, first.Status);
        Assert.Equal("TooManyRequests", first.ErrorCode);
        Assert.Equal("3", first.Header("Retry-After"));
        Assert.Equal("3000", first.Header("retry-after-ms"));
        Assert.Equal((HttpStatusCode)429, second.Status);
        Assert.Equal(HttpStatusCode.OK, third.Status);
    }

    [Fact]
    public async Task Injected_conflicts_answer_writes_with_409_and_leave_reads_alone()
    {
        var rg = Seeded();
        Server.ConflictNext(1);

        var read = await _http.GetAsync(_http.AppPath(rg, "web"));
        var write = await _http.PatchAsync(_http.AppPath(rg, "web"), Scale(3, 3));
        var retried = await _http.PatchAsync(_http.AppPath(rg, "web"), Scale(3, 3));

        Assert.Equal(HttpStatusCode.OK, read.Status);
        Assert.Equal(HttpStatusCode.Conflict, write.Status);
        Assert.Equal("ContainerAppOperationInProgress", write.ErrorCode);
        Assert.Contains("'web'", write.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Accepted, retried.Status);
    }

    [Fact]
    public async Task A_write_while_an_operation_is_in_progress_gets_409_Conflict()
    {
        var rg = Seeded();

        var first = await _http.PatchAsync(_http.AppPath(rg, "web"), Image("registry.test/web:2"));
        var second = await _http.PatchAsync(_http.AppPath(rg, "web"), Scale(4, 4));

        Assert.Equal(HttpStatusCode.Accepted, first.Status);
        Assert.Equal(HttpStatusCode.Conflict, second.Status);
        Assert.Equal("ContainerAppOperationInProgress", second.ErrorCode);
        await Server.WaitForStableAsync(rg, "web", TimeSpan.FromSeconds(10));
        Assert.Equal(1, Server.App(rg, "web").MaxReplicas);
    }

    [Fact]
    public async Task Reads_are_not_counted_as_mutating_requests_and_every_write_is_whatever_its_answer()
    {
        var rg = Seeded();
        var before = Server.MutatingRequests;

        await _http.GetAsync(_http.AppPath(rg, "web"));
        await _http.GetAsync(_http.AppPath(rg, "web") + "/revisions");
        var unauthenticated = await SendAs(string.Empty, HttpMethod.Patch, _http.AppPath(rg, "web"), Scale(2, 2));
        var afterReads = Server.MutatingRequests;
        await _http.PostAsync($"{_http.AppPath(rg, "web")}/revisions/{Server.App(rg, "web").LatestRevision}/restart");

        Assert.Equal(HttpStatusCode.Unauthorized, unauthenticated.Status);
        Assert.Equal(before + 1, afterReads);
        Assert.Equal(before + 2, Server.MutatingRequests);
        Assert.Contains(Server.Requests, r => r.StartsWith($"PATCH /{_http.AppPath(rg, "web")}?api-version=2026-01-01", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_request_body_with_a_property_the_spec_does_not_define_is_refused_with_InvalidRequestContent()
    {
        var rg = Seeded();
        var body = new JsonObject { ["properties"] = new JsonObject { ["template"] = new JsonObject { ["scale"] = new JsonObject { ["replicas"] = 3 } } } };

        var response = await _http.PatchAsync(_http.AppPath(rg, "web"), body);

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("InvalidRequestContent", response.ErrorCode);
        Assert.Contains("$.properties.template.scale.replicas", response.ErrorMessage, StringComparison.Ordinal);
        Assert.Single(Server.App(rg, "web").Revisions);
    }

    [Fact]
    public async Task A_request_body_that_is_not_json_is_refused_with_InvalidRequestContent()
    {
        var rg = Seeded();
        using var client = new HttpClient(Server.CreateTrustingHandler()) { BaseAddress = Server.Endpoint };
        using var request = new HttpRequestMessage(HttpMethod.Patch, _http.AppPath(rg, "web") + "?api-version=2026-01-01")
        {
            Content = new StringContent("{\"properties\": ", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("Bearer", Server.Token);

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("InvalidRequestContent", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    public void Dispose() => _http.Dispose();

    internal static JsonObject Scale(int min, int max) => new()
    {
        ["properties"] = new JsonObject { ["template"] = new JsonObject { ["scale"] = new JsonObject { ["minReplicas"] = min, ["maxReplicas"] = max } } },
    };

    internal static JsonObject Image(string image, string container = "web") => new()
    {
        ["properties"] = new JsonObject
        {
            ["template"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = container, ["image"] = image }) },
        },
    };

    private async Task<ArmResponse> SendAs(string token, HttpMethod method, string path, JsonNode? body = null) => await _http.SendAsync(method, path, body, token);

    private string Seeded()
    {
        var rg = ArmServerFixture.NewResourceGroup();
        Server.SeedApp(rg, "web", "registry.test/web:1");
        return rg;
    }
}
