using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Runbook.Providers.Aws.Tests.EcsServer;

namespace Runbook.Providers.Aws.Tests.Support;

/// <summary>An answer as a test reads it: status, the error type header, the request id, the JSON body.</summary>
public sealed record RawAnswer(int Status, string? ErrorTypeHeader, string? RequestId, string? ContentType, JsonObject Body)
{
    public string? Type => Body["__type"]?.GetValue<string>();

    public string? Message => Body["message"]?.GetValue<string>();
}

/// <summary>
/// Hand-made requests for what the vendor clients never send: each part of the protocol and of the signature can
/// be left out or spoiled. Signs with the verifier's own canonical request (the clients' agreement with the
/// server is what shows that one is right).
/// </summary>
public sealed class SignedHttp(EcsTestServer server)
{
    private static readonly HttpClient Http = new();

    public sealed record Options
    {
        public TestCredentials? Credentials { get; init; }

        public string? Target { get; init; }

        public string ContentType { get; init; } = EcsTestServer.JsonContentType;

        public string? ScopeService { get; init; }

        public string? ScopeRegion { get; init; }

        public DateTimeOffset? SignedAt { get; init; }

        /// <summary>The date in the credential scope, when it should differ from the signing time's.</summary>
        public string? ScopeDate { get; init; }

        /// <summary>Sent as the Authorization header as it is, instead of a signature.</summary>
        public string? Authorization { get; init; }

        public string SignedHeaders { get; init; } = "content-type;host;x-amz-date;x-amz-target";

        public bool Sign { get; init; } = true;

        public string Method { get; init; } = "POST";

        /// <summary>Sent instead of the signed body, to show the signature covers it.</summary>
        public string? BodyAfterSigning { get; init; }
    }

    public Task<RawAnswer> EcsAsync(string operation, string body, Options? options = null) =>
        SendAsync($"AmazonEC2ContainerServiceV20141113.{operation}", "ecs", body, options ?? new Options());

    public Task<RawAnswer> LogsAsync(string operation, string body, Options? options = null) =>
        SendAsync($"Logs_20140328.{operation}", "logs", body, options ?? new Options());

    public async Task<RawAnswer> SendAsync(string target, string service, string body, Options options)
    {
        var credentials = options.Credentials ?? new TestCredentials(server.AccessKeyId, server.SecretAccessKey, null, "runbook-tester");
        var at = options.SignedAt ?? DateTimeOffset.UtcNow;
        var amzDate = at.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var host = server.Endpoint.Authority;
        var targetHeader = options.Target ?? target;
        var headers = new List<KeyValuePair<string, string>>
        {
            new("content-type", options.ContentType),
            new("host", host),
            new("x-amz-date", amzDate),
        };
        if (targetHeader.Length > 0)
        {
            headers.Add(new("x-amz-target", targetHeader));
        }

        if (credentials.SessionToken is not null)
        {
            headers.Add(new("x-amz-security-token", credentials.SessionToken));
        }

        using var request = new HttpRequestMessage(new HttpMethod(options.Method), server.Endpoint);
        request.Content = new StringContent(options.BodyAfterSigning ?? body, Encoding.UTF8);
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(options.ContentType);
        request.Headers.TryAddWithoutValidation("X-Amz-Date", amzDate);
        if (targetHeader.Length > 0)
        {
            request.Headers.TryAddWithoutValidation("X-Amz-Target", targetHeader);
        }

        if (credentials.SessionToken is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Amz-Security-Token", credentials.SessionToken);
        }

        if (options.Authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", options.Authorization);
        }
        else if (options.Sign)
        {
            var signed = options.SignedHeaders.Split(';');
            var canonical = SigV4Verifier.CanonicalRequest(new SignedRequest(options.Method, "/", headers, Encoding.UTF8.GetBytes(body)), signed);
            var scope = $"{options.ScopeDate ?? amzDate[..8]}/{options.ScopeRegion ?? server.Region}/{options.ScopeService ?? service}/aws4_request";
            var toSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{scope}\n{SigV4Verifier.Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))}";
            var signature = SigV4Verifier.Hex(SigV4Verifier.Signature(credentials.SecretAccessKey, options.ScopeDate ?? amzDate[..8], options.ScopeRegion ?? server.Region, options.ScopeService ?? service, toSign));
            request.Headers.TryAddWithoutValidation("Authorization", $"AWS4-HMAC-SHA256 Credential={credentials.AccessKeyId}/{scope}, SignedHeaders={options.SignedHeaders}, Signature={signature}");
        }

        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return new RawAnswer(
            (int)response.StatusCode,
            response.Headers.TryGetValues("x-amzn-ErrorType", out var type) ? type.First() : null,
            response.Headers.TryGetValues("x-amzn-RequestId", out var id) ? id.First() : null,
            response.Content.Headers.ContentType?.MediaType,
            text.Length == 0 ? [] : JsonNode.Parse(text)!.AsObject());
    }
}
