using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Runbook.Tests;

/// <summary>
/// Certificates made by the test, never installed anywhere: a test CA and leaves it signs (valid, expired,
/// expiring, for another name), plus a self-signed one. The CA's PEM goes to a file the playbook names as ca_file.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    public const string CaName = "CN=Runbook Test CA, O=RunbookEngine tests";

    public TestCertificates(DateTimeOffset now)
    {
        Now = now;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(CaName, caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        Ca = request.CreateSelfSigned(now.AddDays(-400), now.AddDays(400));
    }

    public DateTimeOffset Now { get; }

    public X509Certificate2 Ca { get; }

    public string CaPem => Ca.ExportCertificatePem();

    /// <summary>A leaf for <paramref name="names"/> (DNS names or IP addresses), signed by the test CA.</summary>
    public X509Certificate2 Leaf(string commonName, TimeSpan validFor, TimeSpan? issuedAgo = null, params string[] names) =>
        Make(commonName, Now - (issuedAgo ?? TimeSpan.FromDays(1)), Now + validFor, names, Ca);

    /// <summary>A leaf that signs itself: valid dates and names, but no CA vouches for it.</summary>
    public X509Certificate2 SelfSigned(string commonName, params string[] names) =>
        Make(commonName, Now.AddDays(-1), Now.AddDays(200), names, issuer: null);

    private static X509Certificate2 Make(string commonName, DateTimeOffset notBefore, DateTimeOffset notAfter, string[] names, X509Certificate2? issuer)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in names)
        {
            if (System.Net.IPAddress.TryParse(name, out var ip))
            {
                san.AddIpAddress(ip);
            }
            else
            {
                san.AddDnsName(name);
            }
        }

        request.CertificateExtensions.Add(san.Build());
        if (issuer is null)
        {
            return request.CreateSelfSigned(notBefore, notAfter);
        }

        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7f;
        using var signed = request.Create(issuer, notBefore, notAfter, serial);
        return signed.CopyWithPrivateKey(key);
    }

    public void Dispose() => Ca.Dispose();
}
