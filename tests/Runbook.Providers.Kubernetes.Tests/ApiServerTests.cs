using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Runbook.Providers.Kubernetes.Tests.ApiServer;
using Runbook.Providers.Kubernetes.Tests.Support;

namespace Runbook.Providers.Kubernetes.Tests;

/// <summary>The test API server's semantics that the clients' happy paths do not reach, checked over plain HTTP.</summary>
public sealed class ApiServerTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>, IAsyncLifetime, IDisposable
{
    private readonly string _ns = ApiServerFixture.NewNamespace();
    private HttpClient _http = new();

    private KubeApiServer Server => fixture.Server;

    private string Web => $"/apis/apps/v1/namespaces/{_ns}/deployments/web";

    public async Task InitializeAsync()
    {
        await Server.CreateDeploymentAsync(_ns, "web", "web:1", 1);
        _http = Client(Server.IssueClientCertificate("alice"));
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task A_write_with_a_stale_resourceVersion_is_a_409_conflict()
    {
        var deployment = await GetAsync(Web);
        await SendAsync(HttpMethod.Patch, Web, """{"metadata":{"labels":{"touched":"yes"}}}""", "application/merge-patch+json");

        using var stale = await SendAsync(HttpMethod.Put, Web, deployment.ToJsonString(), "application/json");

        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        var status = JsonNode.Parse(await stale.Content.ReadAsStringAsync())!;
        Assert.Equal("Conflict", status["reason"]!.GetValue<string>());
        Assert.Contains("the object has been modified", status["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Generation_moves_only_when_the_spec_changes()
    {
        await SendAsync(HttpMethod.Patch, Web, """{"metadata":{"annotations":{"note":"x"}}}""", "application/merge-patch+json");
        var afterMetadata = await GetAsync(Web);
        await SendAsync(HttpMethod.Patch, Web, """[{"op":"replace","path":"/spec/replicas","value":2}]""", "application/json-patch+json");
        var afterSpec = await GetAsync(Web);

        Assert.Equal(1, afterMetadata["metadata"]!["generation"]!.GetValue<long>());
        Assert.Equal(2, afterSpec["metadata"]!["generation"]!.GetValue<long>());
        Assert.Equal(2, afterSpec["spec"]!["replicas"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_watch_from_a_resourceVersion_older_than_the_history_is_410_Gone()
    {
        using var response = await _http.GetAsync(new Uri(Server.Url, $"/apis/apps/v1/namespaces/{_ns}/deployments?watch=true&resourceVersion=1&timeoutSeconds=2"));
        var body = await response.Content.ReadAsStringAsync();

        var first = JsonNode.Parse(body.Split('\n')[0])!;
        Assert.Equal("ERROR", first["type"]!.GetValue<string>());
        Assert.Equal(410, first["object"]!["code"]!.GetValue<int>());
    }

    [Fact]
    public async Task Label_selectors_take_every_form_the_real_server_takes()
    {
        async Task<int> Count(string selector) =>
            (await GetAsync($"/api/v1/namespaces/{_ns}/pods?labelSelector={Uri.EscapeDataString(selector)}"))["items"]!.AsArray().Count;

        Assert.Equal(1, await Count("app=web"));
        Assert.Equal(1, await Count("app==web,pod-template-hash"));
        Assert.Equal(0, await Count("app!=web"));
        Assert.Equal(1, await Count("app in (api,web)"));
        Assert.Equal(0, await Count("app notin (api,web)"));
        Assert.Equal(0, await Count("!app"));
    }

    [Fact]
    public async Task A_certificate_from_another_CA_and_no_credentials_are_both_401()
    {
        using var pki = new TestPki();
        using var foreign = Client(pki.IssueClient("mallory"));
        using var anonymous = Client(null);

        using var refused = await foreign.GetAsync(new Uri(Server.Url, Web));
        using var nobody = await anonymous.GetAsync(new Uri(Server.Url, Web));

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, nobody.StatusCode);
    }

    [Fact]
    public async Task An_unknown_patch_type_is_415()
    {
        using var response = await SendAsync(HttpMethod.Patch, Web, "spec: {}", "application/yaml");

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    private async Task<JsonNode> GetAsync(string path) => JsonNode.Parse(await _http.GetStringAsync(new Uri(Server.Url, path)))!;

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string body, string contentType)
    {
        using var request = new HttpRequestMessage(method, new Uri(Server.Url, path)) { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return await _http.SendAsync(request);
    }

    private HttpClient Client((string CertificatePem, string KeyPem)? credentials)
    {
        var ca = X509Certificate2.CreateFromPem(Server.CaCertificatePem);
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return certificate is X509Certificate2 served && chain.Build(served);
        };
        if (credentials is { } c)
        {
            var certificate = X509Certificate2.CreateFromPem(c.CertificatePem, c.KeyPem);
            handler.SslOptions.ClientCertificates = [X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null)];
        }

        return new HttpClient(handler);
    }
}
