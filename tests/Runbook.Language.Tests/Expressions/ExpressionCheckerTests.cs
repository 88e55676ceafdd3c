using Runbook.Language.Actions;
using Runbook.Language.Diagnostics;
using Runbook.Language.Text;

namespace Runbook.Language.Tests.Expressions;

/// <summary>The checker's rules, through whole playbooks so positions are the file's own.</summary>
public sealed class ExpressionCheckerTests
{
    private const string Head = """
        apiVersion: runbook/v1
        kind: Playbook
        name: t
        inputs:
          service: { type: string, default: api }
          replicas: { type: number, default: 2 }
          dry: { type: boolean, default: false }
          env_name: { type: enum, values: [prod, staging], default: prod }
        phases:
          assess:
            - id: status
              uses: service.describe
              with: { service: "${{ inputs.service }}" }

        """;

    private static List<Diagnostic> Check(string steps)
    {
        var text = Head + steps + "\n";
        var loaded = PlaybookLoader.Load(new SourceText("t.yaml", text), ActionCatalog.Create([]));
        return [.. loaded.Diagnostics.Where(d => d.Code.StartsWith("RB02", StringComparison.Ordinal))];
    }

    private static string At(Diagnostic d) => $"{d.Code} {d.Span.Line}:{d.Span.Column}";

