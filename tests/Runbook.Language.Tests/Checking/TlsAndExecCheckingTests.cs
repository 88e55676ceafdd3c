using System.Collections.Immutable;
using System.Text;
using Runbook.Language.Actions;
using Runbook.Language.Diagnostics;

namespace Runbook.Language.Tests.Checking;

/// <summary>What the checker says about tls.check and service.exec before anything runs.</summary>
public sealed class TlsAndExecCheckingTests
{
    /// <summary>A platform that cannot exec, and says what to do instead, as the clouds do.</summary>
    private static readonly ProviderDescriptor NoExec = new("noexec", "Cannot exec.", [], [.. ServiceActions.NamesWithoutExec], ImmutableDictionary<string, string>.Empty)
    {
        Unsupported = ImmutableDictionary<string, UnsupportedAction>.Empty.Add(ServiceActions.ExecName, new("the platform runs no command in a container", "use 'platform exec' yourself")),
    };

    private static IReadOnlyList<Diagnostic> Diagnostics(string phase, string step, ProviderDescriptor? provider = null) =>
        PlaybookLoader.Load("p.yaml", Encoding.UTF8.GetBytes($$"""
        apiVersion: runbook/v1
        kind: Playbook
        name: p
        phases:
          {{phase}}:
            - id: probe
        {{step}}
        """), ActionCatalog.Create(provider is null ? [] : [provider]), provider).Diagnostics.ToList();

    [Fact]
    public void Service_exec_mutates_by_default_so_a_read_only_phase_refuses_it()
    {
        var error = Assert.Single(Diagnostics("gather", "      uses: service.exec\n      with: { service: db, command: psql }"), d => d.IsError);

        Assert.Equal("RB0301", error.Code);
    }

    [Fact]
    public void Service_exec_that_says_mutates_false_may_run_in_a_read_only_phase()
    {
        Assert.DoesNotContain(Diagnostics("gather", "      uses: service.exec\n      with: { service: db, command: [psql, -tAc, select 1], stdin: x }\n      mutates: false"), d => d.IsError);
    }

    [Theory]
    [InlineData("../secrets.sql")]
    [InlineData("/etc/shadow")]
    public void A_stdin_file_outside_the_playbooks_folder_is_refused_at_validate_time(string file)
    {
        var errors = Diagnostics("gather", $"      uses: service.exec\n      with: {{ service: db, command: cat, stdin_file: \"{file}\" }}\n      mutates: false").Where(d => d.IsError);

        Assert.Equal("RB0313", Assert.Single(errors).Code);
    }

    [Fact]
    public void A_provider_that_cannot_exec_refuses_service_exec_with_its_reason_and_its_own_way()
    {
        var error = Assert.Single(Diagnostics("gather", "      uses: service.exec\n      with: { service: db, command: psql }\n      mutates: false", NoExec), d => d.IsError);

        Assert.Equal("RB0307", error.Code);
        Assert.Equal("provider 'noexec' does not support 'service.exec': the platform runs no command in a container", error.Message);
        Assert.Equal("use 'platform exec' yourself", error.Fix);
    }

    [Fact]
    public void Tls_check_is_read_only_and_runs_in_assess()
    {
        Assert.Empty(Diagnostics("assess", "      uses: tls.check\n      with: { host: api.example.com, min_days: 14, expect_valid: true, ca_file: certs/ca.pem }"));
    }

    [Theory]
    [InlineData("port: https", "RB0101")]
    [InlineData("min_days: soon", "RB0101")]
    [InlineData("timeout: forever", "RB0104")]
    [InlineData("ca_file: ../ca.pem", "RB0313")]
    [InlineData("hostname: x", "RB0111")]
    public void Tls_check_arguments_of_the_wrong_kind_are_refused_at_validate_time(string argument, string code)
    {
        var errors = Diagnostics("assess", $"      uses: tls.check\n      with:\n        host: api.example.com\n        {argument}").Where(d => d.IsError);

        Assert.Contains(errors, e => e.Code == code);
    }
}
