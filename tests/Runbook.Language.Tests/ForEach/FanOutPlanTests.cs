using System.Collections.Immutable;
using Runbook.Language.Actions;
using Runbook.Language.Diagnostics;
using Runbook.Language.Graph;
using Runbook.Language.Inputs;
using Runbook.Language.Planning;
using static Runbook.Language.Tests.ForEach.FanOutPlaybooks;

namespace Runbook.Language.Tests.ForEach;

/// <summary>What plan and graph show of a for_each step: each item when the list is known, the expression when not.</summary>
public sealed class FanOutPlanTests
{
    private static readonly ProviderDescriptor Provider = new("test", "a test provider", [],
        ["service.restart", "service.rollback", "service.scale"], ImmutableDictionary<string, string>.Empty);

    private const string Restart = """
        - id: restart
          for_each: ${{ inputs.services }}
          uses: service.restart
          with: { service: "${{ item }}" }
          rollback: { uses: service.rollback, with: { service: "${{ item }}" } }
        """;

    private static Plan PlanOf(LoadedPlaybook loaded, Dictionary<string, string>? given = null)
    {
        Assert.Equal(string.Empty, Codes(loaded));
        var diagnostics = new DiagnosticBag();
        var inputs = InputValues.Bind(loaded.Playbook!, given ?? [], diagnostics);
        return Planner.Build(loaded, ActionCatalog.Create([Provider]), Provider, inputs);
    }

    [Fact]
    public void A_list_known_from_a_default_plans_one_line_per_item_with_that_item_rendered()
    {
        var plan = PlanOf(WithSteps("services: { type: list, default: [api, worker] }", Restart));

        Assert.Equal(["restart[api]", "restart[worker]"], plan.Steps.Select(s => s.Id));
        Assert.Equal([1, 2], plan.Steps.Select(s => s.Order));
        Assert.Equal(["api", "worker"], plan.Steps.Select(s => s.Arguments.Single(a => a.Name == "service").Value));
        Assert.Equal(["restart api", "restart worker"], plan.Steps.Select(s => s.Summary));
        Assert.Equal([0, 1], plan.Steps.Select(s => s.ForEach!.Index!.Value));
        Assert.All(plan.Steps, s => Assert.Equal(("restart", "inputs.services", 2), (s.ForEach!.Step, s.ForEach.Items, s.ForEach.Count!.Value)));
    }

    [Fact]
    public void Given_values_replace_the_default_and_the_rollback_plan_undoes_each_item_newest_first()
    {
        var plan = PlanOf(WithSteps("services: { type: list, default: [api] }", Restart), new() { ["services"] = "a,b,c" });

        Assert.Equal(["restart[a]", "restart[b]", "restart[c]"], plan.Steps.Select(s => s.Id));
        Assert.Equal(["restart[c]", "restart[b]", "restart[a]"], plan.RollbackPlan.Select(r => r.StepId));
        Assert.Equal(["c", "b", "a"], plan.RollbackPlan.Select(r => r.Arguments.Single().Value));
        Assert.Equal("""["a","b","c"]""", plan.Inputs.Single().Value);
        Assert.Equal("list", plan.Inputs.Single().Type);
    }

    [Fact]
    public void A_list_not_known_before_the_run_is_one_line_marked_with_the_expression_as_written()
    {
        var plan = PlanOf(WithSteps("services: { type: list }", Restart));

        var line = Assert.Single(plan.Steps);
        Assert.Equal("restart", line.Id);
        Assert.StartsWith("⟨for each of inputs.services⟩ ", line.Summary, StringComparison.Ordinal);
        Assert.Equal("⟨item⟩", line.Arguments.Single().Value);
        Assert.Null(line.ForEach!.Index);
    }

