using System.Text.RegularExpressions;
using Runbook.Language.Actions;
using Runbook.Language.Model;

namespace Runbook.Language.Tests.Outputs;

/// <summary>The language reference lists every action's outputs with the types the catalog gives them.</summary>
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
        var line = section.Split('\n').First(l => l.Contains("Outputs: ", StringComparison.Ordinal));

        // Act
        var documented = OutputPattern().Matches(line).Select(m => (m.Groups[1].Value, m.Groups[2].Value)).ToList();

        // Assert
        Assert.Equal(action.Outputs.Select(o => (o.Name, o.Type.ToName())).Order(), documented.Order());
    }

    [Fact]
    public void The_reference_names_every_output_type()
    {
        var table = Language[Language.IndexOf("### Outputs and their types", StringComparison.Ordinal)..];

        Assert.All(OutputTypes.Names, type => Assert.Contains($"| `{type}` |", table, StringComparison.Ordinal));
    }

    [GeneratedRegex(@"`([a-z_]+)` \(([a-z]+)\)")]
    private static partial Regex OutputPattern();
}
