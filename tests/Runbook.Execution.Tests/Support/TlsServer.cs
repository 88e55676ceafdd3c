using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Runbook.Tests;

namespace Runbook.Execution.Tests.Support;

/// <summary>
/// Kestrel on 127.0.0.1 serving HTTPS with certificates the test made, chosen by the name the client sends (SNI):
/// valid.test (and localhost) a valid leaf of the test CA, expired.test an expired one, soon.test one that expires
/// in three days, wrong.test a leaf for another name, self.test a self-signed one. Plus a plain-HTTP port and a port
/// that accepts and never answers. The CA's PEM is written to a folder of its own for ca_file.
/// </summary>
public sealed class TlsServer : IAsyncLifetime
{
    private readonly Dictionary<string, X509Certificate2> _byName = new(StringComparer.OrdinalIgnoreCase);
    private WebApplication? _app;
    private TcpListener? _silent;

    public TestCertificates Certificates { get; } = new(DateTimeOffset.UtcNow);

    public int TlsPort { get; private set; }

    public int PlainPort { get; private set; }

    public int SilentPort { get; private set; }

    /// <summary>The folder a playbook would sit in, holding ca/test-ca.pem (the test CA) and ca/other-ca.pem (an unrelated CA).</summary>
    public string Folder { get; } = Directory.CreateTempSubdirectory("runbook-tls-").FullName;

    public async Task InitializeAsync()
    {
        var valid = Certificates.Leaf("valid.test", TimeSpan.FromDays(90), null, "valid.test", "localhost", "127.0.0.1");
        _byName["valid.test"] = valid;
        _byName["localhost"] = valid;
        _byName["expired.test"] = Certificates.Leaf("expired.test", TimeSpan.FromDays(-2), TimeSpan.FromDays(60), "expired.test");
        _byName["soon.test"] = Certificates.Leaf("soon.test", TimeSpan.FromDays(3) + TimeSpan.FromHours(2), null, "soon.test");
        _byName["wrong.test"] = Certificates.Leaf("other.test", TimeSpan.FromDays(90), null, "other.test", "www.other.test");
        _byName["self.test"] = Certificates.SelfSigned("self.test", "self.test");
        Directory.CreateDirectory(Path.Combine(Folder, "ca"));
        File.WriteAllText(Path.Combine(Folder, "ca", "test-ca.pem"), Certificates.CaPem);
        using (var other = new TestCertificates(DateTimeOffset.UtcNow))
        {
            File.WriteAllText(Path.Combine(Folder, "ca", "other-ca.pem"), other.CaPem);
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0, listen =>
            {
                listen.Protocols = HttpProtocols.Http1;
                listen.UseHttps(https => https.ServerCertificateSelector = (_, name) => _byName.GetValueOrDefault(name ?? "valid.test") ?? valid);
            });
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http1);
        });
        _app = builder.Build();
        _app.Run(context => context.Response.WriteAsync("ok"));
        await _app.StartAsync();
        var addresses = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a)).ToList();
        TlsPort = addresses.Single(a => a.Scheme == "https").Port;
        PlainPort = addresses.Single(a => a.Scheme == "http").Port;

        _silent = new TcpListener(IPAddress.Loopback, 0);
        _silent.Start();
        SilentPort = ((IPEndPoint)_silent.LocalEndpoint).Port;
    }

    /// <summary>A loopback port nothing listens on (bound, then released).</summary>
    public static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public async Task DisposeAsync()
    {
        _silent?.Stop();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        foreach (var certificate in _byName.Values.Distinct())
        {
            certificate.Dispose();
        }

        Certificates.Dispose();
        Directory.Delete(Folder, recursive: true);
    }
}
