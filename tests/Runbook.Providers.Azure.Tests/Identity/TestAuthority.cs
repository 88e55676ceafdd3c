using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Runbook.Providers.Azure.Tests.Identity;

/// <summary>
/// A certificate authority made for one test run and a server certificate for 127.0.0.1 it signs, so the identity
/// stand-ins speak HTTPS as Entra ID does. Clients trust exactly this CA: in process through
/// <see cref="CreateTrustingHandler"/>, in a child process (the native binary) through SSL_CERT_FILE = <see cref="CaPemPath"/>.
/// </summary>
public sealed class TestAuthority : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("runbook-azure-ca-").FullName;

    public TestAuthority()
    {
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=runbook identity test CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var now = DateTimeOffset.UtcNow;
        Ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));

        using var serverKey = RSA.Create(2048);
        var serverRequest = new CertificateRequest("CN=127.0.0.1", serverKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        serverRequest.CertificateExtensions.Add(names.Build());
        serverRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var signed = serverRequest.Create(Ca, now.AddMinutes(-5), now.AddDays(1), RandomNumberGenerator.GetBytes(12));
        // Through PKCS#12 so the key is usable by SslStream on every platform.
        ServerCertificate = X509CertificateLoader.LoadPkcs12(signed.CopyWithPrivateKey(serverKey).Export(X509ContentType.Pkcs12), null);

        CaPemPath = Path.Combine(_folder, "ca.pem");
        File.WriteAllText(CaPemPath, Ca.ExportCertificatePem() + "\n");
    }

    public X509Certificate2 Ca { get; }

    public X509Certificate2 ServerCertificate { get; }

    /// <summary>The CA certificate as PEM: SSL_CERT_FILE for a child process, NODE_EXTRA_CA_CERTS for node.</summary>
    public string CaPemPath { get; }

    /// <summary>A PEM bundle of this CA and the other files' certificates (another test server's CA), for one SSL_CERT_FILE.</summary>
    public string Bundle(params string[] otherPemFiles)
    {
        var path = Path.Combine(_folder, $"bundle-{Guid.NewGuid():N}.pem");
        File.WriteAllText(path, string.Concat([File.ReadAllText(CaPemPath), .. otherPemFiles.Select(f => File.ReadAllText(f) + "\n")]));
        return path;
    }

    /// <summary>A handler that trusts this CA only (and not the machine's roots).</summary>
    public HttpMessageHandler CreateTrustingHandler() => new SocketsHttpHandler
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
                {
                    return false;
                }

                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(Ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(new X509Certificate2(certificate));
            },
        },
    };

    public void Dispose()
    {
        Ca.Dispose();
        ServerCertificate.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
