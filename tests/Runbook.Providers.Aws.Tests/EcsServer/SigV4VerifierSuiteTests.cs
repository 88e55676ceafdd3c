using System.Text;

namespace Runbook.Providers.Aws.Tests.EcsServer;

/// <summary>
/// The server's verifier against AWS's own Signature Version 4 test suite (shared/specs/aws/sigv4-testsuite):
/// for every case it builds the suite's canonical request, accepts the suite's signed request, and refuses the
/// same request with one byte of the signature or the body changed.
/// </summary>
public sealed class SigV4VerifierSuiteTests
{
    private static readonly string Suite = Path.Combine(AppContext.BaseDirectory, "specs", "sigv4-testsuite");
    private static readonly DateTimeOffset SuiteTime = new(2015, 8, 30, 12, 36, 0, TimeSpan.Zero);

    /// <summary>
    /// Every case but one: get-header-value-multiline folds a header over lines (obs-fold), which HTTP/1.1
    /// servers must refuse (RFC 9112 §5.2) — Kestrel does — so no such request can reach the verifier.
    /// </summary>
    public static TheoryData<string> Cases()
    {
        var cases = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Suite, "*.sreq", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var name = Path.GetRelativePath(Suite, Path.GetDirectoryName(file)!);
            if (!name.EndsWith("get-header-value-multiline", StringComparison.Ordinal))
            {
                cases.Add(name);
            }
        }

        return cases;
    }

    [Fact]
    public void The_suite_is_there_with_all_its_cases()
    {
        Assert.True(Directory.Exists(Suite), $"{Suite} is missing: the test project copies shared/specs/aws/sigv4-testsuite");
        Assert.Equal(33, Cases().Count);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_verifier_builds_the_suites_canonical_request_and_accepts_its_signature(string name)
    {
        var (request, signedHeaders) = Read(name);
        var expected = File.ReadAllText(Path.Combine(Suite, name, Path.GetFileName(name) + ".creq")).ReplaceLineEndings("\n");

        Assert.Equal(expected, SigV4Verifier.CanonicalRequest(request, signedHeaders));
        var (principal, error) = SigV4Verifier.Verify(request, Key(request), "us-east-1", "service", SuiteTime);
        Assert.Null(error);
        Assert.Equal("AKIDEXAMPLE", principal!.AccessKeyId);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_verifier_refuses_the_suites_request_with_its_signature_or_body_changed(string name)
    {
        var (request, _) = Read(name);
        var authorization = request.Headers.Single(h => h.Key == "Authorization");
        var flipped = authorization.Value[..^1] + (authorization.Value[^1] == '0' ? '1' : '0');
        var badSignature = request with { Headers = [.. request.Headers.Select(h => h.Key == "Authorization" ? new KeyValuePair<string, string>(h.Key, flipped) : h)] };
        var badBody = request with { Body = [.. request.Body, (byte)' '] };

        Assert.Equal("InvalidSignatureException", SigV4Verifier.Verify(badSignature, Key(request), "us-east-1", "service", SuiteTime).Error?.Type);
        Assert.Equal("InvalidSignatureException", SigV4Verifier.Verify(badBody, Key(request), "us-east-1", "service", SuiteTime).Error?.Type);
        Assert.Equal("UnrecognizedClientException", SigV4Verifier.Verify(request, _ => null, "us-east-1", "service", SuiteTime).Error?.Type);
        Assert.Equal("InvalidSignatureException", SigV4Verifier.Verify(request, Key(request), "us-east-1", "service", SuiteTime.AddMinutes(6)).Error?.Type);
    }

    private static Func<string, TestCredentials?> Key(SignedRequest request)
    {
        // The suite's cases are about the signature; the token each sends is taken as the one issued with the key.
        var token = request.Headers.Where(h => h.Key.Equals("X-Amz-Security-Token", StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).FirstOrDefault();
        return id => id == "AKIDEXAMPLE" ? new TestCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token, "example") : null;
    }

    /// <summary>The suite's .sreq (with the .authz Authorization): a request line, headers (name:value, repeated names kept in order), a blank line, the body.</summary>
    private static (SignedRequest Request, string[] SignedHeaders) Read(string name)
    {
        var text = File.ReadAllText(Path.Combine(Suite, name, Path.GetFileName(name) + ".sreq")).ReplaceLineEndings("\n");
        var blank = text.IndexOf("\n\n", StringComparison.Ordinal);
        var head = blank < 0 ? text : text[..blank];
        var body = blank < 0 ? string.Empty : text[(blank + 2)..];
        var lines = head.Split('\n');
        var requestLine = lines[0];
        var method = requestLine[..requestLine.IndexOf(' ', StringComparison.Ordinal)];
        var target = requestLine[(method.Length + 1)..requestLine.LastIndexOf(" HTTP/", StringComparison.Ordinal)];
        var headers = lines.Skip(1).Select(l => l.Split(':', 2)).Select(p => new KeyValuePair<string, string>(p[0], p[1].Trim(' ', '\t'))).ToList(); // an HTTP server strips the whitespace around a value
        // The .authz file is the case's expected Authorization; the .sreq of get-vanilla-with-session-token carries
        // get-vanilla's signature by mistake, so the header is taken from .authz for every case.
        var authorization = File.ReadAllText(Path.Combine(Suite, name, Path.GetFileName(name) + ".authz")).Trim();
        headers = [.. headers.Select(h => h.Key == "Authorization" ? new KeyValuePair<string, string>(h.Key, authorization) : h)];
        var signed = authorization[(authorization.IndexOf("SignedHeaders=", StringComparison.Ordinal) + 14)..].Split(',')[0].Split(';');
        return (new SignedRequest(method, target, headers, Encoding.UTF8.GetBytes(body)), signed);
    }
}
