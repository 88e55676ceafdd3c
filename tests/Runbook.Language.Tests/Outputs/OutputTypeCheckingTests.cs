using Runbook.Language.Actions;
using Runbook.Language.Diagnostics;
using Runbook.Language.Text;

namespace Runbook.Language.Tests.Outputs;

/// <summary>The checker knows every output's type and holds comparisons and arithmetic to it.</summary>
public sealed class OutputTypeCheckingTests
{
    private const string Head = """
        apiVersion: runbook/v1
        kind: Playbook
        name: t
        inputs:
          limit: { type: number, default: 3 }
        phases:
          assess:
            - id: pods
              run: echo "count=3" >> "$RUNBOOK_OUTPUT"
              mutates: false
              outputs:
                count: how many
                typed: { type: integer }
                ratio: { type: number }
                ready: { type: boolean }
                names: { type: list }
                doc: { type: object }
                raw: { type: json }
                label: { type: string }
            - id: status
              uses: service.describe
              with: { service: api }
          gather:
            - id: probe
              mutates: false

        """;

    private static List<Diagnostic> Check(string condition)
    {
        var text = Head + $"      if: ${{{{ {condition} }}}}\n      run: echo checked\n";
        var loaded = PlaybookLoader.Load(new SourceText("t.yaml", text), ActionCatalog.Create([]));
        return [.. loaded.Diagnostics.Where(d => d.Code.StartsWith("RB02", StringComparison.Ordinal))];
    }

    private static string Codes(List<Diagnostic> diagnostics) => string.Join(",", diagnostics.Select(d => d.Code));

    [Theory]
    [InlineData("steps.pods.outputs.count > 3")]
    [InlineData("3 <= steps.pods.outputs.count")]
    [InlineData("steps.pods.outputs.count == 3")]
    [InlineData("steps.pods.outputs.count != 0")]
    [InlineData("steps.pods.outputs.count > inputs.limit")]
    [InlineData("steps.pods.outputs.count > steps.pods.outputs.typed")]
    [InlineData("steps.pods.outputs.stdout >= 1")]
    [InlineData("steps.pods.outputs.label < 10")]
    [InlineData("steps.status.outputs.revision > 2")]
    [InlineData("steps.pods.outputs['count'] > 3")]
    public void A_text_output_compared_with_a_number_is_a_warning(string condition)
    {
        var d = Assert.Single(Check(condition));

        Assert.Equal("RB0216", d.Code);
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
    }

