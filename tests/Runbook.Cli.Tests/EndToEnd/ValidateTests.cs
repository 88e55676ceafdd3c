using System.Text.Json;
using Runbook.Cli.Tests.Support;

namespace Runbook.Cli.Tests.EndToEnd;

/// <summary>`runbook validate`, run as a process against the JIT build and the native binary.</summary>
public sealed class ValidateTests
{
    private const string Broken = "tests/Runbook.Cli.Tests/Data/broken.yaml";
    private const string WarningsOnly = "tests/Runbook.Cli.Tests/Data/warnings.yaml";

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void The_playbook_library_and_samples_validate_cleanly(CliTarget cli)
    {
        var result = cli.Run("validate", "playbooks/", "samples/");

        Assert.Equal(0, result.ExitCode);
        Assert.Matches(@"^\d+ files checked: 0 errors, 0 warnings\n$", result.Out);
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void Errors_are_reported_with_position_code_caret_and_fix_and_exit_2(CliTarget cli)
    {
        var result = cli.Run("validate", Broken);

        Assert.Equal(2, result.ExitCode);
        Snapshot.Match(result.Out, "validate-broken-text");
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void Warnings_exit_0_unless_they_are_errors(CliTarget cli)
    {
        Assert.Equal(0, cli.Run("validate", WarningsOnly).ExitCode);
        Assert.Equal(1, cli.Run("validate", WarningsOnly, "--warnings-as-errors").ExitCode);
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void The_github_format_emits_one_workflow_command_per_diagnostic(CliTarget cli)
    {
        var result = cli.Run("validate", Broken, "--format", "github");

        Assert.Equal(2, result.ExitCode);
        Snapshot.Match(result.Out, "validate-broken-github");
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void The_json_format_lists_files_and_diagnostics(CliTarget cli)
    {
        var result = cli.Run("validate", Broken, "--format", "json");

        using var doc = JsonDocument.Parse(result.Out);
        var diagnostics = doc.RootElement.GetProperty("files")[0].GetProperty("diagnostics").EnumerateArray()
            .Select(d => $"{d.GetProperty("code").GetString()} {d.GetProperty("line").GetInt32()}:{d.GetProperty("column").GetInt32()}")
            .ToList();
        Assert.Equal(["RB0305 6:3", "RB0301 9:11", "RB0110 14:13", "RB0100 16:7"], diagnostics);
        Assert.Equal(3, doc.RootElement.GetProperty("errors").GetInt32());
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void The_sarif_format_is_sarif_2_1_0_with_rules_and_regions(CliTarget cli)
    {
        var result = cli.Run("validate", Broken, "--format", "sarif");

        using var doc = JsonDocument.Parse(result.Out);
        Assert.Equal("2.1.0", doc.RootElement.GetProperty("version").GetString());
        var run = doc.RootElement.GetProperty("runs")[0];
        var rules = run.GetProperty("tool").GetProperty("driver").GetProperty("rules").EnumerateArray().Select(r => r.GetProperty("id").GetString()).ToList();
        var first = run.GetProperty("results")[0];
        Assert.Equal("RB0305", first.GetProperty("ruleId").GetString());
        Assert.Equal(rules.IndexOf("RB0305"), first.GetProperty("ruleIndex").GetInt32());
        Assert.Equal("warning", first.GetProperty("level").GetString());
        var region = first.GetProperty("locations")[0].GetProperty("physicalLocation").GetProperty("region");
        Assert.Equal(6, region.GetProperty("startLine").GetInt32());
        Assert.Equal(3, region.GetProperty("startColumn").GetInt32());
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void A_playbook_for_another_provider_is_listed_as_not_for_it_instead_of_failing_on_its_actions(CliTarget cli)
    {
        var result = cli.Run("validate", "playbooks/", "--provider", "compose", "--format", "json");

        // The Kubernetes-specific playbooks claim kubernetes: on compose they are not checked for compose, only listed.
        using var doc = JsonDocument.Parse(result.Out);
        Assert.Equal(0, result.ExitCode);
        Assert.DoesNotContain(doc.RootElement.GetProperty("files").EnumerateArray(), f => !f.GetProperty("valid").GetBoolean());
        Assert.Equal(
            ["playbooks/kubernetes-api-recovery.yaml", "playbooks/kubernetes-config-change.yaml", "playbooks/kubernetes-scale-hpa.yaml", "playbooks/kubernetes-vertical-resize.yaml"],
            doc.RootElement.GetProperty("not_for_provider").EnumerateArray().Select(f => f.GetProperty("path").GetString()));
        Assert.Equal(0, cli.Run("validate", "playbooks/kubernetes-api-recovery.yaml", "--provider", "kubernetes", "--warnings-as-errors").ExitCode);
        Assert.Equal(0, cli.Run("validate", "playbooks/compose-backend-recovery.yaml", "--provider", "compose", "--warnings-as-errors").ExitCode);
        var bad = cli.Run("validate", "playbooks/", "--provider", "kubernete");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("unknown provider 'kubernete' (did you mean 'kubernetes'?)", bad.Error, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void Usage_errors_exit_2_without_a_stack_trace(CliTarget cli)
    {
        var missing = cli.Run("validate", "no/such/path");
        var noArgs = cli.Run("validate");
        var badFormat = cli.Run("validate", "playbooks/", "--format", "xml");

        Assert.All([missing, noArgs, badFormat], r => Assert.Equal(2, r.ExitCode));
        Assert.All([missing, noArgs, badFormat], r => Assert.DoesNotContain("   at ", r.Error, StringComparison.Ordinal));
        Assert.Contains("'no/such/path' is neither a file nor a folder", missing.Error, StringComparison.Ordinal);
    }
}
