using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Runbook.Providers.Azure.Tests.ArmServer;

namespace Runbook.Providers.Azure.Tests.Support;

/// <summary>An HTTP answer from the ARM test server: status, headers and the JSON body (null when empty).</summary>
public sealed record ArmResponse(HttpStatusCode Status, HttpResponseHeaders Headers, JsonNode? Body)
{
    public string? Header(string name) => Headers.TryGetValues(name, out var values) ? values.First() : null;

    public string? ErrorCode => (string?)Body?["error"]?["code"];

    public string? ErrorMessage => (string?)Body?["error"]?["message"];
}

/// <summary>Raw HTTPS requests to the ARM test server, trusting only its CA: for tests of the protocol itself.</summary>
public sealed class ArmHttp : IDisposable
{
    private readonly HttpClient _client;
    private readonly ContainerAppsTestServer _server;

    public ArmHttp(ContainerAppsTestServer server)
    {
        _server = server;
        _client = new HttpClient(server.CreateTrustingHandler()) { BaseAddress = server.Endpoint, Timeout = TimeSpan.FromSeconds(30) };
    }

    public string AppPath(string resourceGroup, string app) =>
        $"subscriptions/{_server.Subscription}/resourceGroups/{resourceGroup}/providers/Microsoft.App/containerApps/{app}";

    /// <summary>Sends <paramref name="method"/> to <paramref name="path"/> (api-version 2026-01-01 added unless the path has one), as <paramref name="token"/> (the server's by default; "" sends none).</summary>
    public async Task<ArmResponse> SendAsync(HttpMethod method, string path, JsonNode? body = null, string? token = null)
    {
        if (!path.Contains("api-version=", StringComparison.Ordinal))
        {
            path += (path.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "api-version=2026-01-01";
        }

        using var request = new HttpRequestMessage(method, path);
        token ??= _server.Token;
        if (token.Length > 0)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        using var response = await _client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return new ArmResponse(response.StatusCode, response.Headers, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    public Task<ArmResponse> GetAsync(string path, string? token = null) => SendAsync(HttpMethod.Get, path, null, token);

    public Task<ArmResponse> PatchAsync(string path, JsonNode body) => SendAsync(HttpMethod.Patch, path, body);

    public Task<ArmResponse> PostAsync(string path) => SendAsync(HttpMethod.Post, path);

    /// <summary>Polls an Azure-AsyncOperation URL until the operation leaves InProgress; returns every status seen.</summary>
    public async Task<(IReadOnlyList<string> Statuses, ArmResponse Last)> PollAsync(string operationUrl, TimeSpan timeout)
    {
        var statuses = new List<string>();
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var status = await GetAsync(operationUrl);
            Assert.Equal(HttpStatusCode.OK, status.Status);
            statuses.Add((string)status.Body!["status"]!);
            if (statuses[^1] != "InProgress" || DateTime.UtcNow > deadline)
            {
                return (statuses, status);
            }

            await Task.Delay(50);
        }
    }

    public void Dispose() => _client.Dispose();
}
