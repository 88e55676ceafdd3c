using System.Text;
using Runbook.Language.Actions;
using Runbook.Language.Diagnostics;
using Runbook.Language.Planning;
using Runbook.Language.Tests.Robustness;
using static Runbook.Language.Tests.ForEach.FanOutPlaybooks;

namespace Runbook.Language.Tests.ForEach;

/// <summary>Items as an attacker would write them: code in values, scripts, odd text, huge lists, child playbooks.</summary>
public sealed class HostileItemTests
{
    private static string[] ShellCodes(string run, string forEach = "[a]") => [.. Load($$$"""
        apiVersion: runbook/v1
        kind: Playbook
        name: p
        phases:
          assess:
            - id: each
              for_each: {{{forEach}}}
              mutates: false
              run: {{{run}}}
        """).Diagnostics.Select(d => d.Code)];

    [Theory]
    [InlineData("eval \"echo ${{ item }}\"")]
    [InlineData("sh -c 'echo ${{ item }}'")]
    [InlineData("echo ${{ item }} | bash")]
    [InlineData("bash -c \"${{ item }}\"")]
    [InlineData("eval \"${{ item_index }}\"")]
    public void The_item_where_the_shell_runs_code_is_RB0310_like_any_other_value(string run)
    {
        Assert.Equal(["RB0310"], ShellCodes(run));
    }

    [Theory]
    [InlineData("echo \"${{ item }}\"")]
    [InlineData("echo ${{ item }}")]
    [InlineData("curl -fsS \"https://${{ item }}/healthz\"")]
    public void The_item_as_data_in_a_script_is_accepted(string run)
    {
        Assert.Empty(ShellCodes(run));
    }

    [Fact]
    public void An_as_name_in_a_script_goes_through_the_same_rule()
    {
        var codes = Load("""
            apiVersion: runbook/v1
            kind: Playbook
            name: p
            phases:
              assess:
                - id: each
                  for_each: [a]
                  as: host
                  mutates: false
                  run: eval "ping ${{ host }}"
            """).Diagnostics.Select(d => d.Code);

        Assert.Equal(["RB0310"], codes);
    }

