using Runbook.Language.Actions;
using Runbook.Language.Diagnostics;
using Runbook.Language.Text;

namespace Runbook.Language.Tests.Outputs;

/// <summary>A skipped step's outputs are null: comparing them is fine, handing one to a required argument is a warning.</summary>
public sealed class SkippedOutputCheckingTests
{
    private static List<Diagnostic> Check(string phases)
    {
        var text = """
            apiVersion: runbook/v1
            kind: Playbook
            name: t
            inputs:
              deep: { type: boolean, default: false }
            phases:

            """ + phases + "\n";
        var loaded = PlaybookLoader.Load(new SourceText("t.yaml", text), ActionCatalog.Create([]));
        return [.. loaded.Diagnostics.Where(d => d.Code == "RB0318")];
    }

    private static string At(Diagnostic d) => $"{d.Code} {d.Span.Line}:{d.Span.Column}";

    [Fact]
    public void An_output_of_a_step_with_if_passed_as_a_required_argument_is_a_warning_at_the_reference()
    {
        var diagnostics = Check("""
              assess:
                - id: find
                  if: inputs.deep
                  run: echo "svc=api" >> "$RUNBOOK_OUTPUT"
                  mutates: false
                  outputs: [svc]
                - id: logs
                  uses: service.logs
                  with: { service: "${{ steps.find.outputs.svc }}" }
            """);

        var d = Assert.Single(diagnostics);
        Assert.Equal("RB0318 15:29", At(d));
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
        Assert.Equal("'service' of 'service.logs' is required, and steps.find.outputs.svc is null when 'find' is skipped (it has an if:)", d.Message);
        Assert.Contains("if: steps.find.status == 'success'", d.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void A_reference_inside_text_is_still_handed_over()
    {
        var diagnostics = Check("""
              assess:
                - id: find
                  if: inputs.deep
                  uses: service.describe
                  with: { service: api }
                - id: logs
                  uses: http.check
                  with: { url: "http://127.0.0.1/${{ steps.find.outputs.image }}" }
            """);

        Assert.Equal(["RB0318 14:42"], diagnostics.Select(At));
    }

    [Fact]
    public void A_later_phase_reading_a_skippable_step_is_warned_too()
    {
        var diagnostics = Check("""
              assess:
                - id: find
                  if: inputs.deep
                  uses: service.describe
                  with: { service: api }
              gather:
                - id: logs
                  uses: service.logs
                  with: { service: "${{ steps.find.outputs.image }}", filter: x }
            """);

        Assert.Single(diagnostics);
    }

    [Theory]
    [InlineData("steps.find.outputs.svc || 'api'")]
    [InlineData("steps.find.outputs.svc ?? 'api'")]
    [InlineData("steps.find.status == 'success' ? steps.find.outputs.svc : 'api'")]
    public void A_reference_with_a_fallback_is_accepted(string expression)
    {
        var diagnostics = Check($$$"""
              assess:
                - id: find
                  if: inputs.deep
                  run: echo "svc=api" >> "$RUNBOOK_OUTPUT"
                  mutates: false
                  outputs: [svc]
                - id: logs
                  uses: service.logs
                  with: { service: "${{ {{{expression}}} }}" }
            """);

        Assert.Empty(diagnostics);
    }

    [Theory]
    [InlineData("steps.find.status == 'success'")]
    [InlineData("steps.find.outputs.svc != null")]
    [InlineData("inputs.deep")]
    public void A_consumer_guarded_by_the_producer_or_by_the_same_condition_is_accepted(string guard)
    {
        var diagnostics = Check($$$"""
              assess:
                - id: find
                  if: inputs.deep
                  run: echo "svc=api" >> "$RUNBOOK_OUTPUT"
                  mutates: false
                  outputs: [svc]
                - id: logs
                  if: {{{guard}}}
                  uses: service.logs
                  with: { service: "${{ steps.find.outputs.svc }}" }
            """);

        Assert.Empty(diagnostics);
    }

    [Fact]
    public void Comparing_a_skippable_output_and_passing_it_to_an_optional_argument_are_accepted()
    {
        var diagnostics = Check("""
              assess:
                - id: find
                  if: inputs.deep
                  run: echo "svc=api" >> "$RUNBOOK_OUTPUT"
                  mutates: false
                  outputs: [svc]
                - id: logs
                  if: ${{ steps.find.outputs.svc == 'api' || true }}
                  uses: service.logs
                  with: { service: api, filter: "${{ steps.find.outputs.svc }}" }
                - id: report
                  run: echo "${{ steps.find.outputs.svc }}"
                  mutates: false
            """);

        Assert.Empty(diagnostics);
    }

    [Fact]
    public void An_output_of_a_mutating_step_read_by_a_read_only_action_is_a_warning_because_a_dry_run_skips_the_producer()
    {
        var diagnostics = Check("""
              mitigate:
                - id: deploy
                  uses: service.deploy
                  with: { service: api, image: "api:2" }
                  rollback: { uses: service.rollback, with: { service: api } }
                - id: check
                  uses: http.check
                  with: { url: "http://127.0.0.1/${{ steps.deploy.outputs.revision }}" }
            """);

        var d = Assert.Single(diagnostics);
        Assert.Contains("it mutates, so a dry run skips it", d.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_output_of_a_mutating_step_read_by_another_mutating_step_is_accepted_as_a_dry_run_skips_both()
    {
        var diagnostics = Check("""
              mitigate:
                - id: deploy
                  uses: service.deploy
                  with: { service: api, image: "api:2" }
                  rollback: { uses: service.rollback, with: { service: api, to: "${{ steps.deploy.outputs.previous_revision }}" } }
                - id: scale
                  uses: service.scale
                  with: { service: "${{ steps.deploy.outputs.image }}", replicas: 2 }
                  rollback: { run: echo undo }
            """);

        Assert.Empty(diagnostics);
    }
}