    [Fact]
    public void An_unknown_input_is_reported_at_its_own_column_with_a_suggestion()
    {
        var d = Assert.Single(Check("""
              gather:
                - id: logs
                  uses: service.logs
                  with: { service: "${{ inputs.sevice }}" }
            """));
        Assert.Equal("RB0203 17:36", At(d));
        Assert.Contains("did you mean 'service'?", d.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_hyphenated_step_reference_names_the_underscore_fix()
    {
        var d = Assert.Single(Check("""
              gather:
                - id: logs
                  run: echo ${{ steps.check-health.outputs.x }}
                  mutates: false
            """));
        Assert.Equal("RB0211", d.Code);
        Assert.Contains("steps.check_health.outputs.x", d.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void A_step_of_a_later_phase_cannot_be_read()
    {
        var diagnostics = Check("""
              gather:
                - id: logs
                  run: echo ${{ steps.later.outputs.stdout }}
                  mutates: false
              resolve:
                - id: later
                  run: echo hi
                  mutates: false
            """);
        Assert.Equal(["RB0205 16:27"], diagnostics.Select(At));
    }

    [Fact]
    public void Unknown_outputs_functions_names_and_argument_counts_are_each_reported()
    {
        var diagnostics = Check("""
              gather:
                - id: a
                  run: echo ${{ steps.status.outputs.revison }}
                  mutates: false
                - id: b
                  run: echo ${{ contain(inputs.service, 'a') }} ${{ startsWith(inputs.service) }} ${{ servce }}
                  mutates: false
                - id: c
                  run: echo ${{ steps.status.result }} ${{ run.user }}
                  mutates: false
            """);
        Assert.Equal(["RB0209", "RB0206", "RB0207", "RB0210", "RB0210", "RB0210"], diagnostics.Select(d => d.Code));
        Assert.Contains("did you mean 'revision'?", diagnostics[0].Message, StringComparison.Ordinal);
        Assert.Contains("did you mean 'contains'?", diagnostics[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Comparisons_of_typed_inputs_are_checked()
    {
        var diagnostics = Check("""
              gather:
                - id: a
                  if: ${{ inputs.replicas == '3' }}
                  run: echo 1
                  mutates: false
                - id: b
                  if: inputs.env_name == 'production'
                  run: echo 2
                  mutates: false
                - id: c
                  if: ${{ inputs.dry + 1 }}
                  run: echo 3
                  mutates: false
            """);
        Assert.Equal(["RB0208", "RB0208", "RB0208"], diagnostics.Select(d => d.Code));
        Assert.Contains("its values are prod, staging", diagnostics[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_step_status_compared_with_a_value_it_never_has_is_reported_with_the_right_word()
    {
        var diagnostics = Check("""
              gather:
                - id: a
                  run: echo 1
                  mutates: false
                - id: b
                  if: ${{ steps.a.status == 'failed' }}
                  run: echo 2
                  mutates: false
                - id: c
                  if: ${{ 'succeeded' != steps.a.status || steps.a.status == 'skipped' }}
                  run: echo 3
                  mutates: false
            """);

        Assert.Equal(["RB0208", "RB0208"], diagnostics.Select(d => d.Code));
        Assert.Contains("steps.a.status is never 'failed': it is success, failure, skipped, pending", diagnostics[0].Message, StringComparison.Ordinal);
        Assert.Equal("compare with 'failure'", diagnostics[0].Fix);
        Assert.Equal("compare with 'success'", diagnostics[1].Fix);
    }

    [Fact]
    public void Pipes_builtins_and_github_functions_are_accepted_and_go_templates_pass_through()
    {
        var diagnostics = Check("""
              gather:
                - id: a
                  run: |
                    docker inspect --format '{{.State.Health.Status}}' x
                    echo ${{ inputs.service | string.upcase }}
                    echo ${{ steps.status.outputs.instances | array.map "name" | array.join ", " }}
                    echo ${{ format('{0}-{1}', inputs.service, run.id) }} ${{ toJSON(steps.status.outputs) }}
                    echo ${{ success() && !cancelled() }} ${{ env.HOME }}
                  mutates: false
            """);
        Assert.Empty(diagnostics);
    }

    [Fact]
    public void Assignments_and_loops_are_not_expressions()
    {
        var diagnostics = Check("""
              gather:
                - id: a
                  run: echo ${{ x = 1 }}
                  mutates: false
            """);
        Assert.Equal(["RB0202"], diagnostics.Select(d => d.Code));
    }

    [Theory]
    [InlineData("format('{0} of {1}}', inputs.service, 1)", "RB0212 16:39")] // the lone closing brace
    [InlineData("format('}{0}', inputs.service)", "RB0212 16:29")]
    [InlineData("format('{0', inputs.service)", "RB0212 16:29")]
    [InlineData("format('{0}{', inputs.service)", "RB0212 16:32")]
    [InlineData("format('{x}', inputs.service)", "RB0212 16:29")]
    [InlineData("format('{0:x}', inputs.service)", "RB0212 16:29")]
    [InlineData("format('{}', inputs.service)", "RB0212 16:29")]
    [InlineData("format('{-1}', inputs.service)", "RB0212 16:29")]
    [InlineData("format('{99999999999}', inputs.service)", "RB0212 16:29")]
    [InlineData("format('{0} of {1}', inputs.service)", "RB0213 16:36")]
    [InlineData("format('{1}', inputs.service)", "RB0213 16:29")]
    [InlineData("format('{0}')", "RB0213 16:29")]
    [InlineData("'{0} {1}' | format inputs.service", "RB0213 16:26")]
    public void A_literal_format_string_that_GitHub_would_refuse_is_reported_at_the_brace(string call, string expected)
    {
        var d = Assert.Single(Check(Step(call)));
        Assert.Equal(expected, At(d));
        Assert.Contains("format()", d.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("format('{0} of {1}', inputs.service, 1)")]
    [InlineData("format('{{literal}} {0}', inputs.service)")]
    [InlineData("format('{0}{0}', inputs.service, 'unused', 'also unused')")] // GitHub ignores unused arguments
    [InlineData("format('no placeholders', inputs.service)")]
    [InlineData("format('{{{0}}}', inputs.service)")]
    [InlineData("format(inputs.service, 1)")] // computed: checked when the step runs
    public void A_well_formed_or_computed_format_string_is_accepted(string call) =>
        Assert.Empty(Check(Step(call)));

    private static string Step(string expression) =>
        "  gather:\n    - id: logs\n      run: echo ${{ " + expression + " }}\n      mutates: false";

    [Fact]
    public void A_format_string_with_an_escaped_quote_is_reported_at_the_whole_literal()
    {
        var d = Assert.Single(Check("""
              gather:
                - id: logs
                  run: echo ${{ format("it\"s }", inputs.service) }}
                  mutates: false
            """));
        Assert.Equal("RB0212 16:28", At(d));
    }
}
