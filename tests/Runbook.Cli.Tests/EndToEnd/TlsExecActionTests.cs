using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Runbook.Cli.Tests.Support;
using Runbook.Tests;

namespace Runbook.Cli.Tests.EndToEnd;

/// <summary>
/// tls.check and service.exec as an operator meets them, on both builds: a certificate under min_days fails the run
/// with the days in the message, a private CA given as ca_file passes, and service.exec on a cloud is refused at
/// validate time naming the platform's own way.
/// </summary>
public sealed class TlsExecActionTests : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("runbook-tls-e2e-").FullName;
    private readonly TestCertificates _certificates = new(DateTimeOffset.UtcNow);
    private readonly CancellationTokenSource _stop = new();
    private TcpListener? _listener;
    private X509Certificate2? _leaf;

    private int Port => ((IPEndPoint)_listener!.LocalEndpoint).Port;

    public Task InitializeAsync()
    {
        _leaf = _certificates.Leaf("soon.test", TimeSpan.FromDays(5) + TimeSpan.FromHours(3), null, "soon.test", "localhost");
        File.WriteAllText(Path.Combine(_folder, "ca.pem"), _certificates.CaPem);
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _ = ServeAsync();
        return Task.CompletedTask;
    }

    /// <summary>A TLS server on 127.0.0.1: handshakes with the leaf, then closes (tls.check sends nothing after the handshake).</summary>
    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var client = await _listener!.AcceptTcpClientAsync(_stop.Token);
                _ = Task.Run(async () =>
                {
                    using (client)
                    {
                        await using var tls = new SslStream(client.GetStream());
                        try
                        {
                            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _leaf });
                        }
                        catch (Exception ex) when (ex is IOException or System.Security.Authentication.AuthenticationException)
                        {
                        }
                    }
                });
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
        }
    }

    private string Playbook(int minDays) => Write("tls.yaml", $$$"""
        apiVersion: runbook/v1
        kind: Playbook
        name: cert-expiry
        phases:
          assess:
            - id: cert
              uses: tls.check
              with: { host: 127.0.0.1, port: {{{Port}}}, sni: soon.test, ca_file: ca.pem, min_days: {{{minDays}}} }
            - id: report
              run: echo "days left $DAYS, valid $VALID"
              env: { DAYS: "${{ steps.cert.outputs.days_left }}", VALID: "${{ steps.cert.outputs.chain_valid }}" }
              mutates: false
        """);

    private string Write(string name, string yaml)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, yaml);
        return path;
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void Tls_check_passes_a_private_ca_certificate_and_hands_its_typed_days_to_the_next_step(CliTarget cli)
    {
        var result = cli.Run("exec", Playbook(3), "--journal", Path.Combine(_folder, "j.db"));

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        Assert.Contains("days left 5, valid true", result.Out, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void Tls_check_under_min_days_fails_the_run_with_the_days_in_the_message(CliTarget cli)
    {
        var result = cli.Run("exec", Playbook(30), "--journal", Path.Combine(_folder, "j.db"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("the certificate expires in 5 days", result.Out + result.Error, StringComparison.Ordinal);
        Assert.Contains("under min_days 30", result.Out + result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void Service_exec_on_a_cloud_is_refused_at_validate_time_naming_the_platforms_own_way(CliTarget cli)
    {
        var playbook = Write("exec.yaml", """
            apiVersion: runbook/v1
            kind: Playbook
            name: exec
            phases:
              gather:
                - id: count
                  uses: service.exec
                  with: { service: db, command: [psql, -tAc, "select 1"], stdin: "" }
                  mutates: false
            """);

        var aws = cli.Run("validate", playbook, "--provider", "aws");
        var azure = cli.Run("validate", playbook, "--provider", "azure");
        var gcp = cli.Run("validate", playbook, "--provider", "gcp");
        var kubernetes = cli.Run("validate", playbook, "--provider", "kubernetes");
        var claimed = Write("claimed.yaml", File.ReadAllText(playbook).Replace("name: exec\n", "name: exec\nproviders: [aws]\n", StringComparison.Ordinal));
        var claimedAws = cli.Run("validate", claimed, "--provider", "aws");

        // Without providers: the playbook is simply not for a cloud, and says why in the cloud's own words.
        Assert.True(aws.ExitCode == 0, aws.Out);
        Assert.Contains("not for aws", aws.Out, StringComparison.Ordinal);
        Assert.Contains("aws ecs execute-command", aws.Out, StringComparison.Ordinal);
        Assert.Contains("az containerapp exec", azure.Out, StringComparison.Ordinal);
        Assert.Contains("Cloud Run has no exec", gcp.Out, StringComparison.Ordinal);

        // Claiming the cloud makes it an error at validate time.
        Assert.Equal(2, claimedAws.ExitCode);
        Assert.Contains("error RB0307: provider 'aws' (claimed under providers:) does not support 'service.exec'", claimedAws.Out, StringComparison.Ordinal);
        Assert.Contains("aws ecs execute-command", claimedAws.Out, StringComparison.Ordinal);
        Assert.True(kubernetes.ExitCode == 0, kubernetes.Out);
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener?.Stop();
        _leaf?.Dispose();
        _certificates.Dispose();
        _stop.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
