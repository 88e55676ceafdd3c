namespace Runbook.Language.Text;

/// <summary>The decoded text of one playbook file, with a line index for mapping offsets to positions.</summary>
public sealed class SourceText
{
    private readonly int[] _lineStarts;

    public SourceText(string path, string text)
    {
        Path = path;
        Text = text;
        var starts = new List<int> { 0 };
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                starts.Add(i + 1);
            }
        }

        _lineStarts = [.. starts];
    }

    public string Path { get; }

    public string Text { get; }

    public int LineCount => _lineStarts.Length;

    /// <summary>1-based line and column of a character offset.</summary>
    public SourcePosition PositionOf(int offset)
    {
        offset = Math.Clamp(offset, 0, Text.Length);
        var line = Array.BinarySearch(_lineStarts, offset);
        if (line < 0)
        {
            line = ~line - 1;
        }

        return new SourcePosition(line + 1, offset - _lineStarts[line] + 1);
    }

    /// <summary>The text of a 1-based line, without its line break.</summary>
    public string LineText(int line)
    {
        if (line < 1 || line > _lineStarts.Length)
        {
            return string.Empty;
        }

        var start = _lineStarts[line - 1];
        var end = line < _lineStarts.Length ? _lineStarts[line] : Text.Length;
        return Text[start..end].TrimEnd('\n', '\r');
    }

    public SourceSpan Span(int startOffset, int endOffset) =>
        new(Path, PositionOf(startOffset), PositionOf(endOffset));
}
