using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Runbook.Providers.Gcp.Tests.CloudRunServer;

/// <summary>A plain HTTP client for the server's own tests: what any REST caller sends, answers as (status, JSON).</summary>
internal sealed class CloudRunHttp(CloudRunTestServer server, string? token = null) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = server.Endpoint };

    public string ServicePath(string service) => $"v2/projects/{server.Project}/locations/{server.Region}/services/{service}";

    public Task<(HttpStatusCode Status, JsonObject Body)> GetAsync(string path) => SendAsync(HttpMethod.Get, path, null);

    public Task<(HttpStatusCode Status, JsonObject Body)> PatchAsync(string path, JsonObject body) => SendAsync(HttpMethod.Patch, path, body);

    public Task<(HttpStatusCode Status, JsonObject Body)> PostAsync(string path, JsonObject body) => SendAsync(HttpMethod.Post, path, body);

    public async Task<(HttpStatusCode Status, JsonObject Body)> SendAsync(HttpMethod method, string path, JsonObject? body, string? authorization = "")
    {
        using var request = new HttpRequestMessage(method, path);
        if (authorization == string.Empty)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token ?? server.Token);
        }
        else if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonNode.Parse(text)!.AsObject());
    }

    /// <summary>Gets the service, applies <paramref name="change"/> and patches the whole of it back, as gcloud does.</summary>
    public async Task<JsonObject> UpdateAsync(string service, Action<JsonObject> change, string query = "")
    {
        var (status, current) = await GetAsync(ServicePath(service));
        Assert.Equal(HttpStatusCode.OK, status);
        change(current);
        var (patched, operation) = await PatchAsync(ServicePath(service) + query, current);
        Assert.True(patched == HttpStatusCode.OK, operation.ToJsonString());
        return operation;
    }

    /// <summary>Polls operations.get until done, and returns the finished operation.</summary>
    public async Task<JsonObject> WaitAsync(JsonObject operation)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (operation["done"]?.GetValue<bool>() != true)
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(20), $"operation did not finish: {operation.ToJsonString()}");
            await Task.Delay(30);
            var (status, body) = await GetAsync("v2/" + operation["name"]!.GetValue<string>());
            Assert.Equal(HttpStatusCode.OK, status);
            operation = body;
        }

        return operation;
    }

    public void Dispose() => _http.Dispose();
}
