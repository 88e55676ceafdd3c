using Runbook.Cli.Tests.Support;

namespace Runbook.Cli.Tests.EndToEnd;

/// <summary>
/// The bash-arithmetic bullet of issue 16, through `runbook exec` on both builds: an input built to run a
/// command from inside an arithmetic context never runs it — the step is refused before its script starts —
/// and an integer still works.
/// </summary>
public sealed class ShellValueTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("runbook-shell-e2e-").FullName;

    public static TheoryData<CliTarget, string> Cases()
    {
        var data = new TheoryData<CliTarget, string>();
        foreach (var target in CliTargets.All().Select(t => (CliTarget)t[0]))
        {
            foreach (var line in Lines.Keys)
            {
                data.Add(target, line);
            }
        }

        return data;
    }

    private static readonly Dictionary<string, (string Script, string WithFive)> Lines = new()
    {
        ["(( ))"] = ("if (( ${{ inputs.n }} > 0 )); then echo positive; fi", "positive"),
        ["$(( ))"] = ("echo $(( ${{ inputs.n }} + 1 ))", "6"),
        ["[[ -gt ]]"] = ("[[ ${{ inputs.n }} -gt 0 ]] && echo greater", "greater"),
        ["let"] = ("let \"x = ${{ inputs.n }}\"; echo \"x=$x\"", "x=5"),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_command_hidden_in_an_arithmetic_value_never_runs_and_an_integer_still_works(CliTarget cli, string context)
    {
        var playbook = Path.Combine(_folder, "arithmetic.yaml");
        var marker = Path.Combine(_folder, "mark");
        File.WriteAllText(playbook, $"""
            apiVersion: runbook/v1
            kind: Playbook
            name: arithmetic
            inputs:
              n:
                type: string
                description: a count
            phases:
              assess:
                - id: compare
                  run: '{Lines[context].Script.Replace("'", "''", StringComparison.Ordinal)}'
                  mutates: false
            """);

        var hostile = cli.Run("exec", playbook, "--provider", "compose", "--journal", Path.Combine(_folder, "j.db"), "--input", $"n=a[$(touch {marker})]");
        var integer = cli.Run("exec", playbook, "--provider", "compose", "--journal", Path.Combine(_folder, "j.db"), "--input", "n=5");

        Assert.False(File.Exists(marker), $"the value ran as code in {context}: {hostile.Out}{hostile.Error}");
        Assert.True(hostile.ExitCode == 1, hostile.Out + hostile.Error);
        Assert.Contains("refused before the script started: the value of ${{ inputs.n }} is not a plain integer", hostile.Out, StringComparison.Ordinal);
        Assert.True(integer.ExitCode == 0, integer.Out + integer.Error);
        Assert.Contains($"compare: {Lines[context].WithFive}", integer.Out, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void Validate_reports_a_value_where_the_shell_runs_code_with_its_place_and_the_fix(CliTarget cli)
    {
        var result = cli.Run("validate", "tests/corpus/bad/RB0310-value-runs-as-code.yaml");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("RB0310-value-runs-as-code.yaml:13:29: error RB0310:", result.Out + result.Error, StringComparison.Ordinal);
        Assert.Contains("fix: keep code in the script text", result.Out + result.Error, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
