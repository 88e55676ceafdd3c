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

    [Theory]
    [InlineData("\r")] // a lone carriage return (an old Mac line end, or a stray byte)
    [InlineData("\u0085")] // NEL
    [InlineData("\u2028")] // LINE SEPARATOR
    [InlineData("\u2029")] // PARAGRAPH SEPARATOR
    public void A_character_YAML_counts_as_a_line_break_does_not_shift_later_positions(string odd)
    {
        // Arrange: editors and the file's line index count only '\n'; YamlDotNet's own line numbers count these too.
        var value = $"a: \"x{odd} y\"\n"; // the continuation indented, as YAML requires after a break

        // Act
        var (node, loaded) = Load(value + "b: 1\n");
        Assert.True(node is YamlMapping, string.Join('\n', loaded));
        var (_, diagnostics) = Load(value + "b: 1\nb: 2\n");

        // Assert
        Assert.Equal(new SourcePosition(2, 4), ((YamlMapping)node!)["b"]!.Span.Start);
        Assert.Equal(new SourcePosition(3, 1), Assert.Single(diagnostics).Span.Start);
    }

    [Fact]
    public void A_syntax_error_at_the_end_of_a_file_without_a_final_newline_points_into_the_file()
    {
        // Arrange: YamlDotNet reports the end of the stream on a line after the last one.
        const string text = "a: 1\nb: { c: 3";

        // Act
        var (_, diagnostics) = Load(text);

        // Assert
        var d = Assert.Single(diagnostics);
        Assert.Equal("RB0006", d.Code);
        Assert.Equal(2, d.Span.Start.Line);
        Assert.InRange(d.Span.Start.Column, 1, "b: { c: 3".Length + 1);
    }
}
