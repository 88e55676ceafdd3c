using static Runbook.Language.Tests.ForEach.FanOutPlaybooks;

namespace Runbook.Language.Tests.ForEach;

/// <summary>What the checker allows and refuses around for_each: where item names exist, what a list is, outputs.</summary>
public sealed class FanOutCheckerTests
{
    private const string Services = "services: { type: list, default: [api, worker] }";

    [Fact]
    public void The_item_and_item_index_are_readable_in_if_with_run_env_working_directory_approval_message_and_rollback()
    {
        var loaded = WithSteps(Services, """
            - id: restart
              for_each: ${{ inputs.services }}
              if: item != 'db' && item_index < 10
              uses: service.restart
              with: { service: "${{ item }}" }
              approval: { approvers: [oncall], message: "restart ${{ item }} (${{ item_index }})" }
              rollback:
                run: echo "undo $SVC"
                env: { SVC: "${{ item }}" }
                working-directory: "/tmp/${{ item_index }}"
            - id: script
              for_each: ${{ inputs.services }}
              as: svc
              run: echo "${{ svc }} is number ${{ item_index }}"
              env: { SVC: "${{ svc }}" }
              working-directory: "/srv/${{ svc }}"
            """);

        Assert.Equal(string.Empty, Codes(loaded));
    }

