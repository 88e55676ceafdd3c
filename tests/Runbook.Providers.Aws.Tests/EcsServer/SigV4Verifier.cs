using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Runbook.Providers.Aws.Tests.EcsServer;

/// <summary>An access key the test server accepts, with the session token it requires when it has one.</summary>
public sealed record TestCredentials(string AccessKeyId, string SecretAccessKey, string? SessionToken, string UserName, DateTimeOffset? Expires = null);

/// <summary>A request as the verifier needs it: the raw target (path and query as sent), headers and body.</summary>
internal sealed record SignedRequest(string Method, string RawTarget, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Body);

/// <summary>
/// Verifies AWS Signature Version 4 on the server side, written from the published algorithm and independently
/// of any client's signer (a shared bug would pass both): it rebuilds the canonical request and the string to
/// sign from what arrived, derives the signing key from the known secret, and answers with the error the real
/// service gives for each way a signature can be wrong.
/// </summary>
internal static class SigV4Verifier
{
    public const string Algorithm = "AWS4-HMAC-SHA256";

    /// <summary>How far the signed time may be from the server's clock, as on the real endpoints.</summary>
    public static readonly TimeSpan AllowedSkew = TimeSpan.FromMinutes(5);

    /// <summary>The principal that signed the request, or the AWS error that refuses it.</summary>
    public static (TestCredentials? Principal, AwsError? Error) Verify(
        SignedRequest request, Func<string, TestCredentials?> findKey, string region, string service, DateTimeOffset now)
    {
        var authorization = Header(request, "authorization");
        if (authorization is null)
        {
            return (null, new AwsError("MissingAuthenticationTokenException", 400, "Missing Authentication Token"));
        }

        if (!authorization.StartsWith(Algorithm + " ", StringComparison.Ordinal))
        {
            var algorithm = authorization.Split(' ', 2)[0];
            return (null, new AwsError("IncompleteSignatureException", 400, $"Unsupported AWS 'algorithm': '{algorithm}'"));
        }

        var parts = authorization[(Algorithm.Length + 1)..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        var missing = new[] { "Credential", "Signature", "SignedHeaders" }.Where(p => !parts.ContainsKey(p)).ToList();
        if (missing.Count > 0)
        {
            return (null, new AwsError("IncompleteSignatureException", 400,
                string.Concat(missing.Select(m => $"Authorization header requires '{m}' parameter. ")) + $"Authorization={authorization}"));
        }

        var amzDate = Header(request, "x-amz-date");
        if (amzDate is null)
        {
            return (null, new AwsError("IncompleteSignatureException", 400,
                $"Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization={authorization}"));
        }

        if (!DateTimeOffset.TryParseExact(amzDate, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var signedAt))
        {
            return (null, new AwsError("IncompleteSignatureException", 400,
                $"Date must be in ISO-8601 'basic format'. Got '{amzDate}'. See http://en.wikipedia.org/wiki/ISO_8601"));
        }

        var scope = parts["Credential"].Split('/');
        if (scope.Length != 5)
        {
            return (null, new AwsError("IncompleteSignatureException", 400,
                $"Credential should have 5 slash-separated parts (access key, date, region, service, aws4_request), got {scope.Length}. Authorization={authorization}"));
        }

        var (accessKeyId, scopeDate, scopeRegion, scopeService, terminator) = (scope[0], scope[1], scope[2], scope[3], scope[4]);
        var principal = findKey(accessKeyId);
        if (principal is null)
        {
            return (null, new AwsError("UnrecognizedClientException", 400, "The security token included in the request is invalid."));
        }

        if (scopeDate != amzDate[..8])
        {
            return (null, new AwsError("InvalidSignatureException", 400,
                $"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{scopeDate}' != '{amzDate[..8]}', from '{amzDate}'."));
        }

        if (scopeRegion != region)
        {
            return (null, new AwsError("InvalidSignatureException", 400, $"Credential should be scoped to a valid region, not '{scopeRegion}'. "));
        }

        if (scopeService != service)
        {
            return (null, new AwsError("InvalidSignatureException", 400, $"Credential should be scoped to correct service: '{service}'. "));
        }

        if (terminator != "aws4_request")
        {
            return (null, new AwsError("InvalidSignatureException", 400, $"Credential should be scoped with a valid terminator: 'aws4_request', not '{terminator}'. "));
        }

        var signedHeaders = parts["SignedHeaders"].Split(';');
        if (!signedHeaders.Contains("host"))
        {
            return (null, new AwsError("InvalidSignatureException", 400, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."));
        }

        if (!signedHeaders.Contains("x-amz-date"))
        {
            return (null, new AwsError("InvalidSignatureException", 400, "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization."));
        }

        var stamp = (DateTimeOffset t) => t.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        if (signedAt < now - AllowedSkew)
        {
            return (null, new AwsError("InvalidSignatureException", 400,
                $"Signature expired: {amzDate} is now earlier than {stamp(now - AllowedSkew)} ({stamp(now)} - 5 min.)"));
        }

        if (signedAt > now + AllowedSkew)
        {
            return (null, new AwsError("InvalidSignatureException", 400,
                $"Signature not yet current: {amzDate} is still later than {stamp(now + AllowedSkew)} ({stamp(now)} + 5 min.)"));
        }

        var token = Header(request, "x-amz-security-token");
        if (principal.SessionToken != token)
        {
            return (null, new AwsError("UnrecognizedClientException", 400, "The security token included in the request is invalid."));
        }

        if (principal.Expires is { } expires && expires <= now)
        {
            return (null, new AwsError("ExpiredTokenException", 400, "The security token included in the request is expired"));
        }

        var canonicalRequest = CanonicalRequest(request, signedHeaders);
        var credentialScope = $"{scopeDate}/{scopeRegion}/{scopeService}/aws4_request";
        var stringToSign = $"{Algorithm}\n{amzDate}\n{credentialScope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)))}";
        var expected = Hex(Signature(principal.SecretAccessKey, scopeDate, scopeRegion, scopeService, stringToSign));
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(parts["Signature"])))
        {
            return (null, new AwsError("InvalidSignatureException", 400,
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. "
                + "Consult the service documentation for details.\n\nThe Canonical String for this request should have been\n'"
                + canonicalRequest + "'\n\nThe String-to-Sign should have been\n'" + stringToSign + "'\n"));
        }

        return (principal, null);
    }

    /// <summary>The canonical request: method, URI, query, the signed headers, the signed header list, the payload hash.</summary>
    public static string CanonicalRequest(SignedRequest request, IReadOnlyList<string> signedHeaders)
    {
        var queryStart = request.RawTarget.IndexOf('?', StringComparison.Ordinal);
        var path = queryStart < 0 ? request.RawTarget : request.RawTarget[..queryStart];
        var query = queryStart < 0 ? string.Empty : request.RawTarget[(queryStart + 1)..];
        var builder = new StringBuilder();
        builder.Append(request.Method).Append('\n');
        builder.Append(CanonicalUri(path)).Append('\n');
        builder.Append(CanonicalQuery(query)).Append('\n');
        foreach (var name in signedHeaders)
        {
            var values = request.Headers.Where(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Select(h => Collapse(h.Value));
            builder.Append(name).Append(':').Append(string.Join(',', values)).Append('\n');
        }

        builder.Append('\n').Append(string.Join(';', signedHeaders)).Append('\n');
        builder.Append(Hex(SHA256.HashData(request.Body)));
        return builder.ToString();
    }

    public static byte[] Signature(string secret, string date, string region, string service, string stringToSign)
    {
        var key = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + secret), Encoding.UTF8.GetBytes(date));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(region));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(service));
        key = HMACSHA256.HashData(key, "aws4_request"u8.ToArray());
        return HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign));
    }

    /// <summary>Non-S3 services sign the path with each segment percent-encoded once more than sent, dot segments removed.</summary>
    private static string CanonicalUri(string path)
    {
        if (path.Length == 0)
        {
            return "/";
        }

        var segments = new List<string>();
        foreach (var segment in path.Split('/').Skip(1))
        {
            if (segment == "..")
            {
                if (segments.Count > 0)
                {
                    segments.RemoveAt(segments.Count - 1);
                }
            }
            else if (segment != ".")
            {
                segments.Add(Encode(segment));
            }
        }

        var joined = "/" + string.Join('/', segments.Where((s, i) => s.Length > 0 || i == segments.Count - 1));
        return joined;
    }

    private static string CanonicalQuery(string query)
    {
        if (query.Length == 0)
        {
            return string.Empty;
        }

        var pairs = query.Split('&', StringSplitOptions.RemoveEmptyEntries).Select(p =>
        {
            var kv = p.Split('=', 2);
            return (Key: Encode(Uri.UnescapeDataString(kv[0])), Value: Encode(Uri.UnescapeDataString(kv.Length > 1 ? kv[1] : string.Empty)));
        });
        return string.Join('&', pairs.OrderBy(p => p.Key, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
    }

    /// <summary>RFC 3986 encoding: unreserved characters stay, every other byte of the UTF-8 becomes %XX (upper case).</summary>
    private static string Encode(string value)
    {
        var builder = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~')
            {
                builder.Append(c);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    /// <summary>Header values are trimmed and runs of spaces inside them become one.</summary>
    private static string Collapse(string value)
    {
        var builder = new StringBuilder();
        var space = false;
        foreach (var c in value.Trim())
        {
            if (c == ' ')
            {
                if (!space)
                {
                    builder.Append(c);
                }

                space = true;
            }
            else
            {
                builder.Append(c);
                space = false;
            }
        }

        return builder.ToString();
    }

    private static string? Header(SignedRequest request, string name) =>
        request.Headers.Where(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).FirstOrDefault();

    public static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
