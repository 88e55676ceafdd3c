using Runbook.Language.Model;
using static Runbook.Language.Tests.ForEach.FanOutPlaybooks;

namespace Runbook.Language.Tests.ForEach;

/// <summary>How for_each, as, max_parallel, fail_fast and approval.per_item are read into the model.</summary>
public sealed class FanOutBindingTests
{
    private const string Services = "services: { type: list, default: [api, worker] }";

    [Fact]
    public void A_for_each_step_binds_its_list_item_name_parallelism_and_failure_rule()
    {
        var loaded = WithSteps(Services, """
            - id: restart
              for_each: ${{ inputs.services }}
              as: svc
              max_parallel: 3
              fail_fast: false
              uses: service.restart
              with: { service: "${{ svc }}" }
              approval: { approvers: [oncall], per_item: true }
              rollback: { uses: service.rollback, with: { service: "${{ svc }}" } }
            """);

        Assert.Empty(Errors(loaded));
        var step = Step(loaded, "restart");
        var fanOut = Assert.IsType<FanOut>(step.ForEach);
        Assert.Equal("${{ inputs.services }}", Assert.IsType<ScalarArgument>(fanOut.Items).Text.Raw);
        Assert.Equal("svc", fanOut.ItemName);
        Assert.Equal(3, fanOut.MaxParallel);
        Assert.False(fanOut.FailFast);
        Assert.True(step.Approval!.PerItem);
        Assert.Equal((9, 7), (fanOut.Span.Line, fanOut.Span.Column));
    }

    [Fact]
    public void Without_as_max_parallel_or_fail_fast_the_item_is_item_one_runs_at_a_time_and_the_first_failure_stops()
    {
        var loaded = WithSteps(Services, """
            - id: restart
              for_each: ${{ inputs.services }}
              uses: service.restart
              with: { service: "${{ item }}" }
              approval: { approvers: [oncall] }
              rollback: { uses: service.rollback, with: { service: "${{ item }}" } }
            """);

        Assert.Empty(Errors(loaded));
        var step = Step(loaded, "restart");
        Assert.Equal(new FanOut(step.ForEach!.Items, "item", 1, true, step.ForEach.Span), step.ForEach);
        Assert.False(step.Approval!.PerItem);
    }

    [Fact]
    public void A_step_without_for_each_has_no_fan_out()
    {
        var loaded = WithSteps(Services, """
            - id: restart
              uses: service.restart
              with: { service: "${{ join(inputs.services, ',') }}" }
              rollback: { uses: service.rollback, with: { service: api } }
            """);

        Assert.Empty(Errors(loaded));
        Assert.Null(Step(loaded, "restart").ForEach);
    }

    [Fact]
    public void A_literal_list_and_a_literal_mapping_are_kept_as_written()
    {
        var loaded = WithSteps(string.Empty, """
            - id: by_list
              for_each: [api, worker]
              run: echo "${{ item }}"
            - id: by_map
              for_each: { api: 2, worker: 5 }
              run: echo "${{ item.key }}=${{ item.value }}"
            """);

        Assert.Empty(Errors(loaded));
        var list = Assert.IsType<ListArgument>(Step(loaded, "by_list").ForEach!.Items);
        Assert.Equal(["api", "worker"], list.Items.Select(i => ((ScalarArgument)i).Text.Raw));
        var map = Assert.IsType<MapArgument>(Step(loaded, "by_map").ForEach!.Items);
        Assert.Equal(["api", "worker"], map.Entries.Select(e => e.Name));
    }

    [Theory]
    [InlineData("max_parallel: 0", 21)]
    [InlineData("max_parallel: -1", 21)]
    [InlineData("max_parallel: two", 21)]
    [InlineData("max_parallel: 1.5", 21)]
    [InlineData("fail_fast: maybe", 18)]
    public void A_max_parallel_that_is_not_a_whole_number_from_one_or_a_fail_fast_that_is_not_boolean_is_a_type_error(string line, int column)
    {
        var loaded = WithSteps(string.Empty, $$$"""
            - id: each
              for_each: [a]
              {{{line}}}
              run: echo "${{ item }}"
            """);

        var error = Assert.Single(Errors(loaded));
        Assert.Equal("RB0101", error.Code);
        Assert.Equal((10, column), (error.Span.Line, error.Span.Column));
    }
}
