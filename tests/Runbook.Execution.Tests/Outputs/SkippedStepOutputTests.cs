using Runbook.Execution.Actions;
using Runbook.Execution.Journal;
using Runbook.Execution.Tests.Support;
using Runbook.Language.Actions;

namespace Runbook.Execution.Tests.Outputs;

/// <summary>A skipped step's every output reads as null and its status as 'skipped', whatever skipped it.</summary>
public sealed class SkippedStepOutputTests
{
    private const string Header = "apiVersion: runbook/v1\nkind: Playbook\nname: skipped\n";

    /// <summary>One condition over every output name the step can have: declared, the action's, a run: step's own.</summary>
    private static string AllNull(string step, IEnumerable<string> outputs) =>
        string.Join(" && ", outputs.Select(o => $"steps.{step}.outputs.{o} == null").Append($"steps.{step}.status == 'skipped'"));

    private static string[] ActionOutputs(string action) => [.. BuiltinActions.All.Single(a => a.Name == action).Outputs.Select(o => o.Name)];

    [Fact]
    public async Task Every_output_of_a_step_skipped_by_its_condition_reads_null_and_its_status_skipped()
    {
        var check = new FakeAction("http.check", _ => StepOutcome.Success(new Dictionary<string, object?> { ["status"] = 200L }));
        await using var harness = new ExecutorHarness([.. BuiltinActionRegistry.Create().Where(a => a.Name != "http.check"), check]);
        string[] runOutputs = ["count", "ready", "names", "note", "stdout", "stderr", "exit_code"];

        var result = await harness.RunAsync(Header + $$$"""
            phases:
              assess:
                - id: script
                  if: ${{ false }}
                  run: echo "count=3" >> "$RUNBOOK_OUTPUT"
                  mutates: false
                  outputs:
                    count: { type: integer }
                    ready: { type: boolean }
                    names: { type: list }
                    note: untyped
                - id: probe
                  if: ${{ 1 == 2 }}
                  uses: http.check
                  with: { url: "http://127.0.0.1:9/" }
                  outputs: [extra]
              gather:
                - id: verify
                  uses: assert
                  with:
                    condition: "${{ {{{AllNull("script", runOutputs)}}} && {{{AllNull("probe", [.. ActionOutputs("http.check"), "extra"])}}} }}"
                - id: compare
                  if: ${{ steps.script.outputs.count > 2 || steps.probe.outputs.status == 200 }}
                  run: echo "a null compares as false, not as an error"
                  mutates: false
            """);

        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.Empty(check.Calls);
        Assert.Equal(["verify"], harness.Observer.Started);
    }

    [Fact]
    public async Task A_mutating_step_skipped_by_a_dry_run_reads_null_and_skipped_to_the_read_only_steps_after_it()
    {
        await using var harness = new ExecutorHarness([.. BuiltinActionRegistry.Create()]);

        var result = await harness.RunAsync(Header + """
            phases:
              mitigate:
                - id: change
                  run: echo "revision=7" >> "$RUNBOOK_OUTPUT"
                  outputs:
                    revision: { type: integer }
                  rollback: { run: echo undo }
                - id: verify
                  uses: assert
                  mutates: false
                  with: { condition: "${{ steps.change.outputs.revision == null && steps.change.outputs.exit_code == null && steps.change.status == 'skipped' }}" }
            """, dryRun: true);

        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.Equal(["verify"], harness.Observer.Started);
    }

    [Fact]
    public async Task The_status_of_a_step_that_ran_is_not_skipped()
    {
        await using var harness = new ExecutorHarness([.. BuiltinActionRegistry.Create()]);

        var result = await harness.RunAsync(Header + """
            phases:
              assess:
                - id: ran
                  run: echo "count=0" >> "$RUNBOOK_OUTPUT"
                  mutates: false
                  outputs:
                    count: { type: integer }
              gather:
                - id: verify
                  uses: assert
                  with: { condition: "${{ steps.ran.status == 'success' && steps.ran.outputs.count == 0 && steps.ran.outputs.count != null }}" }
            """);

        Assert.Equal(RunStatus.Succeeded, result.Status);
    }
}
