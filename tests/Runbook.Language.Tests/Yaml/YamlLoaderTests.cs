using Runbook.Language.Diagnostics;
using Runbook.Language.Text;
using Runbook.Language.Yaml;

namespace Runbook.Language.Tests.Yaml;

public sealed class YamlLoaderTests
{
    private static (YamlNode? Node, IReadOnlyList<Diagnostic> Diagnostics) Load(string text)
    {
        var bag = new DiagnosticBag();
        var node = YamlLoader.Load(new SourceText("t.yaml", text), bag);
        return (node, bag.Items);
    }

    [Fact]
    public void Scalars_keep_one_based_line_and_column()
    {
        var (node, _) = Load("a:\n  b: hello\n");
        var b = ((YamlMapping)((YamlMapping)node!)["a"]!)["b"]!;
        Assert.Equal(new SourcePosition(2, 6), b.Span.Start);
    }

    [Fact]
    public void A_duplicate_key_is_reported_at_the_second_occurrence()
    {
        var (_, diagnostics) = Load("a: 1\nb: 2\na: 3\n");
        var d = Assert.Single(diagnostics);
        Assert.Equal("RB0008", d.Code);
        Assert.Equal(new SourcePosition(3, 1), d.Span.Start);
    }

    [Fact]
    public void Exponential_aliases_stop_at_the_expansion_limit()
    {
        var text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
        for (var i = 0; i < 9; i++)
        {
            var prev = (char)('a' + i);
            var next = (char)('b' + i);
            text += $"{next}: &{next} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n";
        }

        var (node, diagnostics) = Load(text);
        Assert.Null(node);
        Assert.Equal("RB0009", Assert.Single(diagnostics).Code);
    }

    [Fact]
    public void Tab_indentation_is_reported_with_its_line()
    {
        var (_, diagnostics) = Load("a:\n\tb: 1\n");
        var d = Assert.Single(diagnostics);
        Assert.Equal("RB0007", d.Code);
        Assert.Equal(2, d.Span.Line);
    }

    [Fact]
    public void Syntax_errors_carry_the_parser_position()
    {
        var (_, diagnostics) = Load("a: [1, 2\nb: 3\n");
        Assert.Equal("RB0006", Assert.Single(diagnostics).Code);
    }

    [Fact]
    public void Block_scalar_offsets_map_to_the_right_line_and_column()
    {
        var (node, _) = Load("run: |\n  echo one\n  echo ${{ inputs.x }}\n");
        var run = (YamlScalar)((YamlMapping)node!)["run"]!;
        var offset = run.Value.IndexOf("${{", StringComparison.Ordinal);
        Assert.Equal(new SourcePosition(3, 8), run.PositionOf(offset));
    }

    [Fact]
    public void Merge_keys_bring_entries_that_explicit_keys_override()
    {
        var (node, diagnostics) = Load("base: &b {x: 1, y: 2}\nc:\n  <<: *b\n  y: 3\n");
        Assert.Empty(diagnostics);
        var c = (YamlMapping)((YamlMapping)node!)["c"]!;
        Assert.Equal("1", ((YamlScalar)c["x"]!).Value);
        Assert.Equal("3", ((YamlScalar)c["y"]!).Value);
    }
}
