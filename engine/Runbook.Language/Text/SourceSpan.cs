namespace Runbook.Language.Text;

/// <summary>A 1-based line and column.</summary>
public readonly record struct SourcePosition(int Line, int Column)
{
    public override string ToString() => $"{Line}:{Column}";
}

/// <summary>Where a piece of a playbook stands in its file, so every later error can point at the YAML.</summary>
public sealed record SourceSpan(string Path, SourcePosition Start, SourcePosition End)
{
    public static SourceSpan None(string path) => new(path, new SourcePosition(1, 1), new SourcePosition(1, 1));

    public static SourceSpan At(string path, int line, int column) =>
        new(path, new SourcePosition(line, column), new SourcePosition(line, column));

    public int Line => Start.Line;

    public int Column => Start.Column;

    public override string ToString() => $"{Path}:{Start.Line}:{Start.Column}";
}
