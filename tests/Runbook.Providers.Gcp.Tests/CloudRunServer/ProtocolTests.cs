using System.Net;
using System.Text.Json.Nodes;

namespace Runbook.Providers.Gcp.Tests.CloudRunServer;

/// <summary>The wire as Google's front end applies it: tokens, permissions, injected faults, request bodies, counting.</summary>
public sealed class ProtocolTests(CloudRunServerFixture fixture) : IClassFixture<CloudRunServerFixture>
{
    private CloudRunTestServer Server => fixture.Server;

    [Fact]
    public async Task A_request_without_a_token_is_401_unauthenticated_in_googles_error_shape()
    {
        var name = CloudRunServerFixture.NewService("anon");
        Server.SeedService(name, "app:1");
        using var http = new CloudRunHttp(Server);

        var (status, body) = await http.SendAsync(HttpMethod.Get, http.ServicePath(name), null, authorization: null);

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal(401, body["error"]!["code"]!.GetValue<int>());
        Assert.Equal("UNAUTHENTICATED", body["error"]!["status"]!.GetValue<string>());
        Assert.StartsWith("Request is missing required authentication credential.", body["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("type.googleapis.com/google.rpc.ErrorInfo", body["error"]!["details"]![0]!["@type"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("Bearer ya29.not-a-token-the-server-issued")]
    [InlineData("Basic dXNlcjpwYXNz")]
    [InlineData("Bearer")]
    public async Task A_token_the_server_did_not_issue_is_401_invalid_credentials(string authorization)
    {
        using var http = new CloudRunHttp(Server);

        var (status, body) = await http.SendAsync(HttpMethod.Get, http.ServicePath("any"), null, authorization);

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.StartsWith("Request had invalid authentication credentials.", body["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_principal_denied_run_services_update_gets_403_naming_the_permission_and_the_service_and_nothing_changes()
    {
        var name = CloudRunServerFixture.NewService("deny");
        Server.SeedService(name, "app:1");
        Server.AcceptToken("ya29.read-only", "reader@runbook-test-project.iam.gserviceaccount.com", "run.services.update");
        using var reader = new CloudRunHttp(Server, "ya29.read-only");
        var (read, service) = await reader.GetAsync(reader.ServicePath(name));
        service["template"]!["containers"]![0]!["image"] = "app:2";

        var (status, body) = await reader.PatchAsync(reader.ServicePath(name), service);

        Assert.Equal(HttpStatusCode.OK, read);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("PERMISSION_DENIED", body["error"]!["status"]!.GetValue<string>());
        Assert.Equal($"Permission 'run.services.update' denied on resource 'projects/{Server.Project}/locations/{Server.Region}/services/{name}' (or it may not exist).",
            body["error"]!["message"]!.GetValue<string>());
        Assert.Equal("app:1", Server.Service(name).Image);
    }

    [Fact]
    public async Task Another_project_is_403_permission_denied()
    {
        using var http = new CloudRunHttp(Server);

        var (status, body) = await http.GetAsync($"v2/projects/someone-elses/locations/{Server.Region}/services/x");

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("PERMISSION_DENIED", body["error"]!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Throttled_requests_get_429_resource_exhausted_and_then_the_next_request_is_served()
    {
        await using var server = await CloudRunTestServer.StartAsync();
        server.SeedService("svc", "app:1");
        using var http = new CloudRunHttp(server);
        server.ThrottleNext(2);

        var first = await http.GetAsync(http.ServicePath("svc"));
        var second = await http.GetAsync(http.ServicePath("svc"));
        var third = await http.GetAsync(http.ServicePath("svc"));

        Assert.Equal((HttpStatusCode)429, first.Status);
        Assert.Equal("RESOURCE_EXHAUSTED", first.Body["error"]!["status"]!.GetValue<string>());
        Assert.Equal(429, first.Body["error"]!["code"]!.GetValue<int>());
        Assert.Equal((HttpStatusCode)429, second.Status);
        Assert.Equal(HttpStatusCode.OK, third.Status);
    }

    [Fact]
    public async Task Unavailable_requests_get_503_unavailable()
    {
        await using var server = await CloudRunTestServer.StartAsync();
        server.SeedService("svc", "app:1");
        using var http = new CloudRunHttp(server);
        server.UnavailableNext(1);

        var (status, body) = await http.GetAsync(http.ServicePath("svc"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("UNAVAILABLE", body["error"]!["status"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(http.ServicePath("svc"))).Status);
    }

    [Fact]
    public async Task A_body_field_the_service_schema_does_not_have_is_400_and_changes_nothing()
    {
        var name = CloudRunServerFixture.NewService("unknown");
        Server.SeedService(name, "app:1");
        using var http = new CloudRunHttp(Server);
        var (_, service) = await http.GetAsync(http.ServicePath(name));
        service["template"]!["scaling"]!["minInstances"] = 3;

        var (status, body) = await http.PatchAsync(http.ServicePath(name), service);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("minInstances", body["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(1, Server.Service(name).Generation);
    }

    [Fact]
    public async Task A_query_parameter_the_method_does_not_have_is_400()
    {
        using var http = new CloudRunHttp(Server);

        var (status, body) = await http.GetAsync(http.ServicePath("x") + "?minInstances=3");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("Unknown name \"minInstances\"", body["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Only_patch_post_and_delete_on_resources_count_as_mutating_requests_even_when_refused()
    {
        await using var server = await CloudRunTestServer.StartAsync();
        server.SeedService("svc", "app:1");
        using var http = new CloudRunHttp(server);
        var path = http.ServicePath("svc");

        await http.GetAsync(path);
        await http.GetAsync(path + "/revisions");
        await http.PostAsync("v2/entries:list", new JsonObject { ["resourceNames"] = new JsonArray($"projects/{server.Project}") });
        Assert.Equal(0, server.MutatingRequests);

        await http.SendAsync(HttpMethod.Patch, path, new JsonObject(), authorization: null);
        await http.SendAsync(HttpMethod.Delete, path, null);
        Assert.Equal(2, server.MutatingRequests);
        Assert.Equal(5, server.Requests.Count);
        Assert.StartsWith("PATCH /v2/projects/", server.Requests[3], StringComparison.Ordinal);
    }
}
