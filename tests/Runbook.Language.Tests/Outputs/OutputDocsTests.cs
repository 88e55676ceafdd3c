using System.Text.RegularExpressions;
using Runbook.Language.Actions;
using Runbook.Language.Model;

namespace Runbook.Language.Tests.Outputs;

/// <summary>The language reference lists every action's outputs, in the paragraph that starts "Outputs:", each as `name` (type…).</summary>
public sealed partial class OutputDocsTests
{
    private static readonly string Language = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "docs", "language.md"));

    public static TheoryData<string> Actions => [.. BuiltinActions.All.Select(a => a.Name)];

    [Theory]
    [MemberData(nameof(Actions))]
    public void The_reference_lists_each_output_of_an_action_with_its_type(string name)
    {
        // Arrange
        var action = BuiltinActions.All.Single(a => a.Name == name);
        var section = Language[Language.IndexOf($"### `{name}`", StringComparison.Ordinal)..];
        var outputs = section[section.IndexOf("Outputs:", StringComparison.Ordinal)..];
        var paragraph = outputs[..outputs.IndexOf("\n\n", StringComparison.Ordinal)];

        // Act
        var documented = OutputPattern().Matches(paragraph).Select(m => (m.Groups[1].Value, m.Groups[2].Value)).Distinct().ToList();

        // Assert
        Assert.Equal(action.Outputs.Select(o => (o.Name, o.Type.ToName())).Order(), documented.Order());
    }

    [Fact]
    public void The_reference_names_every_output_type()
    {
        var table = Language[Language.IndexOf("### Outputs and their types", StringComparison.Ordinal)..];

        Assert.All(OutputTypes.Names, type => Assert.Contains($"| `{type}` |", table, StringComparison.Ordinal));
    }

    [GeneratedRegex(@"`([a-z0-9_]+)`\s+\(([a-z]+)\b")]
    private static partial Regex OutputPattern();
}
