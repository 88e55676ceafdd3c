using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Runbook.Providers.Kubernetes.Tests.ApiServer;

/// <summary>A certificate authority made in the test: it signs the server's certificate and the users' client certificates.</summary>
public sealed class TestPki : IDisposable
{
    private readonly X509Certificate2 _ca;

    public TestPki()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=runbook-test-ca", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        _ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        CaCertificatePem = _ca.ExportCertificatePem();
        ServerCertificate = Issue("CN=kube-apiserver", serverAuth: true, san: true).Certificate;
    }

    public string CaCertificatePem { get; }

    public X509Certificate2 ServerCertificate { get; }

    /// <summary>A client certificate as the API server reads it: CN is the user, each O a group.</summary>
    public (string CertificatePem, string KeyPem) IssueClient(string user, params string[] groups)
    {
        var subject = $"CN={user}" + string.Concat(groups.Select(g => $", O={g}"));
        var (certificate, key) = Issue(subject, serverAuth: false, san: false);
        using (key)
        {
            return (certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
        }
    }

    /// <summary>True when <paramref name="certificate"/> was signed by this CA (and by no other).</summary>
    public bool Signed(X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    private (X509Certificate2 Certificate, ECDsa Key) Issue(string subject, bool serverAuth, bool san)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [serverAuth ? new Oid("1.3.6.1.5.5.7.3.1") : new Oid("1.3.6.1.5.5.7.3.2")], false));
        if (san)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            names.AddDnsName("localhost");
            request.CertificateExtensions.Add(names.Build());
        }

        var serial = RandomNumberGenerator.GetBytes(12);
        using var signed = request.Create(_ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(29), serial);
        // Kestrel on Linux needs the key attached through a PFX round trip to use it.
        var withKey = signed.CopyWithPrivateKey(key);
        var usable = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pfx), null);
        withKey.Dispose();
        return (usable, key);
    }

    public void Dispose()
    {
        _ca.Dispose();
        ServerCertificate.Dispose();
    }
}