    [Theory]
    [InlineData("steps.pods.outputs.count - 1 > 0")]
    [InlineData("steps.pods.outputs.count + 1 == steps.pods.outputs.typed")]
    [InlineData("steps.pods.outputs.count * 2 == steps.pods.outputs.typed")]
    [InlineData("steps.pods.outputs.count / 2 == steps.pods.outputs.typed")]
    [InlineData("steps.pods.outputs.count % 2 == steps.pods.outputs.typed")]
    public void Arithmetic_on_a_text_output_is_a_warning(string condition)
    {
        var diagnostics = Check(condition);

        Assert.Equal("RB0216", Codes(diagnostics));
        Assert.Contains("used in arithmetic", diagnostics[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_warning_on_an_undeclared_run_output_names_both_fixes_and_stands_on_the_output()
    {
        var d = Assert.Single(Check("steps.pods.outputs.count > 3"));

        Assert.Equal(26, d.Span.Line);
        Assert.Equal(15, d.Span.Column);
        Assert.Equal("steps.pods.outputs.count is text (a run: step's outputs are text unless declared), compared with the number 3: text compares and adds as text, so '10' < '9'",
            d.Message);
        Assert.Equal("declare its type under the outputs: of 'pods' (count: { type: integer }, or number), or convert it: steps.pods.outputs.count | string.to_int", d.Fix);
    }

    [Fact]
    public void The_warning_on_an_action_s_text_output_suggests_converting_it()
    {
        var d = Assert.Single(Check("steps.status.outputs.revision > 2"));

        Assert.Contains("the action returns it as text", d.Message, StringComparison.Ordinal);
        Assert.Equal("convert it: steps.status.outputs.revision | string.to_int (or string.to_float)", d.Fix);
    }

    [Theory]
    [InlineData("steps.pods.outputs.typed > 3")]
    [InlineData("steps.pods.outputs.typed + 1 > inputs.limit")]
    [InlineData("steps.pods.outputs.ratio <= 0.5")]
    [InlineData("steps.pods.outputs.exit_code == 0")]
    [InlineData("steps.status.outputs.replicas < steps.status.outputs.desired_replicas")]
    [InlineData("steps.pods.outputs.count | string.to_int > 3")]
    [InlineData("steps.pods.outputs.count == '3'")]
    [InlineData("steps.pods.outputs.count == null")]
    [InlineData("'pod-' + steps.pods.outputs.count == 'pod-3'")]
    [InlineData("steps.pods.outputs.ready")]
    [InlineData("steps.pods.outputs.ready == true")]
    [InlineData("!steps.status.outputs.healthy")]
    [InlineData("steps.pods.outputs.raw == 'x' || steps.pods.outputs.raw > 2")]
    [InlineData("steps.pods.outputs.names[0] == 'api'")]
    [InlineData("steps.pods.outputs.doc.replicas > 2")]
    [InlineData("steps.pods.outputs.names == null")]
    [InlineData("steps.pods.status == 'skipped'")]
    [InlineData("steps.status.outputs.instances | array.size > 0")]
    public void Comparisons_that_fit_the_output_s_type_are_accepted(string condition)
    {
        Assert.Empty(Check(condition));
    }

    [Theory]
    [InlineData("steps.pods.outputs.ready == 'true'", "steps.pods.outputs.ready is a boolean, compared with the text 'true': that compares text, not booleans ('True' and 'yes' never match)")]
    [InlineData("'false' != steps.status.outputs.healthy", "steps.status.outputs.healthy is a boolean, compared with the text 'false': that compares text, not booleans ('True' and 'yes' never match)")]
    [InlineData("steps.pods.outputs.ready == 1", "steps.pods.outputs.ready is a boolean, compared with the number 1: a boolean is true or false, never a number")]
    [InlineData("steps.pods.outputs.typed == '3'", "steps.pods.outputs.typed is an integer, compared with the text '3': that compares text, not numbers ('3.0' and '03' never match 3)")]
    [InlineData("steps.pods.outputs.exit_code != '0'", "steps.pods.outputs.exit_code is an integer, compared with the text '0': that compares text, not numbers ('3.0' and '03' never match 3)")]
    [InlineData("steps.pods.outputs.ratio > '0.5'", "steps.pods.outputs.ratio is a number, compared with the text '0.5': that compares text, not numbers ('3.0' and '03' never match 3)")]
    [InlineData("steps.pods.outputs.names == 'api'", "steps.pods.outputs.names is a list, compared with 'api': it is never a single value")]
    [InlineData("steps.pods.outputs.doc == 3", "steps.pods.outputs.doc is an object, compared with 3: it is never a single value")]
    public void A_typed_output_compared_with_a_literal_of_another_type_is_a_warning_at_the_literal(string condition, string message)
    {
        var d = Assert.Single(Check(condition));

        Assert.Equal("RB0217", d.Code);
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
        Assert.Equal(message, d.Message);
    }

    [Fact]
    public void A_boolean_compared_with_text_says_to_compare_with_true_or_false()
    {
        var d = Assert.Single(Check("steps.pods.outputs.ready == 'true'"));

        Assert.Equal("compare with true or false (no quotes), or use the output itself as the condition", d.Fix);
    }

    [Fact]
    public void A_declared_integer_on_a_run_step_takes_precedence_over_text()
    {
        Assert.Empty(Check("steps.pods.outputs.typed >= 10 && steps.pods.outputs.typed * 2 < 100"));
    }

    [Fact]
    public void Outputs_of_a_sub_playbook_are_not_typed_so_nothing_is_assumed_of_them()
    {
        var text = """
            apiVersion: runbook/v1
            kind: Playbook
            name: t
            phases:
              mitigate:
                - id: child
                  uses: playbook.run
                  with: { path: child.yaml }
                  rollback: { run: echo undo }
                - id: after
                  if: steps.child.outputs.outputs.count > 3 && steps.child.outputs.status == 'succeeded'
                  run: echo ok
                  rollback: { run: echo undo }
            """;
        var loaded = PlaybookLoader.Load(new SourceText("t.yaml", text), ActionCatalog.Create([]));

        Assert.DoesNotContain(loaded.Diagnostics, d => d.Code is "RB0216" or "RB0217");
    }

    [Fact]
    public void Typed_outputs_are_checked_in_with_arguments_and_scripts_too()
    {
        var text = Head.Replace("      mutates: false\n\n", "      mutates: false\n", StringComparison.Ordinal) + """
                  run: echo ${{ steps.pods.outputs.count * 2 }}
                - id: wait
                  uses: wait.until
                  with: { condition: "${{ steps.status.outputs.healthy == 'true' }}", timeout: 1m }

            """;
        var loaded = PlaybookLoader.Load(new SourceText("t.yaml", text), ActionCatalog.Create([]));

        Assert.Equal("RB0216,RB0217", Codes([.. loaded.Diagnostics.Where(d => d.Code.StartsWith("RB02", StringComparison.Ordinal)).OrderBy(d => d.Span.Line)]));
    }
}