    [Theory]
    [InlineData("item")]
    [InlineData("item_index")]
    [InlineData("item.key")]
    public void An_item_name_in_a_step_without_for_each_is_RB0214_at_the_name(string expression)
    {
        var loaded = WithSteps(string.Empty, $$$"""
            - id: plain
              run: echo "${{ {{{expression}}} }}"
            """);

        var error = Assert.Single(Errors(loaded));
        Assert.Equal("RB0214", error.Code);
        Assert.Equal((9, 22), (error.Span.Line, error.Span.Column));
        Assert.Contains("for_each", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void An_as_name_read_in_another_step_is_RB0214()
    {
        var loaded = WithSteps(Services, """
            - id: restart
              for_each: ${{ inputs.services }}
              as: svc
              uses: service.restart
              with: { service: "${{ svc }}" }
              rollback: { uses: service.rollback, with: { service: "${{ svc }}" } }
            - id: after
              run: echo "${{ svc }}"
            """);

        var error = Assert.Single(Errors(loaded));
        Assert.Equal("RB0214", error.Code);
        Assert.Equal((15, 22), (error.Span.Line, error.Span.Column));
    }

    [Fact]
    public void With_as_the_default_name_item_is_not_bound()
    {
        var loaded = WithSteps(string.Empty, """
            - id: each
              for_each: [a, b]
              as: svc
              run: echo "${{ item }}"
            """);

        Assert.Equal("RB0214@11:22", Codes(loaded));
    }

    [Fact]
    public void The_for_each_value_itself_cannot_read_the_item()
    {
        var loaded = WithSteps(string.Empty, """
            - id: each
              for_each: ${{ item }}
              run: echo "${{ item }}"
            """);

        Assert.Equal("RB0214@9:21", Codes(loaded));
    }

    [Theory]
    [InlineData("for_each: api", 11, 17, "the text 'api'")]
    [InlineData("for_each: \"api,worker\"", 11, 17, "the text 'api,worker'")]
    [InlineData("for_each: 42", 11, 17, "the text '42'")]
    [InlineData("for_each: list ${{ inputs.services }}", 11, 17, "the text 'list ${{ inputs.services }}'")]
    [InlineData("for_each:", 11, 16, "the text ''")]
    [InlineData("for_each: ${{ 'api' }}", 11, 17, "the text 'api'")]
    [InlineData("for_each: ${{ 3 }}", 11, 17, "the value 3")]
    [InlineData("for_each: ${{ inputs.name }}", 11, 17, "input 'name' is a string")]
    [InlineData("for_each: ${{ inputs.count }}", 11, 17, "input 'count' is a number")]
    public void A_for_each_value_that_is_not_a_list_or_mapping_is_RB0117(string line, int row, int column, string found)
    {
        var loaded = WithSteps("services: { type: list, default: [a] }\nname: { default: a }\ncount: { type: number, default: 1 }", $$$"""
            - id: each
              {{{line}}}
              run: echo "${{ item }} ${{ inputs.name }} ${{ inputs.count }} ${{ inputs.services }}"
            """);

        var error = Assert.Single(Errors(loaded));
        Assert.Equal("RB0117", error.Code);
        Assert.Equal((row, column), (error.Span.Line, error.Span.Column));
        Assert.Contains(found, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("for_each: ${{ steps.find.outputs.lines }}")]
    [InlineData("for_each: ${{ fromJSON(steps.find.outputs.stdout) }}")]
    [InlineData("for_each: []")]
    [InlineData("for_each: {}")]
    [InlineData("for_each: [\"${{ steps.find.outputs.stdout }}\", b]")]
    public void A_list_or_mapping_known_only_at_run_time_or_empty_is_accepted(string line)
    {
        var loaded = Load($$$$$"""
            apiVersion: runbook/v1
            kind: Playbook
            name: p
            phases:
              gather:
                - id: find
                  mutates: false
                  run: echo api
                  outputs: [lines]
              mitigate:
                - id: each
                  {{{{{line}}}}}
                  run: echo "${{ item }}"
            """);

        Assert.Equal(string.Empty, Codes(loaded));
    }

    [Theory]
    [InlineData("as: inputs")]
    [InlineData("as: steps")]
    [InlineData("as: env")]
    [InlineData("as: run")]
    [InlineData("as: item_index")]
    [InlineData("as: contains")]
    [InlineData("as: string")]
    [InlineData("as: empty")]
    [InlineData("as: for")]
    [InlineData("as: \"my-svc\"")]
    [InlineData("as: \"1st\"")]
    [InlineData("as: \"\"")]
    [InlineData("as: \"svc name\"")]
    public void An_as_name_that_is_not_an_identifier_or_hides_another_name_is_RB0118(string line)
    {
        var loaded = WithSteps(string.Empty, $$$"""
            - id: each
              for_each: [a]
              {{{line}}}
              run: echo "${{ item }}"
            """);

        var error = Assert.Single(Errors(loaded));
        Assert.Equal("RB0118", error.Code);
        Assert.Equal((10, 11), (error.Span.Line, error.Span.Column));
    }

    [Theory]
    [InlineData("as: svc", 9, 7)]
    [InlineData("max_parallel: 2", 9, 7)]
    [InlineData("fail_fast: false", 9, 7)]
    [InlineData("approval: { approvers: [oncall], per_item: true }", 9, 40)]
    public void A_fan_out_key_on_a_step_without_for_each_is_RB0119(string line, int row, int column)
    {
        var loaded = WithSteps(string.Empty, $$$"""
            - id: plain
              {{{line}}}
              mutates: false
              run: echo hi
            """);

        var error = Assert.Single(Errors(loaded));
        Assert.Equal("RB0119", error.Code);
        Assert.Equal((row, column), (error.Span.Line, error.Span.Column));
    }

    [Fact]
    public void Reading_an_output_of_a_fan_out_step_other_than_items_is_RB0209_with_the_items_fix()
    {
        var loaded = WithSteps(Services, """
            - id: restart
              for_each: ${{ inputs.services }}
              uses: service.restart
              with: { service: "${{ item }}" }
              rollback: { uses: service.rollback, with: { service: "${{ item }}" } }
            - id: report
              run: echo "${{ steps.restart.outputs.revision }} ${{ steps.restart.outputs.items[0].revision }} ${{ steps.restart.status }}"
            """);

        var error = Assert.Single(Errors(loaded));
        Assert.Equal("RB0209", error.Code);
        Assert.Equal((14, 44), (error.Span.Line, error.Span.Column));
        Assert.Equal("read one item's output: steps.restart.outputs.items[0].revision", error.Fix);
    }

    [Theory]
    [InlineData("number", "item == 'api'", "the for_each item 'item' is a number, compared with the text 'api'")]
    [InlineData("boolean", "item == 1", "the for_each item 'item' is a boolean, compared with 1")]
    [InlineData("string", "item == 3", "the for_each item 'item' is a string, compared with the number 3")]
    public void The_item_of_a_list_input_is_typed_from_its_items(string items, string condition, string message)
    {
        var loaded = WithSteps($"values: {{ type: list, items: {items} }}", $$$"""
            - id: each
              for_each: ${{ inputs.values }}
              if: {{{condition}}}
              run: echo "${{ item }}"
            """);

        var error = Assert.Single(Errors(loaded));
        Assert.Equal("RB0208", error.Code);
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void The_item_of_a_literal_list_of_numbers_is_a_number_and_item_index_is_a_number()
    {
        var loaded = WithSteps(string.Empty, """
            - id: each
              for_each: [1, 2, 3]
              if: item == 'one' || item_index == 'first'
              run: echo "${{ item }}"
            """);

        Assert.Equal("RB0208@10:19 RB0208@10:42", Codes(loaded));
    }

    [Fact]
    public void An_entry_of_a_mapping_has_key_and_value_and_nothing_else_RB0215()
    {
        var loaded = WithSteps(string.Empty, """
            - id: each
              for_each: { api: 2, worker: 5 }
              run: echo "${{ item.key }} ${{ item.value }} ${{ item.name }}"
            """);

        var error = Assert.Single(Errors(loaded));
        Assert.Equal("RB0215", error.Code);
        Assert.Equal((10, 61), (error.Span.Line, error.Span.Column));
    }

    [Fact]
    public void A_list_input_used_only_by_for_each_counts_as_used()
    {
        var loaded = WithSteps(Services, """
            - id: each
              for_each: ${{ inputs.services }}
              run: echo "${{ item }}"
            """);

        Assert.Equal(string.Empty, Codes(loaded));
    }

    [Fact]
    public void A_fan_out_step_keeps_its_needs_and_place_in_the_graph()
    {
        var loaded = Load("""
            apiVersion: runbook/v1
            kind: Playbook
            name: p
            phases:
              mitigate:
                parallel: true
                steps:
                  - id: first
                    run: echo a
                  - id: each
                    for_each: [a, b]
                    needs: [first]
                    run: echo "${{ item }}"
            """);

        Assert.Equal(string.Empty, Codes(loaded));
        Assert.Equal<string>(["first"], loaded.Graph!.PredecessorsOf("each"));
    }
}
