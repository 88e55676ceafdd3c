using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Runbook.Providers.Aws;

/// <summary>Keys one request is signed with; <see cref="SessionToken"/> is set for temporary (STS, SSO, container) credentials.</summary>
internal sealed record AwsCredentials(string AccessKeyId, string SecretAccessKey, string? SessionToken = null)
{
    /// <summary>Never the secret: what an error message may show.</summary>
    public override string ToString() => $"access key {AccessKeyId}";
}

/// <summary>
/// AWS Signature Version 4 (AWS4-HMAC-SHA256), written here because AWSSDK.Core's signer signs the SDK's own
/// request type, not an <see cref="HttpRequestMessage"/>. Follows the published algorithm: canonical request,
/// string to sign, a key derived from date, region and service, and the Authorization header. Paths are
/// normalised (no dot segments, no empty segments) as every service but S3 expects.
/// </summary>
internal static class SigV4
{
    public const string Algorithm = "AWS4-HMAC-SHA256";
    private const string SecurityTokenHeader = "x-amz-security-token";

    /// <summary>Headers a proxy or the HTTP stack may change on the way, so never signed (botocore leaves out the same).</summary>
    private static readonly HashSet<string> Unsigned = new(StringComparer.Ordinal) { "authorization", "user-agent", "expect", "x-amzn-trace-id", "content-length" };

    /// <summary>A request as the signer sees it: the raw path and query as sent, headers in order (a name may repeat), the body.</summary>
    public sealed record Request(string Method, string Path, string Query, IReadOnlyList<KeyValuePair<string, string>> Headers, ReadOnlyMemory<byte> Body);

    /// <summary>Every intermediate the algorithm defines, so each can be compared with the official test suite.</summary>
    public sealed record Result(string CanonicalRequest, string StringToSign, string Signature, string Authorization);

