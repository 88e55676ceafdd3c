namespace Runbook.Language.Text;

/// <summary>Maps offsets within one string value back to its place in a file.</summary>
public sealed class SourceLocator(string path, Func<int, SourcePosition> positionOf)
{
    public string Path { get; } = path;

    public SourcePosition PositionOf(int valueOffset) => positionOf(valueOffset);

    public SourceSpan Span(int startOffset, int endOffset) => new(Path, positionOf(startOffset), positionOf(endOffset));

    /// <summary>A locator for text that is a whole file of its own (a template file, a command-line value).</summary>
    public static SourceLocator ForText(SourceText text) => new(text.Path, text.PositionOf);

    /// <summary>A locator that pins every offset to one place (values without a file behind them).</summary>
    public static SourceLocator Fixed(SourceSpan span) => new(span.Path, _ => span.Start);
}
