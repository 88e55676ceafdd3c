using System.Collections.Immutable;
using Runbook.Language.Actions;
using Runbook.Language.Text;

namespace Runbook.Language.Tests.Checking;

/// <summary>The injection rule at validate time: RB0310 where no value is safe, RB0311 where only an integer is.</summary>
public sealed class ShellValueCheckerTests
{
    private static readonly ProviderDescriptor Exec = new("exec-test", "A provider with a shell exec action.",
        [new ActionDescriptor("exec-test.exec", "Runs a command.", false,
            [new ParameterDescriptor("command", ParameterType.Any, true, "A shell command, or a list.", RunsInShell: true)], [OutputDescriptor.Text("stdout")], "exec {command}")],
        [], ImmutableDictionary<string, string>.Empty);

    private static string[] Codes(string step, string inputType = "string", string shell = "bash")
    {
        var yaml = $"""
            apiVersion: runbook/v1
            kind: Playbook
            name: shell-values
            inputs:
              n:
                type: {inputType}
                description: a value
            phases:
              assess:
                - id: s
                  shell: {shell}
            {step}
                  mutates: false
            """;
        var loaded = PlaybookLoader.Load(new SourceText("p.yaml", yaml), ActionCatalog.Create([Exec]), Exec);
        return [.. loaded.Diagnostics.Select(d => d.Code).Where(c => c is "RB0310" or "RB0311")];
    }

    [Theory]
    [InlineData("      run: eval \"echo ${{ inputs.n }}\"")]
    [InlineData("      run: sh -c 'echo ${{ inputs.n }}'")]
    [InlineData("      run: echo ${{ inputs.n }} | bash")]
    [InlineData("      run: printf -v ${{ inputs.n }} x")]
    [InlineData("      run: \"x=${{ inputs.n }}; echo ${!x}\"")]
    [InlineData("      run: ${{ inputs.n }}")]
    [InlineData("      run: eval \"$N\"\n      env:\n        N: ${{ inputs.n }}")]
    [InlineData("      run: eval \"$INPUT_N\"")]
    [InlineData("      run: bash script.sh\n      env:\n        BASH_ENV: ${{ inputs.n }}")]
    public void A_value_where_the_shell_runs_code_is_an_error(string step) =>
        Assert.Equal(["RB0310"], Codes(step));

    [Fact]
    public void A_pwsh_expression_in_single_quotes_is_an_error() =>
        Assert.Equal(["RB0310"], Codes("      run: Write-Output '${{ inputs.n }}'", shell: "pwsh"));

    [Fact]
    public void A_value_given_to_invoke_expression_is_an_error() =>
        Assert.Equal(["RB0310"], Codes("      run: Invoke-Expression \"echo $($env:X)${{ inputs.n }}\"", shell: "pwsh"));

    [Theory]
    [InlineData("      run: if (( ${{ inputs.n }} > 0 )); then echo; fi")]
    [InlineData("      run: echo $(( ${{ inputs.n }} + 1 ))")]
    [InlineData("      run: \"[[ ${{ inputs.n }} -gt 0 ]]\"")]
    [InlineData("      run: let \"x = ${{ inputs.n }}\"")]
    [InlineData("      run: n=${{ inputs.n }}; echo $(( n + 1 ))")]
    [InlineData("      run: echo $(( N + 1 ))\n      env:\n        N: ${{ inputs.n }}")]
    [InlineData("      run: echo $(( INPUT_N + 1 ))")]
    public void A_value_in_arithmetic_is_a_warning(string step) =>
        Assert.Equal(["RB0311"], Codes(step));

    [Fact]
    public void A_number_input_in_arithmetic_is_not_reported() =>
        Assert.Empty(Codes("      run: if (( ${{ inputs.n }} > 0 )); then echo; fi", inputType: "number"));

    [Theory]
    [InlineData("      run: echo \"${{ inputs.n }}\"")]
    [InlineData("      run: \"[ ${{ inputs.n }} -gt 0 ]\"")]
    [InlineData("      run: sh -c 'echo \"$1\"' sh ${{ inputs.n }}")]
    [InlineData("      run: grep -c ${{ inputs.n }} /var/log/syslog | awk '{print $1}'")]
    [InlineData("      run: echo $(( $(date -d \"${{ inputs.n }}\" +%s) / 86400 ))")]
    [InlineData("      run: bash script.sh\n      env:\n        PATH: /usr/bin:/bin")]
    public void A_value_used_as_data_is_not_reported(string step) =>
        Assert.Empty(Codes(step));

    [Theory]
    [InlineData("      uses: exec-test.exec\n      with:\n        command: eval \"${{ inputs.n }}\"", "RB0310")]
    [InlineData("      uses: exec-test.exec\n      with:\n        command: ${{ inputs.n }}", "RB0310")]
    [InlineData("      uses: exec-test.exec\n      with:\n        command: echo $(( ${{ inputs.n }} + 1 ))", "RB0311")]
    public void A_string_exec_command_gets_the_same_rule(string step, string code) =>
        Assert.Equal([code], Codes(step));

    [Fact]
    public void A_list_exec_command_passes_each_value_as_one_argument_and_is_not_reported() =>
        Assert.Empty(Codes("      uses: exec-test.exec\n      with:\n        command: [sh, -c, 'echo \"$1\"', sh, '${{ inputs.n }}']"));
}
