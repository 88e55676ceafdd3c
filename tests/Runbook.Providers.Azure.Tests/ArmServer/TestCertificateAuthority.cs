using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Runbook.Providers.Azure.Tests.ArmServer;

/// <summary>
/// A certificate authority made in the test and the server certificate it signs (for 127.0.0.1 and localhost), so
/// clients reach the ARM test server over real TLS by trusting exactly this CA — the Azure SDKs refuse bearer
/// tokens over plain http, and a client that skipped certificate checks would prove nothing.
/// </summary>
internal sealed class TestCertificateAuthority : IDisposable
{
    private readonly X509Certificate2 _ca;

    public TestCertificateAuthority(DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=runbook-arm-test-ca", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        _ca = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));
        CaCertificatePem = _ca.ExportCertificatePem();
        ServerCertificate = IssueServerCertificate(now);
    }

    public string CaCertificatePem { get; }

    /// <summary>The public CA certificate (no key): what a client adds to its trust store.</summary>
    public X509Certificate2 CaCertificate => X509CertificateLoader.LoadCertificate(_ca.RawData);

    public X509Certificate2 ServerCertificate { get; }

    private X509Certificate2 IssueServerCertificate(DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=management.azure.test", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        using var signed = request.Create(_ca, now.AddDays(-1), now.AddDays(29), RandomNumberGenerator.GetBytes(12));
        // Kestrel on Linux needs the private key attached through a PFX round trip to use it.
        using var withKey = signed.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pfx), null);
    }

    public void Dispose()
    {
        _ca.Dispose();
        ServerCertificate.Dispose();
    }
}
