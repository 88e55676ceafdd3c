using System.Text;
using Azure.Core;
using Runbook.Providers.Azure;

namespace Runbook.Providers.Azure.Tests.Provider;

/// <summary>ARM's errors in ARM's words, the principal read from the token, and the log stream's lines.</summary>
public sealed class ArmWordsTests
{
    [Fact]
    public void An_ARM_error_keeps_its_code_its_message_and_its_details()
    {
        var error = new ArmError("ContainerAppOperationError", "Failed to provision revision", null,
            [new ArmError("ImagePullFailure", "manifest unknown: registry.example/web:broken", null, null)]);

        Assert.Equal("ContainerAppOperationError: Failed to provision revision; ImagePullFailure: manifest unknown: registry.example/web:broken", ArmClient.Words(error));
    }

    [Fact]
    public void The_principal_is_read_from_the_JWTs_claims()
    {
        var request = new global::Azure.Core.Pipeline.HttpPipeline(new NoTransport()).CreateRequest();
        request.Headers.Add("Authorization", "Bearer " + Jwt("""{"appid":"11111111-2222-3333-4444-555555555555","oid":"aaaa-bbbb"}"""));

        Assert.Equal("'11111111-2222-3333-4444-555555555555' (object id 'aaaa-bbbb')", ArmClient.Principal(request));
    }

    [Fact]
    public void A_token_that_is_not_a_JWT_names_no_principal_and_does_not_throw()
    {
        var request = new global::Azure.Core.Pipeline.HttpPipeline(new NoTransport()).CreateRequest();
        request.Headers.Add("Authorization", "Bearer not.a-jwt.!!!");

        Assert.Null(ArmClient.Principal(request));
    }

    [Fact]
    public void A_JSON_log_stream_line_gives_its_timestamp_and_its_log()
    {
        var line = ContainerAppLogs.Parse("""{"TimeStamp":"2026-11-30T10:00:01.5+00:00","Log":"F GET /health 500\n"}""");

        Assert.Equal(new DateTimeOffset(2026, 11, 30, 10, 0, 1, 500, TimeSpan.Zero), line!.Value.At);
        Assert.Equal("F GET /health 500", line.Value.Text);
    }

    [Fact]
    public void A_text_log_stream_line_with_a_leading_timestamp_keeps_its_text_whole()
    {
        var line = ContainerAppLogs.Parse("2026-11-30T10:00:02Z error: upstream timed out");

        Assert.Equal(new DateTimeOffset(2026, 11, 30, 10, 0, 2, TimeSpan.Zero), line!.Value.At);
        Assert.Equal("2026-11-30T10:00:02Z error: upstream timed out", line.Value.Text);
    }

    [Fact]
    public void An_application_line_that_starts_with_a_brace_is_kept_as_text()
    {
        var line = ContainerAppLogs.Parse("""{"level":"error","msg":"boom"}""");

        Assert.Null(line!.Value.At);
        Assert.Equal("""{"level":"error","msg":"boom"}""", line.Value.Text);
    }

    [Fact]
    public void A_blank_line_is_no_line()
    {
        Assert.Null(ContainerAppLogs.Parse("   "));
    }

    private static string Jwt(string claims) =>
        $"{Base64Url("""{"alg":"none"}""")}.{Base64Url(claims)}.sig";

    private static string Base64Url(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>A pipeline that is only asked to create requests, never to send.</summary>
    private sealed class NoTransport : global::Azure.Core.Pipeline.HttpPipelineTransport
    {
        public override Request CreateRequest() => new global::Azure.Core.Pipeline.HttpClientTransport().CreateRequest();

        public override void Process(HttpMessage message) => throw new InvalidOperationException("not sent");

        public override ValueTask ProcessAsync(HttpMessage message) => throw new InvalidOperationException("not sent");
    }
}
