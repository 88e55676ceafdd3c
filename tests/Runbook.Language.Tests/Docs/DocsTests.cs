using System.Text.Json.Nodes;
using Runbook.Language.Actions;
using Runbook.Language.Diagnostics;
using Runbook.Language.Tests.Schema;

namespace Runbook.Language.Tests.Docs;

/// <summary>The reference pages cannot fall behind the code they describe.</summary>
public sealed class DocsTests
{
    private static string Read(string name) => File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "docs", name));

    [Fact]
    public void Every_diagnostic_code_has_a_heading_in_the_diagnostics_reference()
    {
        // Arrange
        var headings = Read("diagnostics.md").Split('\n').Where(l => l.StartsWith("## ", StringComparison.Ordinal))
            .Select(l => l[3..].Trim()).ToHashSet(StringComparer.Ordinal);

        // Act
        var missing = Descriptors.All.Select(d => d.Code).Where(code => !headings.Contains(code)).ToList();

        // Assert
        Assert.Empty(missing);
    }

    [Fact]
    public void Every_diagnostic_heading_names_a_code_that_exists()
    {
        // Arrange
        var codes = Descriptors.All.Select(d => d.Code).ToHashSet(StringComparer.Ordinal);

        // Act
        var stale = Read("diagnostics.md").Split('\n').Where(l => l.StartsWith("## RB", StringComparison.Ordinal))
            .Select(l => l[3..].Trim()).Where(code => !codes.Contains(code)).ToList();

        // Assert
        Assert.Empty(stale);
    }

    [Fact]
    public void Every_key_of_the_schema_is_described_in_the_language_reference()
    {
        // Arrange
        var language = Read("language.md");
        var keys = new HashSet<string>(StringComparer.Ordinal);
        Collect(PlaybookSchema.Json, keys);

        // Act
        var missing = keys.Where(k => !language.Contains($"`{k}`", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();

        // Assert
        Assert.Empty(missing);
    }

    [Fact]
    public void Every_built_in_action_has_a_section_in_the_language_reference()
    {
        // Arrange
        var language = Read("language.md");

        // Act
        var missing = BuiltinActions.All.Where(a => !language.Contains($"### `{a.Name}`", StringComparison.Ordinal)).Select(a => a.Name).ToList();

        // Assert
        Assert.Empty(missing);
    }

    private static void Collect(JsonNode? node, HashSet<string> keys)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, child) in obj)
                {
                    if (key == "properties" && child is JsonObject properties)
                    {
                        keys.UnionWith(properties.Select(p => p.Key));
                    }

                    Collect(child, keys);
                }

                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    Collect(child, keys);
                }

                break;
        }
    }
}
