using System.Text;
using Runbook.Execution.Actions;
using Runbook.Execution.Engine;
using Runbook.Execution.Journal;
using Runbook.Execution.Tests.Support;
using Runbook.Language.Actions;

namespace Runbook.Execution.Tests.Outputs;

/// <summary>Declared output types at run time: real bash scripts, the real executor and journal.</summary>
public sealed class TypedOutputRunTests
{
    private const string Header = "apiVersion: runbook/v1\nkind: Playbook\nname: typed\n";

    private static ExecutorHarness Harness(params IStepAction[] extra) => new([.. BuiltinActionRegistry.Create(), .. extra]);

    private static IEnumerable<StepFinishedEvent> Finished(ExecutorHarness harness, string step) =>
        harness.Observer.Events.OfType<StepFinishedEvent>().Where(e => e.StepId == step);

    [Fact]
    public async Task A_declared_integer_compares_as_a_number_where_the_same_text_compares_as_text()
    {
        await using var harness = Harness();

        var result = await harness.RunAsync(Header + """
            phases:
              assess:
                - id: pods
                  run: |
                    echo "count=10" >> "$RUNBOOK_OUTPUT"
                    echo "text=10" >> "$RUNBOOK_OUTPUT"
                  mutates: false
                  outputs:
                    count: { type: integer }
                    text: how many, as text
              gather:
                - id: numeric
                  uses: assert
                  with: { condition: "${{ steps.pods.outputs.count > 9 && steps.pods.outputs.count + 1 == 11 }}" }
                - id: textual
                  if: ${{ steps.pods.outputs.text > '9' }}
                  run: echo "text compared in order would say '10' > '9'"
                  mutates: false
            """);

        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.Equal("succeeded", Finished(harness, "numeric").Single().Status);
        Assert.Equal("skipped", Finished(harness, "textual").Single().Status);
        var state = await harness.StateAsync(result.RunId);
        Assert.Equal(10m, System.Convert.ToDecimal(state.Step("pods").Outputs["count"], System.Globalization.CultureInfo.InvariantCulture)); // a number, not the text "10"
        Assert.IsNotType<string>(state.Step("pods").Outputs["count"]);
        Assert.Equal("10", state.Step("pods").Outputs["text"]);
    }

    [Fact]
    public async Task Every_declared_type_arrives_in_expressions_as_that_type()
    {
        await using var harness = Harness();

        var result = await harness.RunAsync(Header + """
            phases:
              assess:
                - id: facts
                  run: |
                    echo "ratio=0.25" >> "$RUNBOOK_OUTPUT"
                    echo "ready=True" >> "$RUNBOOK_OUTPUT"
                    echo 'names=["api", "worker"]' >> "$RUNBOOK_OUTPUT"
                    echo 'limits={"cpu": 0.5, "pods": 3}' >> "$RUNBOOK_OUTPUT"
                    echo 'anything=42' >> "$RUNBOOK_OUTPUT"
                    echo 'label=  api  ' >> "$RUNBOOK_OUTPUT"
                  mutates: false
                  outputs:
                    ratio: { type: number }
                    ready: { type: boolean }
                    names: { type: list }
                    limits: { type: object }
                    anything: { type: json }
                    label: { type: string }
              gather:
                - id: check
                  uses: assert
                  with:
                    condition: >-
                      ${{ steps.facts.outputs.ratio * 4 == 1 && steps.facts.outputs.ready == true
                      && steps.facts.outputs.names[1] == 'worker' && (steps.facts.outputs.names | array.size) == 2
                      && steps.facts.outputs.limits.pods > 2 && steps.facts.outputs.limits.cpu < 1
                      && steps.facts.outputs.anything == 42 && steps.facts.outputs.label == '  api  ' }}
            """);

        Assert.Equal(RunStatus.Succeeded, result.Status);
    }

    [Fact]
    public async Task A_value_that_does_not_convert_fails_the_step_naming_the_output_and_the_value()
    {
        await using var harness = Harness();

        var result = await harness.RunAsync(Header + """
            phases:
              assess:
                - id: pods
                  run: echo "count=ten" >> "$RUNBOOK_OUTPUT"
                  mutates: false
                  outputs:
                    count: { type: integer }
              gather:
                - id: never
                  run: echo never
                  mutates: false
            """);

        Assert.Equal(RunStatus.Failed, result.Status);
        var failed = Finished(harness, "pods").Single();
        Assert.Equal("failed", failed.Status);
        Assert.Equal("output 'count' is declared integer, but the script wrote 'ten': it is not a whole number", failed.Error);
        Assert.DoesNotContain("never", harness.Observer.Started);
        var state = await harness.StateAsync(result.RunId);
        Assert.Equal("ten", state.Step("pods").Outputs["count"]); // the journal keeps what the script wrote
    }

