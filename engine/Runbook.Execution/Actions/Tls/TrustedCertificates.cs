using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Runbook.Execution.Actions.Files;

namespace Runbook.Execution.Actions.Tls;

/// <summary>
/// A private CA given as <c>ca_file</c> (PEM, inside the playbook's folder): read once, and the chain policy that
/// trusts it instead of the system's roots. Shared by tls.check, which reports on a chain, and the clients that
/// refuse one (rediss://).
/// </summary>
internal static class TrustedCertificates
{
    /// <summary>The certificates of <paramref name="name"/>; <see cref="ContainedFileException"/> names the problem.</summary>
    public static X509Certificate2Collection Read(string name, string folder, string argument = "ca_file")
    {
        var (text, _) = ContainedFile.ReadText(name, [folder], argument);
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPem(text);
        }
        catch (CryptographicException ex)
        {
            throw new ContainedFileException($"{argument} '{name}' is not PEM certificates: {ex.Message}");
        }

        return certificates.Count > 0
            ? certificates
            : throw new ContainedFileException($"{argument} '{name}' holds no certificate (expected PEM: -----BEGIN CERTIFICATE-----)");
    }

    /// <summary>How a chain is judged: the run's clock, no revocation lookups (no network), and the given CAs instead of the system's when there are any.</summary>
    public static X509ChainPolicy Policy(X509Certificate2Collection? trusted, TimeProvider time)
    {
        var policy = new X509ChainPolicy
        {
            RevocationMode = X509RevocationMode.NoCheck,
            VerificationTime = time.GetLocalNow().LocalDateTime,
        };
        if (trusted is not null)
        {
            policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            policy.CustomTrustStore.AddRange(trusted);
        }

        return policy;
    }

    /// <summary>
    /// A TLS client's verdict with a private CA: the name must match (the handshake already judged it), and the chain
    /// must end at one of <paramref name="trusted"/> — the system's opinion of the chain is replaced, not added to.
    /// </summary>
    public static bool Accepts(X509Certificate? certificate, X509Chain? served, SslPolicyErrors errors, X509Certificate2Collection trusted, TimeProvider time)
    {
        if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
        {
            return false;
        }

        using var leaf = new X509Certificate2(certificate);
        using var chain = new X509Chain { ChainPolicy = Policy(trusted, time) };
        if (served is not null)
        {
            foreach (var element in served.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return chain.Build(leaf);
    }
}
