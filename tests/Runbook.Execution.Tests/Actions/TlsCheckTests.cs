using Microsoft.Extensions.Time.Testing;
using Runbook.Execution.Actions;
using Runbook.Execution.Tests.Support;
using Runbook.Language.Actions;

namespace Runbook.Execution.Tests.Actions;

/// <summary>tls.check against Kestrel serving certificates the test made, chosen by SNI (see <see cref="TlsServer"/>).</summary>
public sealed class TlsCheckTests(TlsServer server) : IClassFixture<TlsServer>
{
    private static readonly IStepAction Tls = BuiltinActionRegistry.Create().Single(a => a.Name == "tls.check");

    private Task<StepOutcome> Check(string sni, object? port = null, string host = "127.0.0.1", TimeProvider? time = null, params (string Name, object? Value)[] more)
    {
        var arguments = new Dictionary<string, object?> { ["host"] = host, ["port"] = port ?? (long)server.TlsPort };
        if (sni.Length > 0)
        {
            arguments["sni"] = sni;
        }

        foreach (var (name, value) in more)
        {
            arguments[name] = value;
        }

        var context = new ActionContext();
        var invocation = context.Invocation("tls.check", arguments, time) with
        {
            Context = context.Invocation("tls.check", arguments, time).Context with { WorkingDirectory = server.Folder },
        };
        return Tls.ExecuteAsync(invocation, CancellationToken.None).AsTask();
    }

    [Fact]
    public async Task A_valid_certificate_of_the_ca_given_as_ca_file_passes_with_every_output_typed()
    {
        var outcome = await Check("valid.test", more: ("ca_file", "ca/test-ca.pem"));

        var success = Assert.IsType<Succeeded>(outcome);
        Assert.Equal(89L, success.Outputs["days_left"]);
        Assert.Equal(true, success.Outputs["chain_valid"]);
        Assert.Equal(true, success.Outputs["name_matches"]);
        Assert.Equal("CN=valid.test", success.Outputs["subject"]);
        Assert.Equal(Runbook.Tests.TestCertificates.CaName, success.Outputs["issuer"]);
        Assert.Equal(["valid.test", "localhost", "127.0.0.1"], (List<object?>)success.Outputs["sans"]!);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", (string)success.Outputs["not_after"]!);
        Assert.Contains((string)success.Outputs["protocol"]!, new[] { "TLSv1.3", "TLSv1.2" });
        Assert.Empty((List<object?>)success.Outputs["errors"]!);
        var chain = ((List<object?>)success.Outputs["chain"]!).Cast<Dictionary<string, object?>>().ToList();
        Assert.Equal(["CN=valid.test", Runbook.Tests.TestCertificates.CaName], chain.Select(c => c["subject"]));
        Assert.Equal(Runbook.Tests.TestCertificates.CaName, chain[0]["issuer"]);
        var declared = BuiltinActions.All.Single(a => a.Name == "tls.check").Outputs.Select(o => o.Name).Order();
        Assert.Equal(declared, success.Outputs.Keys.Order());
    }

    [Fact]
    public async Task The_same_certificate_without_its_ca_is_untrusted_and_the_error_names_ca_file()
    {
        var outcome = await Check("valid.test");

        var failed = Assert.IsType<Failed>(outcome);
        Assert.Contains("the chain does not validate", failed.Error, StringComparison.Ordinal);
        Assert.Contains("ca_file", failed.Error, StringComparison.Ordinal);
        Assert.Equal(false, failed.Outputs["chain_valid"]);
        Assert.Equal(true, failed.Outputs["name_matches"]);
    }

    [Fact]
    public async Task A_ca_file_of_another_ca_does_not_make_the_certificate_trusted()
    {
        var outcome = await Check("valid.test", more: ("ca_file", "ca/other-ca.pem"));

        var failed = Assert.IsType<Failed>(outcome);
        Assert.Equal(false, failed.Outputs["chain_valid"]);
    }

    [Fact]
    public async Task An_expired_certificate_fails_with_negative_days_left_and_says_when_it_expired()
    {
        var outcome = await Check("expired.test", more: ("ca_file", "ca/test-ca.pem"));

        var failed = Assert.IsType<Failed>(outcome);
        Assert.Equal(-2L, failed.Outputs["days_left"]);
        Assert.Contains("the certificate expired", failed.Error, StringComparison.Ordinal);
        Assert.Contains("2 days ago", failed.Error, StringComparison.Ordinal);
        Assert.Equal(false, failed.Outputs["chain_valid"]);
    }

    [Fact]
    public async Task A_certificate_expiring_in_3_days_fails_min_days_14_with_the_days_in_the_message()
    {
        var outcome = await Check("soon.test", more: [("ca_file", "ca/test-ca.pem"), ("min_days", 14L)]);

        var failed = Assert.IsType<Failed>(outcome);
        Assert.Contains("expires in 3 days", failed.Error, StringComparison.Ordinal);
        Assert.Contains("under min_days 14", failed.Error, StringComparison.Ordinal);
        Assert.Equal(3L, failed.Outputs["days_left"]);
        Assert.Equal(true, failed.Outputs["chain_valid"]);
    }

