using System.Globalization;

namespace Runbook.Cli.Tests.EndToEnd;

/// <summary>format() with a format string that GitHub Actions would refuse, literal (validate) and computed (exec).</summary>
public sealed class FormatFunctionTests : IDisposable
{
    private const string Playbook = """
        apiVersion: runbook/v1
        kind: Playbook
        name: formatting
        inputs:
          pattern: { type: string, default: "{0} is up" }
        phases:
          assess:
            - id: say
              run: echo "${{ format(inputs.pattern, 'api') }}" > said.txt
              mutates: false

        """;

    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("runbook-format-");

    public void Dispose() => _folder.Delete(recursive: true);

    private (int ExitCode, string Output) Run(string text, params string[] args)
    {
        var file = Path.Combine(_folder.FullName, "playbook.yaml");
        File.WriteAllText(file, text);
        using var stdout = new StringWriter(CultureInfo.InvariantCulture);
        using var stderr = new StringWriter(CultureInfo.InvariantCulture);
        var exitCode = CommandLine.Run([args[0], file, .. args[1..]], new CliConsole(stdout, stderr, Color: false, _folder.FullName));
        return (exitCode, stdout + "\n" + stderr);
    }

    private string[] Exec(string pattern) =>
        ["exec", "--provider", "compose", "--journal", Path.Combine(_folder.FullName, "journal.db"), "--input", $"pattern={pattern}"];

    [Fact]
    public void A_literal_format_string_with_a_lone_brace_is_refused_by_validate_with_its_code_and_fix()
    {
        var (exitCode, output) = Run(Playbook.Replace("format(inputs.pattern, 'api')", "format('{0} is up}', 'api')", StringComparison.Ordinal), "validate");

        Assert.Equal(2, exitCode);
        Assert.Contains("playbook.yaml:9:39: error RB0212: format(): the format string has a lone '}'", output, StringComparison.Ordinal);
        Assert.Contains("= fix: write {0}, {1} … for the arguments, and double a brace", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_computed_format_string_with_a_lone_brace_fails_its_step_with_the_reason_and_runs_nothing()
    {
        var (exitCode, output) = Run(Playbook, Exec("{0} is up}"));

        Assert.Equal(1, exitCode);
        Assert.Contains("lone '}'", output, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_folder.FullName, "said.txt")), "the step's script ran although its text could not be rendered");
    }

    [Fact]
    public void A_computed_format_string_naming_a_missing_argument_fails_its_step_with_the_reason()
    {
        var (exitCode, output) = Run(Playbook, Exec("{0} and {1}"));

        Assert.Equal(1, exitCode);
        Assert.Contains("placeholder {1} has no argument", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_computed_format_string_that_is_well_formed_runs_the_step()
    {
        var (exitCode, output) = Run(Playbook, Exec("{0} is {{really}} up"));

        Assert.True(exitCode == 0, output);
        Assert.Equal("api is {really} up\n", File.ReadAllText(Path.Combine(_folder.FullName, "said.txt")));
    }
}
