using System.Globalization;
using System.Text;

namespace Runbook.Cli.Tests.Fuzz;

/// <summary>Crashes the fuzzer found, each kept as the smallest playbook that showed it, through the CLI entry point.</summary>
public sealed class FoundByFuzzingTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("runbook-found-");

    public void Dispose() => _folder.Delete(recursive: true);

    private (int ExitCode, string Out, string Error) Run(string text, params string[] args)
    {
        var file = Path.Combine(_folder.FullName, "playbook.yaml");
        File.WriteAllText(file, text, new UTF8Encoding(false));
        using var stdout = new StringWriter(CultureInfo.InvariantCulture);
        using var stderr = new StringWriter(CultureInfo.InvariantCulture);
        var exitCode = CommandLine.Run([args[0], file, .. args[1..]], new CliConsole(stdout, stderr, Color: false, _folder.FullName));
        return (exitCode, stdout.ToString().Replace(file, "playbook.yaml", StringComparison.Ordinal), stderr.ToString().Replace(file, "playbook.yaml", StringComparison.Ordinal));
    }

    [Fact]
    public void A_key_at_the_wrong_indent_under_inputs_is_reported_with_a_caret_after_the_line_not_an_internal_error()
    {
        // Arrange: the case from the issue: an input key whose name went missing, before phases:.
        const string text = """
            apiVersion: runbook/v1
            kind: Playbook
            name: wrong-indent
            inputs:
              : path:
                type: string
            phases:
              assess:
                - id: uptime
                  run: uptime
                  mutates: false

            """;

        // Act
        var (exitCode, output, error) = Run(text, "validate");

        // Assert
        Assert.Equal(2, exitCode);
        Assert.Empty(error);
        Assert.DoesNotContain("internal error", output, StringComparison.Ordinal);
        Assert.Contains(" 5 |   : path:\n   |          ^\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_duplicated_input_key_without_a_value_points_just_past_the_colon_when_planned()
    {
        // Arrange: 'plan' prints the same diagnostics as validate before refusing.
        const string text = """
            apiVersion: runbook/v1
            kind: Playbook
            name: duplicated
            inputs:
              service:
              service:
                type: string
            phases:
              assess:
                - id: uptime
                  run: echo ${{ inputs.service }}
                  mutates: false

            """;

        // Act
        var (exitCode, _, error) = Run(text, "plan", "--provider", "compose");

        // Assert
        Assert.Equal(2, exitCode);
        Assert.DoesNotContain("internal error", error, StringComparison.Ordinal);
        Assert.Contains("playbook.yaml:5:11: error RB0101: input 'service' must be a mapping, found a scalar\n 5 |   service:\n   |           ^\n", error, StringComparison.Ordinal);
    }
}