    [Fact]
    public async Task A_certificate_expiring_in_3_days_passes_min_days_3()
    {
        var outcome = await Check("soon.test", more: [("ca_file", "ca/test-ca.pem"), ("min_days", 3L)]);

        Assert.Equal(3L, Assert.IsType<Succeeded>(outcome).Outputs["days_left"]);
    }

    [Fact]
    public async Task A_certificate_for_another_name_fails_with_the_names_it_holds_while_its_chain_validates()
    {
        var outcome = await Check("wrong.test", more: ("ca_file", "ca/test-ca.pem"));

        var failed = Assert.IsType<Failed>(outcome);
        Assert.Equal(false, failed.Outputs["name_matches"]);
        Assert.Equal(true, failed.Outputs["chain_valid"]);
        Assert.Contains("(other.test, www.other.test) do not match 'wrong.test'", failed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_self_signed_certificate_fails_as_untrusted_even_with_a_ca_file()
    {
        var outcome = await Check("self.test", more: ("ca_file", "ca/test-ca.pem"));

        var failed = Assert.IsType<Failed>(outcome);
        Assert.Equal(false, failed.Outputs["chain_valid"]);
        Assert.Equal("CN=self.test", failed.Outputs["issuer"]);
        Assert.Single((List<object?>)failed.Outputs["chain"]!);
    }

    [Fact]
    public async Task With_expect_valid_false_a_self_signed_certificate_is_reported_without_failing()
    {
        var outcome = await Check("self.test", more: ("expect_valid", false));

        var success = Assert.IsType<Succeeded>(outcome);
        Assert.Equal(false, success.Outputs["chain_valid"]);
        Assert.NotEmpty((List<object?>)success.Outputs["errors"]!);
    }

    [Fact]
    public async Task With_expect_valid_false_min_days_still_fails_an_expired_certificate()
    {
        var outcome = await Check("expired.test", more: [("expect_valid", false), ("min_days", 1L)]);

        var failed = Assert.IsType<Failed>(outcome);
        Assert.Contains("the certificate expired 2 days ago", failed.Error, StringComparison.Ordinal);
        Assert.Contains("under min_days 1", failed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_sni_the_host_is_the_name_sent_and_checked()
    {
        var outcome = await Check(string.Empty, host: "localhost", more: ("ca_file", "ca/test-ca.pem"));

        var success = Assert.IsType<Succeeded>(outcome);
        Assert.Equal(true, success.Outputs["name_matches"]);
    }

    [Fact]
    public async Task The_runs_clock_judges_expiry_not_the_wall_clock()
    {
        var later = new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(100));

        var outcome = await Check("valid.test", time: later, more: ("ca_file", "ca/test-ca.pem"));

        var failed = Assert.IsType<Failed>(outcome);
        Assert.Equal(-10L, failed.Outputs["days_left"]);
        Assert.Contains("the certificate expired", failed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_closed_port_fails_saying_nothing_listens_there()
    {
        var port = TlsServer.ClosedPort();

        var failed = Assert.IsType<Failed>(await Check("valid.test", (long)port));

        Assert.StartsWith($"tls.check 127.0.0.1:{port}: cannot connect", failed.Error, StringComparison.Ordinal);
        Assert.Contains("is the service listening", failed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_plain_http_port_fails_saying_it_is_not_a_tls_port()
    {
        var failed = Assert.IsType<Failed>(await Check("valid.test", (long)server.PlainPort, more: ("timeout", "5s")));

        Assert.Contains("the TLS handshake failed", failed.Error, StringComparison.Ordinal);
        Assert.Contains("TLS port", failed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_port_that_never_answers_fails_after_the_timeout()
    {
        var started = DateTime.UtcNow;

        var failed = Assert.IsType<Failed>(await Check("valid.test", (long)server.SilentPort, more: ("timeout", "500ms")));

        Assert.Contains("no TLS handshake within 0.5s", failed.Error, StringComparison.Ordinal);
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.Zero, TimeSpan.FromSeconds(5));
    }

    [Theory]
    [InlineData("../ca/test-ca.pem", "leaves the playbook's folder")]
    [InlineData("/etc/passwd", "absolute path")]
    [InlineData("ca/missing.pem", "does not exist")]
    public async Task A_ca_file_outside_the_folder_or_missing_is_refused_before_connecting(string caFile, string reason)
    {
        var failed = Assert.IsType<Failed>(await Check("valid.test", more: ("ca_file", caFile)));

        Assert.Contains(reason, failed.Error, StringComparison.Ordinal);
        Assert.False(failed.Retryable);
    }

    [Fact]
    public async Task A_ca_file_that_is_not_pem_is_refused_naming_the_format()
    {
        File.WriteAllText(Path.Combine(server.Folder, "not-pem.txt"), "hello");

        var failed = Assert.IsType<Failed>(await Check("valid.test", more: ("ca_file", "not-pem.txt")));

        Assert.Contains("holds no certificate", failed.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(65536L)]
    [InlineData(1.5)]
    public async Task A_port_out_of_range_is_a_clear_argument_error(object port)
    {
        var failed = Assert.IsType<Failed>(await Check("valid.test", port));

        Assert.Contains("'port' must be a whole number from 1 to 65535", failed.Error, StringComparison.Ordinal);
    }
}
