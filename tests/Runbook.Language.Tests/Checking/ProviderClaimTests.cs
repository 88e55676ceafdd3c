using System.Collections.Immutable;
using System.Text;
using Runbook.Language.Actions;
using Runbook.Language.Diagnostics;

namespace Runbook.Language.Tests.Checking;

/// <summary>
/// The top-level providers: list: what binds, what is refused, RB0307 at a claim that cannot run an action, and the
/// providers computed when a playbook claims none.
/// </summary>
public sealed class ProviderClaimTests
{
    private static readonly ActionDescriptor KubernetesGet = new("kubernetes.get", "Read an object.", false,
        [new ParameterDescriptor("kind", ParameterType.String, true, "Kind.")], [OutputDescriptor.Json("object")], "get {kind}");

    private static readonly ImmutableHashSet<string> AllServiceActions = [.. ServiceActions.All.Select(a => a.Name)];

    /// <summary>Kubernetes with its own action; compose without it; a provider that cannot read logs.</summary>
    private static readonly ActionCatalog Catalog = ActionCatalog.Create(
    [
        new ProviderDescriptor("kubernetes", "k", [KubernetesGet], AllServiceActions, ImmutableDictionary<string, string>.Empty),
        new ProviderDescriptor("compose", "c", [], AllServiceActions, ImmutableDictionary<string, string>.Empty),
        new ProviderDescriptor("aws", "a", [], AllServiceActions.Remove("service.logs"), ImmutableDictionary<string, string>.Empty),
    ]);

    private static LoadedPlaybook Load(string header, string steps, ProviderDescriptor? provider = null) =>
        PlaybookLoader.Load("p.yaml", Encoding.UTF8.GetBytes($"""
            apiVersion: runbook/v1
            kind: Playbook
            name: p
            {header}
            phases:
              assess:
            {steps}
            """), Catalog, provider);

    private const string Describe = "    - id: status\n      uses: service.describe\n      with: { service: api }";
    private const string Logs = "    - id: logs\n      uses: service.logs\n      with: { service: api }";
    private const string Pods = "    - id: pods\n      uses: kubernetes.get\n      with: { kind: pods }";

    private static string Codes(LoadedPlaybook loaded) =>
        string.Join(", ", loaded.Diagnostics.Select(d => $"{d.Code} {d.Span.Line}:{d.Span.Column}"));

    [Fact]
    public void A_providers_list_binds_each_claim_with_where_it_is_written()
    {
        var loaded = Load("providers: [kubernetes, compose]", Describe);

        Assert.Empty(loaded.Diagnostics);
        Assert.Equal(["kubernetes 4:13", "compose 4:25"],
            loaded.Playbook!.Providers.Select(p => $"{p.Name} {p.Span.Line}:{p.Span.Column}"));
    }

    [Fact]
    public void A_single_provider_may_be_written_without_brackets()
    {
        var loaded = Load("providers: kubernetes", Describe);

        Assert.Empty(loaded.Diagnostics);
        Assert.Equal(["kubernetes"], loaded.Playbook!.Providers.Select(p => p.Name));
    }

    [Fact]
    public void An_unknown_provider_is_RB0120_with_the_closest_name_suggested()
    {
        var loaded = Load("providers: [kubernets]", Describe);

        var error = Assert.Single(loaded.Diagnostics);
        Assert.Equal("RB0120 4:13", $"{error.Code} {error.Span.Line}:{error.Span.Column}");
        Assert.Equal("unknown provider 'kubernets' (did you mean 'kubernetes'?)", error.Message);
        Assert.Equal("the providers are: aws, azure, compose, gcp, kubernetes", error.Fix);
        Assert.Empty(loaded.Playbook!.Providers);
    }

    [Fact]
    public void A_provider_in_another_case_is_unknown_and_the_message_says_names_are_lower_case()
    {
        var error = Assert.Single(Load("providers: [Kubernetes]", Describe).Diagnostics);

        Assert.Equal("RB0120", error.Code);
        Assert.Equal("unknown provider 'Kubernetes' (did you mean 'kubernetes'?) (provider names are lower case)", error.Message);
    }

    [Fact]
    public void A_provider_listed_twice_is_RB0121_at_its_second_mention()
    {
        var loaded = Load("providers: [compose, kubernetes, compose]", Describe);

        Assert.Equal("RB0121 4:34", Codes(loaded));
        Assert.Equal(["compose", "kubernetes"], loaded.Playbook!.Providers.Select(p => p.Name));
    }

