using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Runbook.Execution.Actions.Tls;

/// <summary>
/// What a server presented in one handshake, copied out of the validation callback (the chain object does not
/// outlive it): the leaf's facts, the chain as built from what was served (leaf first), and the policy's verdict.
/// </summary>
internal sealed record Served(
    string Subject,
    string Issuer,
    DateTimeOffset NotAfter,
    IReadOnlyList<string> Sans,
    bool NameMatches,
    bool ChainValid,
    IReadOnlyList<(string Subject, string Issuer, DateTimeOffset NotAfter)> Chain,
    IReadOnlyList<string> Errors)
{
    public string Protocol { get; init; } = string.Empty;

    public static Served Capture(X509Certificate2 leaf, X509Chain? chain, SslPolicyErrors errors)
    {
        using (leaf)
        {
            var elements = chain?.ChainElements.Select(e => (e.Certificate.Subject, e.Certificate.Issuer, new DateTimeOffset(e.Certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero))).ToList()
                ?? [(leaf.Subject, leaf.Issuer, new DateTimeOffset(leaf.NotAfter.ToUniversalTime(), TimeSpan.Zero))];
            var problems = new List<string>();
            if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
            {
                problems.Add("the name does not match");
            }

            // The chain's own words for each problem (expired, untrusted root, partial chain …), once each.
            problems.AddRange((chain?.ChainStatus ?? []).Where(s => s.Status != X509ChainStatusFlags.NoError)
                .Select(s => Describe(s.Status, s.StatusInformation)).Distinct(StringComparer.Ordinal));
            if (errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors) && problems.Count == (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) ? 1 : 0))
            {
                problems.Add("the chain does not validate");
            }

            return new Served(leaf.Subject, leaf.Issuer, new DateTimeOffset(leaf.NotAfter.ToUniversalTime(), TimeSpan.Zero), Names(leaf),
                !errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch),
                !errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors) && !errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable),
                elements, problems);
        }
    }

    public Dictionary<string, object?> Outputs(long daysLeft) => new()
    {
        ["days_left"] = daysLeft,
        ["not_after"] = TlsCheckAction.Iso(NotAfter),
        ["issuer"] = Issuer,
        ["subject"] = Subject,
        ["sans"] = Sans.Select(s => (object?)s).ToList(),
        ["name_matches"] = NameMatches,
        ["chain_valid"] = ChainValid,
        ["chain"] = Chain.Select(c => (object?)new Dictionary<string, object?>
        {
            ["subject"] = c.Subject,
            ["issuer"] = c.Issuer,
            ["not_after"] = TlsCheckAction.Iso(c.NotAfter),
        }).ToList(),
        ["protocol"] = Protocol,
        ["errors"] = Errors.Select(e => (object?)e).ToList(),
    };

    /// <summary>The subject alternative names: DNS names as written, IP addresses as text.</summary>
    private static List<string> Names(X509Certificate2 leaf)
    {
        var names = new List<string>();
        foreach (var extension in leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>())
        {
            names.AddRange(extension.EnumerateDnsNames());
            names.AddRange(extension.EnumerateIPAddresses().Select(ip => ip.ToString()));
        }

        return names;
    }

    private static string Describe(X509ChainStatusFlags status, string information) => status switch
    {
        X509ChainStatusFlags.NotTimeValid => "the certificate has expired or is not yet valid",
        X509ChainStatusFlags.UntrustedRoot => "the root is not trusted (self-signed, or a CA this machine does not trust)",
        X509ChainStatusFlags.PartialChain => "the chain is incomplete (an intermediate is missing, or the issuer is not trusted)",
        _ => information.Trim().TrimEnd('.') is { Length: > 0 } text ? text : status.ToString(),
    };
}
