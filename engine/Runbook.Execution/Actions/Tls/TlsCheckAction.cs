using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Runbook.Execution.Actions.Files;
using Runbook.Language.Model;

namespace Runbook.Execution.Actions.Tls;

/// <summary>
/// tls.check: a TLS handshake with an endpoint that records what it served and judges it the way a client would,
/// without trusting it blindly and without sending a byte of application data. The validation callback accepts
/// every certificate so the handshake completes and the chain can be reported; the verdict comes from the policy
/// errors the callback saw, so an expired, misnamed or untrusted certificate is reported, not refused unseen.
/// </summary>
internal sealed class TlsCheckAction : IStepAction
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    public string Name => "tls.check";

    public async ValueTask<StepOutcome> ExecuteAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        var host = invocation.GetString("host")?.Trim() ?? string.Empty;
        if (host.Length == 0)
        {
            return StepOutcome.Failure("tls.check: 'host' is empty (give a host name or an IP address)", retryable: false);
        }

        if (!TryWholeNumber(invocation.Get("port"), 443, out var port) || port is < 1 or > 65535)
        {
            return StepOutcome.Failure($"tls.check: 'port' must be a whole number from 1 to 65535, not '{invocation.GetString("port")}'", retryable: false);
        }

        if (!TryWholeNumber(invocation.Get("min_days"), 0, out var minDays) || minDays < 0)
        {
            return StepOutcome.Failure($"tls.check: 'min_days' must be a whole number of days, 0 or more, not '{invocation.GetString("min_days")}'", retryable: false);
        }

        var sni = invocation.GetString("sni") is { Length: > 0 } s ? s : host;
        var timeout = Duration.TryParse(invocation.GetString("timeout") ?? string.Empty, out var t) ? t.Value : DefaultTimeout;
        var expectValid = invocation.Get("expect_valid") is not false;
        var target = $"{host}:{port.ToString(CultureInfo.InvariantCulture)}";

        X509Certificate2Collection? trusted = null;
        if (invocation.GetString("ca_file") is { } caFile)
        {
            try
            {
                trusted = TrustedCertificates.Read(caFile, invocation.Context.WorkingDirectory);
            }
            catch (ContainedFileException ex)
            {
                return StepOutcome.Failure($"tls.check {target}: {ex.Message}", retryable: false);
            }
        }

        Served served;
        try
        {
            served = await HandshakeAsync(host, port, sni, timeout, trusted, invocation.Context.Time, cancellationToken).ConfigureAwait(false);
        }
        catch (TlsCheckException ex)
        {
            return StepOutcome.Failure($"tls.check {target}: {ex.Message}");
        }
        finally
        {
            DisposeAll(trusted);
        }

        var now = invocation.Context.Time.GetUtcNow();
        // Whole days, towards zero: 3 days and 2 hours left is 3; expired 2 days and 2 hours ago is -2.
        var daysLeft = (long)Math.Truncate((served.NotAfter - now).TotalDays);
        var expired = served.NotAfter <= now;
        var outputs = served.Outputs(daysLeft);
        invocation.Log.Line(LogStream.Info, $"{target} (SNI {sni}) served '{served.Subject}' issued by '{served.Issuer}', {served.Protocol}, {When(daysLeft, expired)} ({Iso(served.NotAfter)})");

        if (expectValid && (expired || !served.ChainValid || !served.NameMatches))
        {
            var reasons = new List<string>();
            if (expired)
            {
                reasons.Add($"the certificate {When(daysLeft, expired)} ({Iso(served.NotAfter)})");
            }

            if (!served.NameMatches)
            {
                reasons.Add($"its names ({(served.Sans.Count == 0 ? "none" : string.Join(", ", served.Sans))}) do not match '{sni}'");
            }

            if (!served.ChainValid)
            {
                reasons.Add($"the chain does not validate ({string.Join("; ", served.Errors.Where(e => !e.StartsWith("the certificate has expired", StringComparison.Ordinal)).DefaultIfEmpty("untrusted"))})");
            }

            var fix = trusted is null && !served.ChainValid
                ? " (a private CA: give its certificate as ca_file; to only report, set expect_valid: false)"
                : " (to only report, set expect_valid: false)";
            return StepOutcome.Failure($"tls.check {target}: {string.Join("; ", reasons)}{fix}", outputs);
        }

        if (minDays > 0 && daysLeft < minDays)
        {
            return StepOutcome.Failure($"tls.check {target}: the certificate {When(daysLeft, expired)} ({Iso(served.NotAfter)}), under min_days {minDays}", outputs);
        }

        return StepOutcome.Success(outputs);
    }

    private static async Task<Served> HandshakeAsync(string host, int port, string sni, TimeSpan timeout, X509Certificate2Collection? trusted, TimeProvider time,
        CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        using var client = new TcpClient(AddressFamily.InterNetworkV6) { Client = { DualMode = true } };
        try
        {
            await client.ConnectAsync(host, port, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TlsCheckException($"no connection within {Seconds(timeout)} (is a firewall dropping it? check host and port, or raise timeout)");
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain)
        {
            throw new TlsCheckException($"cannot resolve '{host}' (check the host name)");
        }
        catch (SocketException ex)
        {
            throw new TlsCheckException($"cannot connect: {ex.Message} (is the service listening on port {port}? check host and port)");
        }

        Served? served = null;
        await using var stream = new SslStream(client.GetStream(), leaveInnerStreamOpen: false);
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = sni,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            CertificateChainPolicy = TrustedCertificates.Policy(trusted, time),
            // Accept whatever is served so the handshake completes and the chain can be reported; the verdict is ours,
            // from the errors recorded here. Nothing is sent over the connection after the handshake.
#pragma warning disable CA5359 // a certificate checker must see the bad certificates it reports on
            RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
            {
                served = certificate is null ? null : Served.Capture(new X509Certificate2(certificate), chain, errors);
                return true;
            },
#pragma warning restore CA5359
        };
        try
        {
            await stream.AuthenticateAsClientAsync(options, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TlsCheckException($"connected, but no TLS handshake within {Seconds(timeout)} (is port {port} a TLS port? or raise timeout)");
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException)
        {
            throw new TlsCheckException($"the TLS handshake failed: {Innermost(ex)} (is port {port} a TLS port? a plain-text service answers like this)");
        }

        return (served ?? throw new TlsCheckException("the server completed the handshake without a certificate")) with
        {
            Protocol = ProtocolName(stream.SslProtocol),
        };
    }

    private static bool TryWholeNumber(object? value, int fallback, out int number)
    {
        number = fallback;
        if (value is null)
        {
            return true;
        }

        if (!decimal.TryParse(Values.ToText(value), NumberStyles.Number, CultureInfo.InvariantCulture, out var d)
            || d != decimal.Truncate(d) || d is < int.MinValue or > int.MaxValue)
        {
            return false;
        }

        number = (int)d;
        return true;
    }

    private static void DisposeAll(X509Certificate2Collection? certificates)
    {
        foreach (var certificate in certificates ?? [])
        {
            certificate.Dispose();
        }
    }

    private static string Innermost(Exception ex)
    {
        while (ex.InnerException is not null)
        {
            ex = ex.InnerException;
        }

        return ex.Message.TrimEnd('.');
    }

    private static string ProtocolName(SslProtocols protocol) => protocol switch
    {
        SslProtocols.Tls13 => "TLSv1.3",
        SslProtocols.Tls12 => "TLSv1.2",
        _ => protocol.ToString(),
    };

    internal static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string When(long daysLeft, bool expired) => (daysLeft, expired) switch
    {
        (0, true) => "expired less than a day ago",
        (0, false) => "expires in less than a day",
        (-1, _) => "expired 1 day ago",
        _ when daysLeft < 0 => $"expired {-daysLeft} days ago",
        (1, _) => "expires in 1 day",
        _ => $"expires in {daysLeft} days",
    };

    private static string Seconds(TimeSpan span) => $"{span.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)}s";
}

/// <summary>Why a handshake could not be made; the message names the cause and the fix.</summary>
internal sealed class TlsCheckException(string message) : Exception(message);