    /// <summary>
    /// Signs <paramref name="request"/>, which must already carry Host and X-Amz-Date; when <paramref name="signSessionToken"/>
    /// is true a session token becomes the signed X-Amz-Security-Token header (as the AWS CLI sends it).
    /// </summary>
    public static Result Sign(Request request, AwsCredentials credentials, string region, string service, bool signSessionToken = true)
    {
        var headers = request.Headers.ToList();
        if (signSessionToken && credentials.SessionToken is { Length: > 0 } token && !headers.Any(h => IsHeader(h.Key, SecurityTokenHeader)))
        {
            headers.Add(new(SecurityTokenHeader, token));
        }

        var amzDate = headers.FirstOrDefault(h => IsHeader(h.Key, "x-amz-date")).Value
            ?? throw new ArgumentException("a request to sign needs an X-Amz-Date header", nameof(request));
        var date = amzDate[..8];
        var scope = $"{date}/{region}/{service}/aws4_request";

        var canonicalHeaders = headers
            .Where(h => !Unsigned.Contains(h.Key.ToLowerInvariant()))
            .GroupBy(h => h.Key.ToLowerInvariant(), StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (Name: g.Key, Value: string.Join(',', g.Select(h => CollapseSpaces(h.Value)))))
            .ToList();
        var signedHeaders = string.Join(';', canonicalHeaders.Select(h => h.Name));
        var canonicalRequest = string.Join('\n',
            request.Method.ToUpperInvariant(),
            CanonicalPath(request.Path),
            CanonicalQuery(request.Query),
            string.Concat(canonicalHeaders.Select(h => $"{h.Name}:{h.Value}\n")),
            signedHeaders,
            Hex(SHA256.HashData(request.Body.Span)));
        var stringToSign = string.Join('\n', Algorithm, amzDate, scope, Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest))));

        var key = Hmac(Encoding.UTF8.GetBytes("AWS4" + credentials.SecretAccessKey), date);
        key = Hmac(key, region);
        key = Hmac(key, service);
        key = Hmac(key, "aws4_request");
        var signature = Hex(Hmac(key, stringToSign));
        return new Result(canonicalRequest, stringToSign, signature,
            $"{Algorithm} Credential={credentials.AccessKeyId}/{scope}, SignedHeaders={signedHeaders}, Signature={signature}");
    }

    /// <summary>Adds X-Amz-Date, X-Amz-Security-Token and Authorization to a request about to be sent.</summary>
    public static async Task SignAsync(HttpRequestMessage message, AwsCredentials credentials, string region, string service, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var uri = message.RequestUri ?? throw new ArgumentException("a request to sign needs an absolute URI", nameof(message));
        var amzDate = now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        message.Headers.Remove("X-Amz-Date");
        message.Headers.TryAddWithoutValidation("X-Amz-Date", amzDate);
        if (credentials.SessionToken is { Length: > 0 } token)
        {
            message.Headers.Remove("X-Amz-Security-Token");
            message.Headers.TryAddWithoutValidation("X-Amz-Security-Token", token);
        }

        var host = message.Headers.Host ?? (uri.IsDefaultPort ? uri.Host : $"{uri.Host}:{uri.Port.ToString(CultureInfo.InvariantCulture)}");
        var headers = new List<KeyValuePair<string, string>> { new("host", host) };
        headers.AddRange(message.Headers.NonValidated.Where(h => !IsHeader(h.Key, "host"))
            .SelectMany(h => h.Value.Select(v => new KeyValuePair<string, string>(h.Key, v))));
        var body = ReadOnlyMemory<byte>.Empty;
        if (message.Content is { } content)
        {
            headers.AddRange(content.Headers.NonValidated.SelectMany(h => h.Value.Select(v => new KeyValuePair<string, string>(h.Key, v))));
            body = await content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        }

        var result = Sign(new Request(message.Method.Method, uri.AbsolutePath, uri.Query.TrimStart('?'), headers, body), credentials, region, service);
        message.Headers.Remove("Authorization");
        message.Headers.TryAddWithoutValidation("Authorization", result.Authorization);
    }

    /// <summary>Dot segments resolved, empty segments dropped, each segment decoded then encoded once (RFC 3986 unreserved kept).</summary>
    internal static string CanonicalPath(string path)
    {
        var segments = new List<string>();
        foreach (var segment in path.Split('/'))
        {
            if (segment is "" or ".")
            {
                continue;
            }

            if (segment == "..")
            {
                if (segments.Count > 0)
                {
                    segments.RemoveAt(segments.Count - 1);
                }

                continue;
            }

            segments.Add(Encode(Uri.UnescapeDataString(segment)));
        }

        var trailing = segments.Count > 0 && (path.EndsWith('/') || path.EndsWith("/.", StringComparison.Ordinal) || path.EndsWith("/..", StringComparison.Ordinal));
        return "/" + string.Join('/', segments) + (trailing ? "/" : string.Empty);
    }

    /// <summary>Parameters encoded, then sorted by name and, for a repeated name, by value.</summary>
    internal static string CanonicalQuery(string query) =>
        string.Join('&', query.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Select(p => (Key: Encode(Uri.UnescapeDataString(p[0])), Value: Encode(Uri.UnescapeDataString(p.Length > 1 ? p[1] : string.Empty))))
            .OrderBy(p => p.Key, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => $"{p.Key}={p.Value}"));

    /// <summary>Percent-encoding of everything but A–Z a–z 0–9 - _ . ~, in upper-case hex, as SigV4 requires.</summary>
    internal static string Encode(string value)
    {
        var builder = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            if (b is (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'a' and <= (byte)'z') or (>= (byte)'0' and <= (byte)'9') or (byte)'-' or (byte)'_' or (byte)'.' or (byte)'~')
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    /// <summary>Trimmed, with every run of whitespace (a folded multi-line value too) as one space.</summary>
    private static string CollapseSpaces(string value) =>
        string.Join(' ', value.Split([' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries));

    private static bool IsHeader(string name, string wanted) => string.Equals(name, wanted, StringComparison.OrdinalIgnoreCase);

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
