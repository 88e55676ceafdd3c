using System.Collections.Immutable;
using Runbook.Language.Diagnostics;
using Runbook.Language.Inputs;
using Runbook.Language.Model;
using static Runbook.Language.Tests.ForEach.FanOutPlaybooks;

namespace Runbook.Language.Tests.ForEach;

/// <summary>type: list inputs: declaration, defaults, and values given on the command line.</summary>
public sealed class ListInputTests
{
    private static LoadedPlaybook Declare(string input) => WithSteps(input, """
        - id: each
          for_each: ${{ inputs.services }}
          mutates: false
          run: echo "${{ item }}"
        """);

    private static (ImmutableDictionary<string, object?> Values, DiagnosticBag Diagnostics) Bind(string input, string? given)
    {
        var loaded = Declare(input);
        Assert.Empty(Errors(loaded));
        var diagnostics = new DiagnosticBag();
        var values = InputValues.Bind(loaded.Playbook!, given is null ? new Dictionary<string, string>() : new() { ["services"] = given }, diagnostics);
        return (values, diagnostics);
    }

    private static object[] ListOf(ImmutableDictionary<string, object?> values) => [.. Assert.IsType<ImmutableArray<object>>(values["services"])];

    [Fact]
    public void A_list_input_binds_its_item_type_and_its_yaml_list_default()
    {
        var loaded = Declare("services: { type: list, items: number, default: [1, 2.5, -3] }");

        Assert.Empty(Errors(loaded));
        var input = loaded.Playbook!.FindInput("services")!;
        Assert.Equal((InputType.List, InputType.Number, false), (input.Type, input.ItemType, input.Required));
        Assert.Equal([1m, 2.5m, -3m], ((ImmutableArray<object>)input.Default!).Cast<decimal>());
    }

    [Fact]
    public void Items_default_to_string_and_a_list_without_default_is_required()
    {
        var input = Declare("services: { type: list }").Playbook!.FindInput("services")!;

        Assert.Equal((InputType.String, true, null), (input.ItemType, input.Required, input.Default));
    }

    [Theory]
    [InlineData("services: { type: list, items: number, default: [1, two] }", 5, 55, "found 'two'")]
    [InlineData("services: { type: list, items: boolean, default: [true, 1] }", 5, 59, "found '1'")]
    [InlineData("services: { type: list, default: [api, [nested]] }", 5, 42, "found a list")]
    [InlineData("services: { type: list, default: [api, ~] }", 5, 42, "found '~'")]
    [InlineData("services: { type: list, default: api }", 5, 36, "must be a YAML list, found 'api'")]
    [InlineData("services: { type: list, default: { a: 1 } }", 5, 36, "must be a YAML list, found a mapping")]
    public void A_default_that_is_not_a_list_of_the_item_type_is_RB0114_at_the_offending_value(string input, int line, int column, string found)
    {
        var error = Assert.Single(Errors(Declare(input)));

        Assert.Equal("RB0114", error.Code);
        Assert.Equal((line, column), (error.Span.Line, error.Span.Column));
        Assert.Contains(found, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("services: { type: list, items: text }", "RB0103")]
    [InlineData("services: { type: list, items: list }", "RB0103")]
    [InlineData("services: { type: list, items: [string] }", "RB0101")]
    public void An_item_type_other_than_string_number_or_boolean_is_refused(string input, string code)
    {
        Assert.Equal(code, Assert.Single(Errors(Declare(input))).Code);
    }

    [Fact]
    public void Items_on_an_input_that_is_not_a_list_is_RB0114()
    {
        var loaded = WithSteps("name: { type: string, items: number, default: a }", """
            - id: one
              mutates: false
              run: echo "${{ inputs.name }}"
            """);

        var error = Assert.Single(Errors(loaded));
        Assert.Equal(("RB0114", 5, 25), (error.Code, error.Span.Line, error.Span.Column));
    }

    [Theory]
    [InlineData("api,worker", new[] { "api", "worker" })]
    [InlineData(" api , worker ", new[] { "api", "worker" })]
    [InlineData("api", new[] { "api" })]
    [InlineData("""["api","worker"]""", new[] { "api", "worker" })]
    [InlineData("""["a,b","c d"]""", new[] { "a,b", "c d" })]
    [InlineData("""["${{ inputs.x }}","$(id)"]""", new[] { "${{ inputs.x }}", "$(id)" })]
    [InlineData("", new string[0])]
    [InlineData("[]", new string[0])]
    public void A_string_list_is_given_comma_separated_or_as_a_json_array(string given, string[] expected)
    {
        var (values, diagnostics) = Bind("services: { type: list }", given);

        Assert.False(diagnostics.HasErrors, string.Join("\n", diagnostics.Items));
        Assert.Equal(expected, ListOf(values).Cast<string>());
    }

    [Fact]
    public void A_number_list_converts_each_item_and_a_boolean_list_reads_true_and_false()
    {
        var (numbers, _) = Bind("services: { type: list, items: number }", "1, 2.5,3");
        var (json, _) = Bind("services: { type: list, items: number }", "[1, 2.5, 3]");
        var (flags, _) = Bind("services: { type: list, items: boolean }", "true,false");

        Assert.Equal([1m, 2.5m, 3m], ListOf(numbers).Cast<decimal>());
        Assert.Equal([1m, 2.5m, 3m], ListOf(json).Cast<decimal>());
        Assert.Equal([true, false], ListOf(flags).Cast<bool>());
    }

    [Theory]
    [InlineData("services: { type: list, items: number }", "1,two,3", "item 1 is 'two'")]
    [InlineData("services: { type: list, items: number }", """["1"]""", "item 0 is '1'")]
    [InlineData("services: { type: list, items: boolean }", "yes", "item 0 is 'yes'")]
    [InlineData("services: { type: list }", """[["a"]]""", "item 0 is array")]
    [InlineData("services: { type: list }", """[{"a":1}]""", "item 0 is object")]
    [InlineData("services: { type: list }", """[null]""", "item 0 is null")]
    [InlineData("services: { type: list }", """["api",""", "not a JSON array")]
    [InlineData("services: { type: list, pattern: '^[a-z]+$' }", "api,Bad", "item 1 must match")]
    public void A_given_list_with_a_bad_item_is_an_input_error_naming_the_item(string input, string given, string expected)
    {
        var (values, diagnostics) = Bind(input, given);

        var error = Assert.Single(diagnostics.Items);
        Assert.Equal("RB0114", error.Code);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.False(values.ContainsKey("services"));
    }

    [Fact]
    public void The_default_is_used_when_no_value_is_given()
    {
        var (values, _) = Bind("services: { type: list, default: [api, worker] }", null);

        Assert.Equal(["api", "worker"], ListOf(values).Cast<string>());
    }
}
