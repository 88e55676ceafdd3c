using System.Text.Json;
using Runbook.Cli.Composition;
using Runbook.Cli.Tests.Support;
using Runbook.Language.Actions;

namespace Runbook.Cli.Tests.EndToEnd;

/// <summary>
/// providers: at the command line, as processes on both builds: validate --provider lists the playbooks not for the
/// provider without failing; plan and exec refuse them before anything runs.
/// </summary>
public sealed class ProviderClaimTests : IDisposable
{
    private const string KubernetesOnly = "playbooks/kubernetes-api-recovery.yaml";
    private const string ComposeOnly = "playbooks/compose-backend-recovery.yaml";

    // Every playbook of the library that claims Kubernetes alone, in the order validate lists them (by path).
    private static readonly string[] KubernetesPlaybooks =
        [KubernetesOnly, "playbooks/kubernetes-config-change.yaml", "playbooks/kubernetes-scale-hpa.yaml", "playbooks/kubernetes-vertical-resize.yaml"];

    private readonly string _folder = Directory.CreateTempSubdirectory("runbook-providers-e2e-").FullName;

    private string Journal => Path.Combine(_folder, "journal.db");

    /// <summary>Each build with each provider, and the playbooks of the library that are not for it.</summary>
    public static TheoryData<CliTarget, string, string[]> LibraryByProvider()
    {
        var data = new TheoryData<CliTarget, string, string[]>();
        foreach (var target in CliTargets.All().Select(t => (CliTarget)t[0]))
        {
            data.Add(target, "compose", KubernetesPlaybooks);
            data.Add(target, "kubernetes", [ComposeOnly]);
            data.Add(target, "aws", [ComposeOnly, .. KubernetesPlaybooks]);
            data.Add(target, "azure", [ComposeOnly, .. KubernetesPlaybooks]);
            data.Add(target, "gcp", [ComposeOnly, .. KubernetesPlaybooks]);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(LibraryByProvider))]
    public void The_library_validates_cleanly_on_each_provider_and_lists_the_platform_playbooks_as_not_for_it(CliTarget cli, string provider, string[] notFor)
    {
        var result = cli.Run("validate", "playbooks/", "--provider", provider);

        Assert.Equal(0, result.ExitCode);
        var lines = result.Out.TrimEnd('\n').Split('\n');
        Assert.Equal(notFor, lines[..^1].Select(l => l[..l.IndexOf(':', StringComparison.Ordinal)]));
        Assert.All(lines[..^1], l => Assert.Contains($": not for {provider}: it claims providers: [", l, StringComparison.Ordinal));
        Assert.Matches($@"^\d+ files checked: 0 errors, 0 warnings, {notFor.Length} not for {provider}$", lines[^1]);
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void Validate_json_marks_each_file_for_the_provider_or_not_and_shows_its_providers(CliTarget cli)
    {
        var result = cli.Run("validate", "playbooks/", "--provider", "compose", "--format", "json");

        Assert.Equal(0, result.ExitCode);
        using var doc = JsonDocument.Parse(result.Out);
        var files = doc.RootElement.GetProperty("files").EnumerateArray().ToDictionary(f => f.GetProperty("path").GetString()!);
        Assert.False(files[KubernetesOnly].GetProperty("for_provider").GetBoolean());
        Assert.Equal("claimed", files[KubernetesOnly].GetProperty("providers_from").GetString());
        Assert.Equal(["kubernetes"], files[KubernetesOnly].GetProperty("providers").EnumerateArray().Select(p => p.GetString()));
        Assert.True(files["playbooks/high-error-rate.yaml"].GetProperty("for_provider").GetBoolean());
        Assert.Equal("computed", files["playbooks/high-error-rate.yaml"].GetProperty("providers_from").GetString());
        Assert.Equal(5, files["playbooks/high-error-rate.yaml"].GetProperty("providers").GetArrayLength());
        Assert.Equal("compose", doc.RootElement.GetProperty("provider").GetString());
        Assert.Equal(KubernetesPlaybooks, doc.RootElement.GetProperty("not_for_provider").EnumerateArray().Select(n => n.GetProperty("path").GetString()));
        Assert.Equal(0, doc.RootElement.GetProperty("errors").GetInt32());
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void Validate_github_reports_a_playbook_not_for_the_provider_as_a_notice_never_an_error(CliTarget cli)
    {
        var result = cli.Run("validate", "playbooks/", "--provider", "aws", "--format", "github");

        Assert.Equal(0, result.ExitCode);
        var lines = result.Out.TrimEnd('\n').Split('\n');
        Assert.Equal(KubernetesPlaybooks.Length + 1, lines.Length); // and compose-backend-recovery
        Assert.All(lines, l => Assert.StartsWith("::notice file=playbooks/", l, StringComparison.Ordinal));
        Assert.Contains($"::notice file={KubernetesOnly},line=14,col=13,title=not for aws::", result.Out, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void In_a_mixed_folder_only_real_errors_fail_and_a_wrong_claim_is_an_error_on_every_provider(CliTarget cli)
    {
        Write("neutral.yaml", Playbook("neutral", null, Step("status", "service.describe", "{ service: api }")));
        Write("kube.yaml", Playbook("kube", "[kubernetes]", Step("pods", "kubernetes.get", "{ kind: pods }")));
        Write("compose-computed.yaml", Playbook("compose-computed", null, Step("ping", "compose.exec", "{ service: db, command: pg_isready }", mutates: true)));

        var clean = cli.Run("validate", _folder, "--provider", "aws");
        Write("wrong-claim.yaml", Playbook("wrong-claim", "[compose]", Step("pods", "kubernetes.get", "{ kind: pods }")));
        var withWrongClaim = cli.Run("validate", _folder, "--provider", "aws");

        Assert.Equal(0, clean.ExitCode);
        Assert.Contains("compose-computed.yaml: not for aws: its actions need compose: step 'ping' uses 'compose.exec' (line 8)", clean.Out, StringComparison.Ordinal);
        Assert.Contains("kube.yaml: not for aws: it claims providers: [kubernetes] (line 4)", clean.Out, StringComparison.Ordinal);
        Assert.EndsWith("3 files checked: 0 errors, 0 warnings, 2 not for aws\n", clean.Out, StringComparison.Ordinal);
        Assert.Equal(2, withWrongClaim.ExitCode);
        Assert.Contains("wrong-claim.yaml:4:13: error RB0307: the playbook claims provider 'compose', which does not support 'kubernetes.get'", withWrongClaim.Out, StringComparison.Ordinal);
        Assert.Contains("wrong-claim.yaml:8:13: error RB0307:", withWrongClaim.Out, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void A_provider_named_in_another_case_is_refused_as_unknown_with_the_right_name_suggested(CliTarget cli)
    {
        var result = cli.Run("validate", "playbooks/", "--provider", "Kubernetes");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("unknown provider 'Kubernetes' (did you mean 'kubernetes'?)", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void Exec_of_a_playbook_not_for_the_provider_exits_2_before_the_journal_is_created(CliTarget cli)
    {
        var result = cli.Run("exec", KubernetesOnly, "--provider", "compose", "--journal", Journal, "--yes");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"runbook: {KubernetesOnly} is not for compose: it claims providers: [kubernetes] (line 14); nothing was run\n"
            + "   = fix: run it with --provider kubernetes, or add compose to its providers: if it really runs there (validate then checks every action on compose)\n",
            result.Error);
        Assert.Empty(result.Out);
        Assert.Empty(Directory.GetFiles(_folder));
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void Exec_with_an_environment_whose_provider_the_playbook_is_not_for_is_refused_too(CliTarget cli)
    {
        var config = Write("runbook.yaml", "environments:\n  prod:\n    provider: gcp\n    project: p\n");

        var result = cli.Run("exec", ComposeOnly, "--env", "prod", "--config", config, "--journal", Journal);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith($"runbook: {ComposeOnly} is not for gcp: it claims providers: [compose]", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Journal));
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void Exec_of_a_playbook_whose_computed_providers_exclude_the_provider_names_the_step_that_rules_it_out(CliTarget cli)
    {
        var file = Write("compose-computed.yaml", Playbook("compose-computed", null, Step("ping", "compose.exec", "{ service: db, command: pg_isready }", mutates: true)));

        var result = cli.Run("exec", file, "--provider", "kubernetes", "--journal", Journal, "--dry-run");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("is not for kubernetes: its actions need compose: step 'ping' uses 'compose.exec' (line 8), which kubernetes does not run; nothing was run",
            result.Error, StringComparison.Ordinal);
        Assert.Contains("= fix: run it with --provider compose\n", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Journal));
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void Exec_of_a_parent_whose_sub_playbook_is_not_for_the_provider_is_refused_with_nothing_journaled(CliTarget cli)
    {
        Write("child.yaml", Playbook("child", "[kubernetes]", Step("status", "service.describe", "{ service: api }")));
        var parent = Write("parent.yaml", Playbook("parent", null, Step("child", "playbook.run", "{ path: child.yaml }", mutates: true)));

        var validate = cli.Run("validate", parent);
        var result = cli.Run("exec", parent, "--provider", "compose", "--journal", Journal, "--yes");

        Assert.Equal(2, validate.ExitCode);
        Assert.Contains("parent.yaml:9:21: error RB0317: 'child.yaml' is for kubernetes (its providers:), not for aws, azure, compose, gcp, which this playbook is for (what its actions need)",
            validate.Out, StringComparison.Ordinal);
        Assert.Contains("= fix: add providers: [kubernetes] to this playbook", validate.Out, StringComparison.Ordinal);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("error RB0317:", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Journal));
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void A_parent_claiming_the_provider_of_its_sub_playbook_validates_and_plans_on_it(CliTarget cli)
    {
        Write("child.yaml", Playbook("child", "[kubernetes]", Step("status", "service.describe", "{ service: api }")));
        var parent = Write("parent.yaml", Playbook("parent", "[kubernetes]", Step("child", "playbook.run", "{ path: child.yaml }", mutates: true)));

        Assert.Equal(0, cli.Run("validate", parent, "--provider", "kubernetes", "--warnings-as-errors").ExitCode);
        Assert.Equal(0, cli.Run("plan", parent, "--provider", "kubernetes").ExitCode);
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void Plan_of_a_playbook_not_for_the_provider_exits_2_and_prints_no_plan(CliTarget cli)
    {
        var output = Path.Combine(_folder, "plan.json");

        var result = cli.Run("plan", ComposeOnly, "--provider", "kubernetes", "--out", output);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith($"runbook: {ComposeOnly} is not for kubernetes: it claims providers: [compose]", result.Error, StringComparison.Ordinal);
        Assert.Empty(result.Out);
        Assert.False(File.Exists(output));
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void Plan_of_a_playbook_for_the_provider_still_works(CliTarget cli)
    {
        var result = cli.Run("plan", KubernetesOnly, "--provider", "kubernetes");

        Assert.Equal(0, result.ExitCode);
    }

    [Fact]
    public void The_provider_names_the_language_knows_are_exactly_the_registered_providers()
    {
        Assert.Equal(PlaybookProviders.KnownNames.ToArray(), ProviderRegistry.All.Select(p => p.Name).Order(StringComparer.Ordinal).ToArray());
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string Playbook(string name, string? providers, string step) =>
        $"apiVersion: runbook/v1\nkind: Playbook\nname: {name}\n"
        + (providers is null ? "description: computed\n" : $"providers: {providers}\n")
        + "phases:\n  mitigate:\n" + step;

    private static string Step(string id, string action, string with, bool mutates = false) =>
        $"    - id: {id}\n      uses: {action}\n      with: {with}\n"
        + (mutates ? "      rollback:\n        run: echo undo\n" : string.Empty);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }
}
