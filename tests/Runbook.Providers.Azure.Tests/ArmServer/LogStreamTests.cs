using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Runbook.Providers.Azure.Tests.Support;

namespace Runbook.Providers.Azure.Tests.ArmServer;

/// <summary>The log stream: getAuthtoken, each replica container's logStreamEndpoint, tailLines, follow and the output formats.</summary>
public sealed class LogStreamTests(ArmServerFixture fixture) : IClassFixture<ArmServerFixture>, IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    private readonly ArmHttp _http = new(fixture.Server);
    private readonly HttpClient _stream = new(fixture.Server.CreateTrustingHandler()) { Timeout = TimeSpan.FromSeconds(30) };

    private ContainerAppsTestServer Server => fixture.Server;

    [Fact]
    public async Task The_log_stream_serves_the_last_tailLines_of_that_replica_containers_lines_oldest_first_as_json()
    {
        var (rg, revision) = Seeded(replicas: 2);
        for (var i = 1; i <= 5; i++)
        {
            Server.WriteLog(rg, "web", revision, $"request {i}", T0.AddSeconds(i));
        }

        Server.WriteLog(rg, "web", revision, "on the other replica", T0, replica: 1);
        var (endpoints, token) = await EndpointsAndTokenAsync(rg, revision);

        var lines = await ReadAsync(endpoints[0] + "?tailLines=3&follow=false", token);
        var other = await ReadAsync(endpoints[1] + "?tailLines=3&follow=false", token);

        Assert.Equal(["request 3", "request 4", "request 5"], lines.Select(l => (string)JsonNode.Parse(l)!["Log"]!));
        Assert.Equal("2026-11-30T12:00:03.0000000Z", (string?)JsonNode.Parse(lines[0])!["TimeStamp"]);
        Assert.Equal(["on the other replica"], other.Select(l => (string)JsonNode.Parse(l)!["Log"]!));
    }

    [Fact]
    public async Task Output_text_gives_each_line_after_its_timestamp_and_no_tailLines_gives_the_last_20()
    {
        var (rg, revision) = Seeded();
        for (var i = 1; i <= 25; i++)
        {
            Server.WriteLog(rg, "web", revision, $"line {i}", T0.AddSeconds(i));
        }

        var (endpoints, token) = await EndpointsAndTokenAsync(rg, revision);

        var lines = await ReadAsync(endpoints[0] + "?follow=false&output=text", token);

        Assert.Equal(20, lines.Count);
        Assert.Equal("2026-11-30T12:00:06.0000000Z line 6", lines[0]);
        Assert.Equal("2026-11-30T12:00:25.0000000Z line 25", lines[^1]);
    }

    [Fact]
    public async Task The_log_stream_refuses_the_arm_token_a_token_of_another_app_and_no_token()
    {
        var (rg, revision) = Seeded();
        Server.SeedApp(rg, "api", "registry.test/api:1");
        var (endpoints, _) = await EndpointsAndTokenAsync(rg, revision);
        var apiToken = (string)(await _http.PostAsync(_http.AppPath(rg, "api") + "/getAuthtoken")).Body!["properties"]!["token"]!;

        var withArmToken = await GetAsync(endpoints[0] + "?follow=false", Server.Token);
        var withOtherAppsToken = await GetAsync(endpoints[0] + "?follow=false", apiToken);
        var withNone = await GetAsync(endpoints[0] + "?follow=false", null);

        Assert.Equal(HttpStatusCode.Unauthorized, withArmToken.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, withOtherAppsToken.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, withNone.StatusCode);
    }

    [Theory]
    [InlineData("301")]
    [InlineData("-1")]
    [InlineData("ten")]
    public async Task A_tailLines_outside_0_to_300_is_refused(string tail)
    {
        var (rg, revision) = Seeded();
        var (endpoints, token) = await EndpointsAndTokenAsync(rg, revision);

        using var response = await GetAsync($"{endpoints[0]}?tailLines={tail}&follow=false", token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("InvalidTailLines", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Follow_true_keeps_streaming_the_lines_written_after_the_request()
    {
        var (rg, revision) = Seeded();
        Server.WriteLog(rg, "web", revision, "before", T0);
        var (endpoints, token) = await EndpointsAndTokenAsync(rg, revision);
        using var request = new HttpRequestMessage(HttpMethod.Get, endpoints[0] + "?tailLines=5&follow=true&output=text");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await _stream.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());

        var first = await reader.ReadLineAsync();
        Server.WriteLog(rg, "web", revision, "after", T0.AddMinutes(1));
        var second = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("2026-11-30T12:00:00.0000000Z before", first);
        Assert.Equal("2026-11-30T12:01:00.0000000Z after", second);
    }

    [Fact]
    public async Task A_replica_that_does_not_exist_has_no_log_stream()
    {
        var (rg, revision) = Seeded();
        var (endpoints, token) = await EndpointsAndTokenAsync(rg, revision);
        var gone = endpoints[0].Replace($"/replicas/{revision}-", $"/replicas/{revision}-0", StringComparison.Ordinal);

        using var response = await GetAsync(gone + "?follow=false", token);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Getting_a_log_stream_token_and_reading_the_stream_are_not_mutating_requests()
    {
        var (rg, revision) = Seeded();
        var before = Server.MutatingRequests;

        var (endpoints, token) = await EndpointsAndTokenAsync(rg, revision);
        await ReadAsync(endpoints[0] + "?follow=false", token);

        Assert.Equal(before, Server.MutatingRequests);
    }

    public void Dispose()
    {
        _http.Dispose();
        _stream.Dispose();
    }

    private async Task<(IReadOnlyList<string> Endpoints, string Token)> EndpointsAndTokenAsync(string rg, string revision)
    {
        var replicas = await _http.GetAsync($"{_http.AppPath(rg, "web")}/revisions/{revision}/replicas");
        var token = await _http.PostAsync(_http.AppPath(rg, "web") + "/getAuthtoken");
        Assert.Equal(HttpStatusCode.OK, token.Status);
        var endpoints = replicas.Body!["value"]!.AsArray().Select(r => (string)r!["properties"]!["containers"]![0]!["logStreamEndpoint"]!).ToList();
        Assert.All(endpoints, e => Assert.StartsWith(Server.Endpoint.ToString(), e, StringComparison.Ordinal));
        return (endpoints, (string)token.Body!["properties"]!["token"]!);
    }

    private async Task<HttpResponseMessage> GetAsync(string url, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await _stream.SendAsync(request);
    }

    private async Task<List<string>> ReadAsync(string url, string token)
    {
        using var response = await GetAsync(url, token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries)];
    }

    private (string ResourceGroup, string Revision) Seeded(int replicas = 1)
    {
        var rg = ArmServerFixture.NewResourceGroup();
        Server.SeedApp(rg, "web", "registry.test/web:1", replicas, replicas);
        return (rg, Server.App(rg, "web").LatestRevision);
    }
}