    [Fact]
    public async Task A_long_or_multi_line_value_is_shown_escaped_and_cut()
    {
        await using var harness = Harness();

        await harness.RunAsync(Header + """
            phases:
              assess:
                - id: page
                  run: |
                    echo 'doc<<EOF' >> "$RUNBOOK_OUTPUT"
                    echo '<html>' >> "$RUNBOOK_OUTPUT"
                    printf '%0100d\n' 0 >> "$RUNBOOK_OUTPUT"
                    echo 'EOF' >> "$RUNBOOK_OUTPUT"
                  mutates: false
                  outputs:
                    doc: { type: object }
            """);

        var error = Finished(harness, "page").Single().Error!;
        Assert.StartsWith("output 'doc' is declared object, but the script wrote '<html>\\n0000", error, StringComparison.Ordinal);
        Assert.Contains("…' (107 characters): it is not valid JSON", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_secret_output_that_does_not_convert_fails_without_printing_the_secret_anywhere()
    {
        const string secret = "hunter2-{not-json";
        await using var harness = Harness();

        var result = await harness.RunAsync(Header + """
            inputs:
              token: { type: secret }
            phases:
              assess:
                - id: login
                  run: echo "session=$INPUT_TOKEN" >> "$RUNBOOK_OUTPUT"
                  mutates: false
                  outputs:
                    session: { type: object }
            """, new Dictionary<string, string> { ["token"] = secret });
        await (await harness.JournalAsync()).DisposeAsync();

        Assert.Equal(RunStatus.Failed, result.Status);
        var error = Finished(harness, "login").Single().Error!;
        Assert.Equal("output 'session' is declared object, but the script wrote a value that may hold a secret (not shown): it is not an object", error);
        var everything = new StringBuilder(result.Summary);
        foreach (var e in harness.Observer.Events)
        {
            everything.Append(e.ToString());
        }

        everything.Append(Encoding.UTF8.GetString(ReadShared(harness.JournalPath)));
        Assert.DoesNotContain("hunter2", everything.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("hunt", everything.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_value_holding_a_known_secret_is_not_shown_even_from_a_step_that_did_not_read_one()
    {
        await using var harness = Harness();
        harness.Masker.AddValue("s3cr3t-42");

        await harness.RunAsync(Header + """
            phases:
              assess:
                - id: count
                  run: echo "n=s3cr3t-42" >> "$RUNBOOK_OUTPUT"
                  mutates: false
                  outputs:
                    n: { type: integer }
            """);

        var error = Finished(harness, "count").Single().Error!;
        Assert.Contains("(not shown): it is not an integer", error, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_conversion_failure_is_retried_under_the_step_s_retry_policy()
    {
        await using var harness = Harness();

        var result = await harness.RunAsync(Header + """
            phases:
              assess:
                - id: flaky
                  run: |
                    if [ -f attempt ]; then echo "count=3" >> "$RUNBOOK_OUTPUT"; else touch attempt; echo "count=<html>" >> "$RUNBOOK_OUTPUT"; fi
                  mutates: false
                  retry: { attempts: 2, interval: 10ms, jitter: false }
                  outputs:
                    count: { type: integer }
            """);

        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.Equal(["retrying", "succeeded"], Finished(harness, "flaky").Select(e => e.Status));
        Assert.IsNotType<string>((await harness.StateAsync(result.RunId)).Step("flaky").Outputs["count"]);
    }

    [Fact]
    public async Task A_declared_output_the_script_did_not_write_reads_as_null_and_does_not_fail()
    {
        await using var harness = Harness();

        var result = await harness.RunAsync(Header + """
            phases:
              assess:
                - id: quiet
                  run: "true"
                  mutates: false
                  outputs:
                    count: { type: integer }
              gather:
                - id: check
                  uses: assert
                  with: { condition: "${{ steps.quiet.outputs.count == null }}" }
            """);

        Assert.Equal(RunStatus.Succeeded, result.Status);
    }

    [Fact]
    public async Task A_declared_type_on_a_run_step_s_own_stdout_parses_it()
    {
        await using var harness = Harness();

        var result = await harness.RunAsync(Header + """
            phases:
              assess:
                - id: describe
                  run: "echo '{\"replicas\": 3}'"
                  mutates: false
                  outputs:
                    stdout: { type: object }
              gather:
                - id: check
                  uses: assert
                  with: { condition: "${{ steps.describe.outputs.stdout.replicas == 3 }}" }
            """);

        Assert.Equal(RunStatus.Succeeded, result.Status);
    }

    [Fact]
    public async Task Typed_outputs_of_a_sub_playbook_come_back_typed_through_playbook_run()
    {
        await using var harness = Harness();
        var child = harness.Load(Header.Replace("typed", "child", StringComparison.Ordinal) + """
            phases:
              assess:
                - id: pods
                  run: |
                    echo "count=10" >> "$RUNBOOK_OUTPUT"
                    echo "ready=true" >> "$RUNBOOK_OUTPUT"
                  mutates: false
                  outputs:
                    count: { type: integer }
                    ready: { type: boolean }
            """);

        var result = await harness.RunAsync(Header + $$$"""
            phases:
              gather:
                - id: sub
                  uses: playbook.run
                  mutates: false
                  with: { path: "{{{Path.GetFileName(child.Path)}}}" }
                - id: check
                  uses: assert
                  with: { condition: "${{ steps.sub.outputs.outputs.pods.count + 1 == 11 && steps.sub.outputs.outputs.pods.ready == true && steps.sub.outputs.status == 'succeeded' }}" }
            """);

        Assert.Equal(RunStatus.Succeeded, result.Status);
    }

    [Fact]
    public async Task A_conversion_failure_inside_a_sub_playbook_fails_the_parent_step_with_the_child_s_reason()
    {
        await using var harness = Harness();
        var child = harness.Load(Header.Replace("typed", "child", StringComparison.Ordinal) + """
            phases:
              assess:
                - id: pods
                  run: echo "ready=yes" >> "$RUNBOOK_OUTPUT"
                  mutates: false
                  outputs:
                    ready: { type: boolean }
            """);

        var result = await harness.RunAsync(Header + $$$"""
            phases:
              gather:
                - id: sub
                  uses: playbook.run
                  mutates: false
                  with: { path: "{{{Path.GetFileName(child.Path)}}}" }
            """);

        Assert.Equal(RunStatus.Failed, result.Status);
        var error = Finished(harness, "sub").Last().Error!;
        Assert.Contains("output 'ready' is declared boolean, but the script wrote 'yes': write true or false", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_item_of_a_fan_out_converts_its_declared_outputs_and_items_hold_the_typed_values()
    {
        await using var harness = Harness();

        var result = await harness.RunAsync(Header + """
            phases:
              assess:
                - id: pods
                  for_each: [2, 30]
                  run: echo "count=${{ item }}" >> "$RUNBOOK_OUTPUT"
                  mutates: false
                  outputs:
                    count: { type: integer }
              gather:
                - id: check
                  uses: assert
                  with: { condition: "${{ steps.pods.outputs.items[0].count + steps.pods.outputs.items[1].count == 32 && steps.pods.outputs.items[1].count > 4 }}" }
            """);

        Assert.Equal(RunStatus.Succeeded, result.Status);
    }

    [Fact]
    public async Task An_item_whose_output_does_not_convert_fails_that_item_naming_the_output_and_the_value()
    {
        await using var harness = Harness();

        var result = await harness.RunAsync(Header + """
            phases:
              assess:
                - id: pods
                  for_each: ["3", "three"]
                  run: echo "count=${{ item }}" >> "$RUNBOOK_OUTPUT"
                  mutates: false
                  outputs:
                    count: { type: integer }
            """);

        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.Contains(harness.Observer.Events.OfType<StepFinishedEvent>(),
            e => e.Status == "failed" && e.Error == "output 'count' is declared integer, but the script wrote 'three': it is not a whole number");
    }

    private static byte[] ReadShared(string path)
    {
        var bytes = new List<byte>();
        foreach (var file in Directory.GetFiles(Path.GetDirectoryName(path)!, Path.GetFileName(path) + "*"))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            bytes.AddRange(memory.ToArray());
        }

        return [.. bytes];
    }
}