    [Fact]
    public void An_empty_providers_list_is_an_error_because_the_playbook_could_run_nowhere()
    {
        var error = Assert.Single(Load("providers: []", Describe).Diagnostics);

        Assert.Equal("RB0103 4:12", $"{error.Code} {error.Span.Line}:{error.Span.Column}");
        Assert.Contains("remove providers: to have them computed", error.Fix, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("providers: { kubernetes: true }")]
    [InlineData("providers: ~")]
    [InlineData("providers: [[kubernetes]]")]
    public void A_providers_value_that_is_not_a_list_of_names_is_a_wrong_type(string header)
    {
        var loaded = Load(header, Describe);

        Assert.Equal(["RB0101"], loaded.Diagnostics.Select(d => d.Code));
        Assert.Empty(loaded.Playbook!.Providers);
    }

    [Fact]
    public void A_claimed_provider_lacking_an_action_is_RB0307_at_the_claim_and_at_the_step()
    {
        var loaded = Load("providers: [kubernetes, compose]", Pods);

        Assert.Equal("RB0307 4:25, RB0307 8:13", Codes(loaded));
        Assert.Equal("the playbook claims provider 'compose', which does not support 'kubernetes.get' (step 'pods', line 8)",
            loaded.Diagnostics[0].Message);
        Assert.Equal("provider 'compose' (claimed under providers:) does not support 'kubernetes.get'", loaded.Diagnostics[1].Message);
    }

    [Fact]
    public void A_claimed_provider_lacking_a_rollback_action_is_reported_too()
    {
        var step = "    - id: undo\n      run: echo hi\n      mutates: false\n      rollback:\n        uses: kubernetes.get\n        with: { kind: pods }";

        var loaded = Load("providers: [compose]", step);

        Assert.Equal(["RB0307", "RB0307"], loaded.Diagnostics.Where(d => d.IsError).Select(d => d.Code));
    }

    [Fact]
    public void The_claim_reports_the_first_lacking_step_and_counts_the_others()
    {
        var loaded = Load("providers: [aws]", Logs + "\n" + Logs.Replace("id: logs", "id: more_logs", StringComparison.Ordinal));

        var atClaim = loaded.Diagnostics.First(d => d.Span.Line == 4);
        Assert.EndsWith("(step 'logs', line 8) and 1 more", atClaim.Message, StringComparison.Ordinal);
        Assert.Equal(3, loaded.Diagnostics.Count(d => d.Code == "RB0307"));
    }

    [Fact]
    public void The_chosen_provider_and_the_same_claimed_one_report_a_step_once()
    {
        var loaded = Load("providers: [compose]", Pods, Catalog.FindProvider("compose"));

        Assert.Equal("RB0307 4:13, RB0307 8:13", Codes(loaded));
    }

    [Fact]
    public void Without_a_claim_the_providers_are_those_that_support_every_action_used()
    {
        var loaded = Load("description: d", Logs + "\n" + Describe.Replace("status", "other", StringComparison.Ordinal));

        var providers = PlaybookProviders.For(loaded.Playbook!, Catalog);

        Assert.False(providers.Claimed);
        Assert.Equal(["compose", "kubernetes"], providers.Names.ToArray());
    }

    [Fact]
    public void A_provider_own_action_narrows_the_computed_providers_to_that_provider()
    {
        var providers = PlaybookProviders.For(Load("description: d", Pods).Playbook!, Catalog);

        Assert.Equal(["kubernetes"], providers.Names.ToArray());
        Assert.False(providers.Includes("Kubernetes"));
    }

    [Fact]
    public void A_playbook_of_shell_steps_only_is_for_every_provider()
    {
        var providers = PlaybookProviders.For(Load("description: d", "    - id: s\n      run: echo hi\n      mutates: false").Playbook!, Catalog);

        Assert.Equal(["aws", "compose", "kubernetes"], providers.Names.ToArray());
    }

    [Fact]
    public void A_claim_is_what_the_playbook_is_for_even_when_its_actions_would_allow_more()
    {
        var providers = PlaybookProviders.For(Load("providers: [compose]", Describe).Playbook!, Catalog);

        Assert.True(providers.Claimed);
        Assert.Equal(["compose"], providers.Names.ToArray());
    }

    [Fact]
    public void A_claim_of_a_known_provider_this_catalog_lacks_is_accepted_and_not_checked()
    {
        var loaded = Load("providers: [gcp]", Pods);

        Assert.Empty(loaded.Diagnostics);
        Assert.Equal(["gcp"], PlaybookProviders.For(loaded.Playbook!, Catalog).Names.ToArray());
    }

    [Fact]
    public void An_unknown_action_rules_out_no_provider_since_it_has_its_own_error()
    {
        var loaded = Load("description: d", "    - id: x\n      uses: nosuch.action");

        Assert.Equal(["RB0110"], loaded.Diagnostics.Where(d => d.IsError).Select(d => d.Code));
        Assert.Equal(["aws", "compose", "kubernetes"], PlaybookProviders.For(loaded.Playbook!, Catalog).Names.ToArray());
    }
}
