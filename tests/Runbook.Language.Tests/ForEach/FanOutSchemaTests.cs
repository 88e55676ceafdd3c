using Runbook.Language.Tests.Robustness;
using Runbook.Language.Tests.Schema;

namespace Runbook.Language.Tests.ForEach;

/// <summary>What the playbook schema (editors' view) says of for_each, its companions, per_item and list inputs.</summary>
public sealed class FanOutSchemaTests
{
    private static IReadOnlyList<string> Validate(string yaml)
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Path, "p.yaml");
        File.WriteAllText(path, yaml);
        return [.. PlaybookSchema.Validate(path)];
    }

    private static string Playbook(string inputs, string step) => $$"""
        apiVersion: runbook/v1
        kind: Playbook
        name: p
        inputs:
          services: {{inputs}}
        phases:
          mitigate:
            - id: restart
              uses: service.restart
              with: { service: api }
              rollback: { uses: service.rollback, with: { service: api } }
        {{step}}
        """;

    [Theory]
    [InlineData("      for_each: ${{ inputs.services }}")]
    [InlineData("      for_each: [api, worker]\n      as: svc\n      max_parallel: 3\n      fail_fast: false")]
    [InlineData("      for_each: { api: 1 }\n      approval: { approvers: [a], per_item: true }")]
    [InlineData("      for_each: [api]\n      approval: { approvers: [a], per_item: false }")]
    [InlineData("      approval: { approvers: [a] }")]
    public void A_fan_out_step_and_its_companions_validate(string step)
    {
        Assert.Empty(Validate(Playbook("{ type: list, items: string, default: [api] }", step)));
    }

    [Theory]
    [InlineData("      as: svc")]
    [InlineData("      max_parallel: 2")]
    [InlineData("      fail_fast: true")]
    [InlineData("      approval: { approvers: [a], per_item: true }")]
    [InlineData("      for_each: api")]
    [InlineData("      for_each: 3")]
    [InlineData("      for_each: [a]\n      as: inputs")]
    [InlineData("      for_each: [a]\n      as: my-svc")]
    [InlineData("      for_each: [a]\n      max_parallel: 0")]
    [InlineData("      for_each: [a]\n      fail_fast: sometimes")]
    public void A_companion_without_for_each_or_a_bad_value_is_refused_by_the_schema_as_by_the_checker(string step)
    {
        Assert.NotEmpty(Validate(Playbook("{ type: list, default: [api] }", step)));
    }

    [Theory]
    [InlineData("{ type: list, items: number, default: [1, 2] }")]
    [InlineData("{ type: list, items: boolean }")]
    [InlineData("{ type: list, default: [] }")]
    public void A_list_input_validates(string input)
    {
        Assert.Empty(Validate(Playbook(input, "      for_each: ${{ inputs.services }}")));
    }

    [Theory]
    [InlineData("{ type: string, items: string }")]
    [InlineData("{ items: number }")]
    [InlineData("{ type: string, default: [a, b] }")]
    [InlineData("{ type: list, items: list }")]
    [InlineData("{ type: list, default: [[a]] }")]
    public void Items_or_a_list_default_on_an_input_that_is_not_a_list_is_refused(string input)
    {
        Assert.NotEmpty(Validate(Playbook(input, string.Empty)));
    }
}