    [Theory]
    [InlineData("\"$(rm -rf /)\"", "$(rm -rf /)")]
    [InlineData("\"`id`; echo pwned\"", "`id`; echo pwned")]
    [InlineData("'${{ inputs.token }}'", "${{ inputs.token }}")]
    [InlineData("\"a\\nb\"", "a\nb")]
    public void A_literal_item_that_looks_like_code_is_planned_as_its_text(string item, string text)
    {
        // Any ${{ in a value is an expression, quoted or not: that item reads a secret input, which no plan shows.
        var loaded = WithSteps("token: { type: secret, from: env:T }", $$$"""
            - id: each
              for_each: [{{{item}}}]
              mutates: false
              run: echo "${{ item }}"
            """);
        var provider = new ProviderDescriptor("t", "t", [], [], System.Collections.Immutable.ImmutableDictionary<string, string>.Empty);

        var plan = Planner.Build(loaded, ActionCatalog.Create([provider]), provider, new Dictionary<string, object?>());

        var line = Assert.Single(plan.Steps);
        if (text.Contains("${{", StringComparison.Ordinal))
        {
            Assert.Equal("each", line.Id); // the item reads a secret the plan cannot show: known only at run time
            Assert.DoesNotContain("T", line.Arguments.Single().Value, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal("each[0]", line.Id);
            Assert.Equal($"echo \"{text}\"", line.Arguments.Single().Value);
        }
    }

    [Fact]
    public void Unicode_and_very_long_items_bind_plan_and_fall_back_to_index_keys()
    {
        var longItem = new string('x', 100_000);
        var loaded = WithSteps(string.Empty, $$$"""
            - id: each
              for_each: ["сервис-ñ-🚀", "日本", "{{{longItem}}}"]
              mutates: false
              run: echo "${{ item }}"
            """);
        var provider = new ProviderDescriptor("t", "t", [], [], System.Collections.Immutable.ImmutableDictionary<string, string>.Empty);

        var plan = Planner.Build(loaded, ActionCatalog.Create([provider]), provider, new Dictionary<string, object?>());

        Assert.Equal(string.Empty, Codes(loaded));
        Assert.Equal(["each[0]", "each[1]", "each[2]"], plan.Steps.Select(s => s.Id));
        Assert.Equal("echo \"сервис-ñ-🚀\"", plan.Steps[0].Arguments.Single().Value);
        Assert.Equal(100_000 + 7, plan.Steps[2].Arguments.Single().Value.Length);
    }

    [Fact]
    public void An_item_in_a_playbook_started_by_playbook_run_is_RB0214_there_the_parent_passes_it_as_an_input()
    {
        using var folder = new TempFolder();
        folder.Write("child.yaml", """
            apiVersion: runbook/v1
            kind: Playbook
            name: child
            inputs:
              service: { type: string }
            phases:
              mitigate:
                - id: restart
                  mutates: false
                  run: echo "${{ item }} ${{ inputs.service }}"
            """);
        var parent = folder.Write("parent.yaml", """
            apiVersion: runbook/v1
            kind: Playbook
            name: parent
            phases:
              mitigate:
                - id: each
                  for_each: [api, worker]
                  uses: playbook.run
                  with: { path: child.yaml, inputs: { service: "${{ item }}" } }
            """);

        var child = PlaybookLoader.LoadFile(Path.Combine(folder.Path, "child.yaml"), ActionCatalog.Create([]));
        var loadedParent = PlaybookLoader.LoadFile(parent, ActionCatalog.Create([]));

        Assert.Equal(["RB0214"], child.Diagnostics.Where(d => d.IsError).Select(d => d.Code));
        Assert.DoesNotContain(loadedParent.Diagnostics, d => d.IsError);
    }

    [Fact]
    public void A_step_cannot_hold_steps_so_for_each_cannot_nest()
    {
        var loaded = WithSteps(string.Empty, """
            - id: outer
              for_each: [a, b]
              steps:
                - id: inner
                  for_each: [c]
                  run: echo "${{ item }}"
              run: echo "${{ item }}"
            """);

        Assert.Equal(["RB0100"], Errors(loaded).Select(e => e.Code));
    }

    [Fact]
    public void Binding_checking_and_planning_a_literal_list_allocate_linearly_in_its_length()
    {
        // Not a timing: the bytes allocated for 2,000 items must be about twice those for 1,000 (a quadratic
        // step would make them four times as many). Each size is measured after a warm-up run of the same size.
        var small = AllocatedFor(1_000);
        var large = AllocatedFor(2_000);

        Assert.InRange((double)large / small, 1.6, 2.6);
    }

    [Fact]
    public void A_ten_thousand_item_list_binds_and_checks_and_every_item_gets_its_own_key()
    {
        var loaded = PlaybookLoader.Load("many.yaml", Encoding.UTF8.GetBytes(ManyItems(10_000)), ActionCatalog.Create([]));

        Assert.Equal(string.Empty, Codes(loaded));
        var items = Assert.IsType<Runbook.Language.Model.ListArgument>(loaded.Playbook!.FindStep("each")!.ForEach!.Items).Items;
        Assert.Equal(10_000, items.Length);
        var keys = Runbook.Language.Model.FanOutItems.Keys([.. items.Select(i => (object?)((Runbook.Language.Model.ScalarArgument)i).Text.Raw)], fromMapping: false);
        Assert.Equal("svc9999", keys[^1]);
        Assert.Equal(10_000, keys.Distinct().Count());
    }

    [Fact]
    public void Ten_thousand_items_with_one_repeated_text_are_all_keyed_by_index()
    {
        var items = Enumerable.Range(0, 10_000).Select(i => (object?)(i == 9_999 ? "svc0" : $"svc{i}")).ToList();

        var keys = Runbook.Language.Model.FanOutItems.Keys(items, fromMapping: false);

        Assert.Equal(Enumerable.Range(0, 10_000).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), keys);
    }

    private static long AllocatedFor(int count)
    {
        LoadAndPlan(count);
        var before = GC.GetAllocatedBytesForCurrentThread();
        LoadAndPlan(count);
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    private static (LoadedPlaybook Loaded, Plan Plan) LoadAndPlan(int count)
    {
        var loaded = PlaybookLoader.Load("many.yaml", Encoding.UTF8.GetBytes(ManyItems(count)), ActionCatalog.Create([]));
        var provider = new ProviderDescriptor("t", "t", [], [], System.Collections.Immutable.ImmutableDictionary<string, string>.Empty);
        return (loaded, Planner.Build(loaded, ActionCatalog.Create([provider]), provider, new Dictionary<string, object?>()));
    }

    private static string ManyItems(int count)
    {
        var yaml = new StringBuilder("""
            apiVersion: runbook/v1
            kind: Playbook
            name: many
            phases:
              assess:
                - id: each
                  mutates: false
                  run: echo "${{ item }} ${{ item_index }}"
                  for_each:

            """);
        for (var i = 0; i < count; i++)
        {
            yaml.Append("        - svc").Append(i).Append('\n');
        }

        return yaml.ToString();
    }
}
