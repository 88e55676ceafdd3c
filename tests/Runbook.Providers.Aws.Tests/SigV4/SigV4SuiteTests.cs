using System.Text;
using Runbook.Providers.Aws;

namespace Runbook.Providers.Aws.Tests.SigV4;

/// <summary>
/// The official Signature Version 4 test suite (shared/specs/aws/sigv4-testsuite), one test per case: the canonical
/// request, the string to sign and the Authorization header must each equal the suite's files byte for byte.
/// </summary>
public sealed class SigV4SuiteTests
{
    private static readonly AwsCredentials SuiteKeys = new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");

    /// <summary>The session token get-vanilla-with-session-token signs (it is not in that case's .req: the signer adds it).</summary>
    private const string SuiteSessionToken = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267";

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var request in Directory.GetFiles(SuiteRoot(), "*.req", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(SuiteRoot(), Path.GetDirectoryName(request)!));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Signing_a_suite_case_yields_its_canonical_request_string_to_sign_and_authorization(string caseName)
    {
        var folder = Path.Combine(SuiteRoot(), caseName);
        var name = Path.GetFileName(folder);
        var request = ParseRequest(File.ReadAllText(Path.Combine(folder, name + ".req")));
        var credentials = caseName.EndsWith("get-vanilla-with-session-token", StringComparison.Ordinal) ? SuiteKeys with { SessionToken = SuiteSessionToken } : SuiteKeys;

        // post-sts-header-after adds the token after signing: the signature must not cover it.
        var signSessionToken = !caseName.EndsWith("post-sts-header-after", StringComparison.Ordinal);
        if (!signSessionToken)
        {
            credentials = SuiteKeys with { SessionToken = "added after signing" };
        }

        var result = Runbook.Providers.Aws.SigV4.Sign(request, credentials, "us-east-1", "service", signSessionToken);

        Assert.Equal(File.ReadAllText(Path.Combine(folder, name + ".creq")), result.CanonicalRequest);
        Assert.Equal(File.ReadAllText(Path.Combine(folder, name + ".sts")), result.StringToSign);
        Assert.Equal(File.ReadAllText(Path.Combine(folder, name + ".authz")), result.Authorization);
    }

    [Fact]
    public void The_suite_is_found_and_has_every_case_folder()
    {
        Assert.True(Cases().Count >= 30, $"expected the whole suite under {SuiteRoot()}, found {Cases().Count} cases");
    }

    /// <summary>A raw HTTP request as the suite writes it: 'METHOD path HTTP/1.1', headers (a line starting with whitespace continues the previous value), a blank line, the body.</summary>
    internal static Runbook.Providers.Aws.SigV4.Request ParseRequest(string text)
    {
        var lines = text.Split('\n');
        var first = lines[0];
        var method = first[..first.IndexOf(' ', StringComparison.Ordinal)];
        var target = first[(method.Length + 1)..first.LastIndexOf(" HTTP/", StringComparison.Ordinal)];
        var question = target.IndexOf('?', StringComparison.Ordinal);
        var path = question < 0 ? target : target[..question];
        var query = question < 0 ? string.Empty : target[(question + 1)..];
        var headers = new List<KeyValuePair<string, string>>();
        var index = 1;
        for (; index < lines.Length && lines[index].Length > 0; index++)
        {
            var line = lines[index];
            if (char.IsWhiteSpace(line[0]) && headers.Count > 0)
            {
                headers[^1] = new(headers[^1].Key, headers[^1].Value + "\n" + line);
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers.Add(new(line[..colon], line[(colon + 1)..]));
        }

        var body = index < lines.Length ? string.Join('\n', lines[(index + 1)..]) : string.Empty;
        return new(method, path, query, headers, Encoding.UTF8.GetBytes(body));
    }

    internal static string SuiteRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "specs", "aws", "sigv4-testsuite");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException($"shared/specs/aws/sigv4-testsuite not found above {AppContext.BaseDirectory}");
    }
}
