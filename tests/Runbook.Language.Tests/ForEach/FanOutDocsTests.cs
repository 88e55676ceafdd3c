using System.Text.RegularExpressions;
using Runbook.Language.Actions;
using Runbook.Language.Tests.Schema;

namespace Runbook.Language.Tests.ForEach;

/// <summary>The fan-out section of docs/language.md shows playbooks that load cleanly and validate against the schema.</summary>
public sealed partial class FanOutDocsTests
{
    public static TheoryData<string> Examples() => [.. ExampleTexts()];

    private static List<string> ExampleTexts()
    {
        var language = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "docs", "language.md"));
        var start = language.IndexOf("## Fan-out: for_each", StringComparison.Ordinal);
        var end = language.IndexOf("\n## ", start + 5, StringComparison.Ordinal);
        var section = language[start..end];
        return [.. YamlBlock().Matches(section).Select(m => m.Groups[1].Value).Where(y => y.StartsWith("apiVersion:", StringComparison.Ordinal))];
    }

    [Fact]
    public void The_section_shows_a_playbook_per_form_list_input_literal_list_and_mapping()
    {
        var examples = ExampleTexts();

        Assert.Contains(examples, e => e.Contains("for_each: ${{ inputs.services }}", StringComparison.Ordinal) && e.Contains("as: svc", StringComparison.Ordinal));
        Assert.Contains(examples, e => e.Contains("for_each: [", StringComparison.Ordinal));
        Assert.Contains(examples, e => e.Contains("for_each: {", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void Every_example_playbook_loads_without_a_diagnostic_and_validates_against_the_schema(string yaml)
    {
        var path = Path.Combine(Path.GetTempPath(), $"fanout-doc-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, yaml);
        try
        {
            var loaded = PlaybookLoader.LoadFile(path, ActionCatalog.Create([]));

            Assert.Empty(loaded.Diagnostics);
            Assert.Empty(PlaybookSchema.Validate(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [GeneratedRegex("```yaml\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex YamlBlock();
}
