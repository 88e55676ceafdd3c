using Runbook.Language.Actions;
using Runbook.Language.Diagnostics;
using Runbook.Language.Model;
using Runbook.Language.Text;

namespace Runbook.Language.Tests.Outputs;

/// <summary>The three forms of outputs:, and the type a declaration may give.</summary>
public sealed class OutputDeclarationTests
{
    private static LoadedPlaybook Load(string outputs)
    {
        var text = $"""
            apiVersion: runbook/v1
            kind: Playbook
            name: t
            phases:
              assess:
                - id: count
                  run: echo "n=3" >> "$RUNBOOK_OUTPUT"
                  mutates: false
            {outputs}

            """;
        return PlaybookLoader.Load(new SourceText("t.yaml", text), ActionCatalog.Create([]));
    }

    private static IReadOnlyList<OutputDeclaration> Outputs(LoadedPlaybook loaded) => loaded.Playbook!.FindStep("count")!.Outputs;

    private static string At(Diagnostic d) => $"{d.Code} {d.Span.Line}:{d.Span.Column}";

    [Fact]
    public void A_list_of_names_declares_untyped_outputs()
    {
        var loaded = Load("      outputs: [n, m]");

        Assert.Empty(loaded.Diagnostics);
        Assert.Equal([("n", (OutputType?)null), ("m", null)], Outputs(loaded).Select(o => (o.Name, o.Type)));
    }

    [Fact]
    public void A_mapping_of_names_to_descriptions_declares_untyped_outputs_with_their_descriptions()
    {
        var loaded = Load("""
                  outputs:
                    n: how many pods
                    m:
            """);

        Assert.Empty(loaded.Diagnostics);
        Assert.Equal([("n", "how many pods", (OutputType?)null), ("m", null, null)], Outputs(loaded).Select(o => (o.Name, o.Description, o.Type)));
    }

    [Fact]
    public void A_mapping_of_names_to_type_and_description_declares_typed_outputs()
    {
        var loaded = Load("""
                  outputs:
                    n: { type: integer, description: how many pods }
                    ratio: { type: number }
                    ok: { type: boolean }
                    names: { type: list }
                    doc: { type: object }
                    any: { type: json }
                    label: { type: string }
                    plain: { description: no type given }
            """);

        Assert.Empty(loaded.Diagnostics);
        Assert.Equal(
            [("n", (OutputType?)OutputType.Integer, "how many pods"), ("ratio", OutputType.Number, null), ("ok", OutputType.Boolean, null),
             ("names", OutputType.List, null), ("doc", OutputType.Object, null), ("any", OutputType.Json, null), ("label", OutputType.String, null),
             ("plain", null, "no type given")],
            Outputs(loaded).Select(o => (o.Name, o.Type, o.Description)));
    }

    [Fact]
    public void An_unknown_type_name_is_an_error_at_the_type_with_the_closest_name()
    {
        var loaded = Load("""
                  outputs:
                    n: { type: integr }
            """);

        var d = Assert.Single(loaded.Diagnostics);
        Assert.Equal("RB0122 10:20", At(d));
        Assert.Contains("output 'n' cannot have the type 'integr' (did you mean 'integer'?)", d.Message, StringComparison.Ordinal);
        Assert.Equal("the output types are: string, integer, number, boolean, list, object, json", d.Fix);
        Assert.False(loaded.IsValid);
    }

    [Theory]
    [InlineData("int", "integer")]
    [InlineData("bool", "boolean")]
    [InlineData("float", "number")]
    [InlineData("array", "list")]
    [InlineData("dict", "object")]
    [InlineData("Integer", "integer")]
    public void A_type_name_from_another_language_suggests_ours(string written, string suggested)
    {
        var loaded = Load($$"""
                  outputs:
                    n: { type: {{written}} }
            """);

        var d = Assert.Single(loaded.Diagnostics);
        Assert.Equal("RB0122", d.Code);
        Assert.Contains($"(did you mean '{suggested}'?)", d.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_type_that_is_not_a_single_word_is_the_wrong_type()
    {
        var loaded = Load("""
                  outputs:
                    n: { type: [integer] }
            """);

        Assert.Equal(["RB0101 10:20"], loaded.Diagnostics.Select(At));
    }

    [Fact]
    public void An_unknown_key_in_an_output_is_reported_with_the_keys_an_output_takes()
    {
        var loaded = Load("""
                  outputs:
                    n: { typ: integer }
            """);

        var d = Assert.Single(loaded.Diagnostics);
        Assert.Equal("RB0100 10:14", At(d));
        Assert.Contains("(did you mean 'type'?)", d.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_output_given_as_a_list_is_the_wrong_type()
    {
        var loaded = Load("""
                  outputs:
                    n: [integer]
            """);

        Assert.Equal(["RB0101 10:12"], loaded.Diagnostics.Select(At));
    }

    [Fact]
    public void An_output_name_is_still_an_identifier_in_the_typed_form()
    {
        var loaded = Load("""
                  outputs:
                    pod-count: { type: integer }
            """);

        Assert.Equal(["RB0105 10:9"], loaded.Diagnostics.Select(At));
    }
}