    [Fact]
    public void A_list_from_a_step_output_is_known_only_at_run_time()
    {
        var plan = PlanOf(Load("""
            apiVersion: runbook/v1
            kind: Playbook
            name: p
            phases:
              gather:
                - id: find
                  mutates: false
                  run: echo '["api"]'
              mitigate:
                - id: each
                  for_each: ${{ fromJSON(steps.find.outputs.stdout) }}
                  mutates: false
                  run: echo "${{ item }}"
            """));

        Assert.Equal(["find", "each"], plan.Steps.Select(s => s.Id));
        Assert.StartsWith("⟨for each of fromJSON(steps.find.outputs.stdout)⟩", plan.Steps[1].Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void A_literal_mapping_plans_one_line_per_entry_keyed_by_the_entry_key()
    {
        var plan = PlanOf(WithSteps(string.Empty, """
            - id: scale
              for_each: { api: 3, worker: 5 }
              uses: service.scale
              with: { service: "${{ item.key }}", replicas: "${{ item.value }}" }
              rollback: { uses: service.scale, with: { service: "${{ item.key }}", replicas: 1 } }
            """));

        Assert.Equal(["scale[api]", "scale[worker]"], plan.Steps.Select(s => s.Id));
        Assert.Equal(["scale api to 3 replicas", "scale worker to 5 replicas"], plan.Steps.Select(s => s.Summary));
    }

    [Theory]
    [InlineData("[api, api]", "each[0] each[1]")]
    [InlineData("[\"has space\", b]", "each[0] each[1]")]
    [InlineData("[\"a]b\", c]", "each[0] each[1]")]
    [InlineData("[[1, 2], b]", "each[0] each[1]")]
    [InlineData("[1, 2.5, true]", "each[1] each[2.5] each[true]")]
    [InlineData("[\"svc/api:v1@eu\", x-y_z.w]", "each[svc/api:v1@eu] each[x-y_z.w]")]
    [InlineData("[\"\"]", "each[0]")]
    [InlineData("[]", "")]
    public void An_item_key_is_its_text_only_when_every_text_is_distinct_and_fits_the_key_pattern_else_its_index(string list, string ids)
    {
        var plan = PlanOf(WithSteps(string.Empty, $$$"""
            - id: each
              for_each: {{{list}}}
              mutates: false
              run: echo "${{ item }}"
            """));

        Assert.Equal(ids, string.Join(" ", plan.Steps.Select(s => s.Id)));
    }

    [Fact]
    public void A_key_longer_than_64_characters_makes_every_key_an_index()
    {
        var plan = PlanOf(WithSteps(string.Empty, $$$"""
            - id: each
              for_each: [ok, {{{new string('k', 65)}}}]
              mutates: false
              run: echo "${{ item }}"
            """));

        Assert.Equal(["each[0]", "each[1]"], plan.Steps.Select(s => s.Id));
    }

    [Fact]
    public void One_approval_covers_the_list_unless_per_item_and_the_message_names_each_item()
    {
        var steps = """
            - id: once
              for_each: [a, b]
              mutates: false
              run: echo "${{ item }}"
              approval: { approvers: [oncall], message: "all of them" }
            - id: each
              for_each: [a, b]
              mutates: false
              run: echo "${{ item }}"
              approval: { approvers: [oncall], per_item: true, message: "go ${{ item }} (${{ item_index }})?" }
            """;
        var plan = PlanOf(WithSteps(string.Empty, steps.Replace("mutates: false", "mutates: true", StringComparison.Ordinal)
            .Replace("run: echo \"${{ item }}\"", "run: echo \"${{ item }}\"\n  rollback: { run: echo undo }", StringComparison.Ordinal)));

        Assert.Equal([true, false, true, true], plan.Steps.Select(s => s.Approval is not null));
        Assert.Equal(["go a (0)?", "go b (1)?"], plan.Steps.Skip(2).Select(s => s.Approval!.Message));
        Assert.Equal(3, plan.ApprovalGates);
    }

    [Fact]
    public void The_if_is_decided_per_item()
    {
        var plan = PlanOf(WithSteps(string.Empty, """
            - id: each
              for_each: [api, db, worker]
              if: item != 'db'
              mutates: false
              run: echo "${{ item }}"
            """));

        Assert.Equal([PlannedCondition.Always, PlannedCondition.Never, PlannedCondition.Always], plan.Steps.Select(s => s.Condition));
    }

    [Fact]
    public void An_item_from_a_secret_input_is_never_shown_in_the_plan()
    {
        var plan = PlanOf(WithSteps("token: { type: secret, from: env:TOKEN }", """
            - id: each
              for_each: ["${{ inputs.token }}", b]
              mutates: false
              run: echo "${{ item }}"
            """));

        Assert.Single(plan.Steps);
        Assert.DoesNotContain(plan.Steps, s => s.Summary.Contains("TOKEN", StringComparison.Ordinal));
        Assert.StartsWith("⟨for each of [${{ inputs.token }}, b]⟩", plan.Steps[0].Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void The_graph_draws_one_node_for_a_fan_out_in_its_own_shape_with_the_list_as_written()
    {
        var loaded = WithSteps("services: { type: list, default: [api, worker] }", Restart);

        var mermaid = Mermaid.Render(loaded.Graph!);

        Assert.Contains("    restart[[\"restart ⟨for each: inputs.services⟩\"]]", mermaid, StringComparison.Ordinal);
        Assert.Single(mermaid.Split('\n'), l => l.Contains("restart[[", StringComparison.Ordinal));
        Assert.Contains("  class restart fanout", mermaid, StringComparison.Ordinal);
        Assert.DoesNotContain("worker", mermaid, StringComparison.Ordinal);
    }

    [Fact]
    public void A_graph_node_of_a_long_literal_list_keeps_only_its_start()
    {
        var items = string.Join(", ", Enumerable.Range(0, 1000).Select(i => $"svc{i}"));
        var loaded = WithSteps(string.Empty, $$$"""
            - id: each
              for_each: [{{{items}}}]
              mutates: false
              run: echo "${{ item }}"
            """);

        var node = Assert.Single(Mermaid.Render(loaded.Graph!).Split('\n'), l => l.Contains("each[[", StringComparison.Ordinal));

        Assert.True(node.Length < 120, node);
        Assert.Contains("…", node, StringComparison.Ordinal);
    }
}
