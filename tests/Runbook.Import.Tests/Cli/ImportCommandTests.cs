using System.Text.Json;
using Runbook.Import.Tests.Reference;
using Runbook.Tests;

namespace Runbook.Import.Tests.Cli;

/// <summary><c>runbook import</c> as a user runs it: the real command, under the JIT and as the native binary.</summary>
public sealed class ImportCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("runbook-import-cli-").FullName;

    public static TheoryData<string> Targets => RunbookBinary.Targets();

    public static TheoryData<string, string> ReferenceCases()
    {
        var data = new TheoryData<string, string>();
        foreach (var target in new[] { "jit", "native" })
        {
            foreach (var file in new[] { "data-aggregator-production-runbook.md", "data-aggregator-production-runbook.mis-encoded.md", "context-engineering-production-deployment.md", "insurance-lead-gen-operations-guide.md" })
            {
                data.Add(target, file);
            }
        }

        return data;
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private (int ExitCode, string Out) Run(string target, params string[] args) =>
        RunbookBinary.Run(target, _folder, [("HOME", _folder), ("RUNBOOK_HOME", Path.Combine(_folder, ".runbook"))], [], args);

    [Theory]
    [MemberData(nameof(ReferenceCases))]
    public void Every_draft_of_a_reference_runbook_is_accepted_by_runbook_validate(string target, string file)
    {
        // Act
        var (imported, output) = Run(target, "import", ReferenceRunbooks.Path(file), "--out", "drafts");
        var (validated, report) = Run(target, "validate", "drafts");

        // Assert
        Assert.True(imported == 0, output);
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(_folder, "drafts"), "*.yaml"));
        Assert.True(validated == 0, report);
        Assert.Contains(" 0 errors", report, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void The_json_summary_lists_per_draft_its_actions_inputs_approvals_and_review_items(string target)
    {
        // Arrange
        File.WriteAllText(Path.Combine(_folder, "ops.md"), "# Ops\n\n## Clear cache\n\n```bash\n# Flush\ndocker-compose exec redis redis-cli FLUSHDB\n# Check\ncurl https://api.example.com/health\n```\n");

        // Act
        var (code, output) = Run(target, "import", "ops.md", "--out", "drafts", "--format", "json");

        // Assert
        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output);
        var draft = json.RootElement.GetProperty("drafts")[0];
        Assert.Equal("clear-cache.yaml", draft.GetProperty("file").GetString());
        Assert.Equal("service.exec", draft.GetProperty("mapped")[0].GetProperty("action").GetString());
        Assert.Equal("flush", draft.GetProperty("approvals")[0].GetProperty("step").GetString());
        Assert.Contains(draft.GetProperty("inputs").EnumerateArray(), i => i.GetProperty("name").GetString() == "host" && i.GetProperty("default").GetString() == "api.example.com");
        Assert.NotEmpty(draft.GetProperty("review").EnumerateArray());
        Assert.Equal(Path.Combine("drafts", "clear-cache.yaml"), json.RootElement.GetProperty("written")[0].GetString());
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void Importing_twice_into_the_same_folder_is_refused_with_exit_2_and_forced_gives_the_same_bytes(string target)
    {
        // Arrange
        File.WriteAllText(Path.Combine(_folder, "ops.md"), "## Restart\n\n```bash\nkubectl rollout restart deployment/api\n```\n");
        Assert.Equal(0, Run(target, "import", "ops.md", "--out", "drafts").ExitCode);
        var first = File.ReadAllBytes(Path.Combine(_folder, "drafts", "restart.yaml"));

        // Act
        var (refused, message) = Run(target, "import", "ops.md", "--out", "drafts");
        var (forced, _) = Run(target, "import", "ops.md", "--out", "drafts", "--force");

        // Assert
        Assert.Equal(2, refused);
        Assert.Contains("error RB0408", message, StringComparison.Ordinal);
        Assert.Equal(0, forced);
        Assert.Equal(first, File.ReadAllBytes(Path.Combine(_folder, "drafts", "restart.yaml")));
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void Bad_input_exits_2_with_file_line_column_code_and_fix_and_no_stack_trace(string target)
    {
        // Arrange
        File.WriteAllBytes(Path.Combine(_folder, "bin.md"), [0x23, 0x20, 0x41, 0x0A, 0x00, 0x01]);

        // Act
        var (code, output) = Run(target, "import", "bin.md");

        // Assert
        Assert.Equal(2, code);
        Assert.Contains("bin.md:2:1: error RB0401:", output, StringComparison.Ordinal);
        Assert.Contains("= fix:", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_folder, "drafts")));
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void An_unknown_provider_hint_is_a_usage_error_naming_the_providers(string target)
    {
        // Arrange
        File.WriteAllText(Path.Combine(_folder, "ops.md"), "## Restart\n\n```bash\nls\n```\n");

        // Act
        var (code, output) = Run(target, "import", "ops.md", "--provider-hint", "Kubernetes");

        // Assert
        Assert.Equal(2, code);
        Assert.Contains("did you mean 'kubernetes'", output, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void The_help_lists_the_import_command(string target)
    {
        // Act
        var (code, output) = Run(target, "--help");

        // Assert
        Assert.Equal(0, code);
        Assert.Contains("import", output, StringComparison.Ordinal);
        Assert.Contains("runbook import RUNBOOK.md", output, StringComparison.Ordinal);
    }
}
