using Runbook.Cli.Tests.Support;

namespace Runbook.Cli.Tests.EndToEnd;

/// <summary>Typed outputs through the command line, on both builds: listed, checked, converted.</summary>
public sealed class TypedOutputsCliTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("runbook-typed-e2e-").FullName;

    private string Journal => Path.Combine(_folder, "journal.db");

    private string Write(string name, string yaml)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, yaml);
        return path;
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void Providers_lists_each_action_s_outputs_with_their_types(CliTarget cli)
    {
        var result = cli.Run("providers");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("      outputs: status (integer), headers (object), body (string), json (json)\n", result.Out, StringComparison.Ordinal);
        Assert.Contains("      outputs: outputs (object), status (string), run_id (string)\n", result.Out, StringComparison.Ordinal);
        Assert.Contains("      outputs: stdout (string), stderr (string), exit_code (integer)\n", result.Out, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void A_value_that_does_not_convert_fails_the_run_with_the_output_and_the_value_and_no_stack_trace(CliTarget cli)
    {
        var playbook = Write("count.yaml", """
            apiVersion: runbook/v1
            kind: Playbook
            name: count
            phases:
              assess:
                - id: pods
                  run: echo "count=1e400" >> "$RUNBOOK_OUTPUT"
                  mutates: false
                  outputs:
                    count: { type: number }
            """);

        var result = cli.Run("exec", playbook, "--provider", "compose", "--journal", Journal);

        Assert.Equal(1, result.ExitCode);
        var output = result.Out + result.Error;
        Assert.Contains("output 'count' is declared number, but the script wrote '1e400': it is outside the range of a number", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void Typed_outputs_convert_and_compare_as_their_types_in_a_real_run(CliTarget cli)
    {
        var playbook = Write("typed.yaml", """
            apiVersion: runbook/v1
            kind: Playbook
            name: typed
            phases:
              assess:
                - id: pods
                  run: |
                    echo "count=10" >> "$RUNBOOK_OUTPUT"
                    echo 'names=["api","worker"]' >> "$RUNBOOK_OUTPUT"
                  mutates: false
                  outputs:
                    count: { type: integer }
                    names: { type: list }
              gather:
                - id: check
                  uses: assert
                  with: { condition: "${{ steps.pods.outputs.count > 9 && steps.pods.outputs.names[1] == 'worker' }}" }
            """);

        var result = cli.Run("exec", playbook, "--provider", "compose", "--journal", Journal);

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void Validate_reports_an_unknown_type_and_a_text_output_used_as_a_number_with_position_and_fix(CliTarget cli)
    {
        var playbook = Write("bad.yaml", """
            apiVersion: runbook/v1
            kind: Playbook
            name: bad
            phases:
              assess:
                - id: pods
                  run: echo "count=3" >> "$RUNBOOK_OUTPUT"
                  mutates: false
                  outputs:
                    count: how many
                    ready: { type: bool }
                - id: check
                  if: ${{ steps.pods.outputs.count > 3 }}
                  run: echo many
                  mutates: false
            """);

        var result = cli.Run("validate", playbook);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("bad.yaml:11:24: error RB0122: output 'ready' cannot have the type 'bool' (did you mean 'boolean'?)", result.Out, StringComparison.Ordinal);
        Assert.Contains("bad.yaml:13:15: warning RB0216: steps.pods.outputs.count is text", result.Out, StringComparison.Ordinal);
        Assert.Contains("count: { type: integer }", result.Out, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
