using System.Collections.Immutable;
using Runbook.Language.Text;

namespace Runbook.Language.Yaml;

/// <summary>A YAML node with the span it was read from. Aliases resolve to the anchored node itself.</summary>
public abstract record YamlNode(SourceSpan Span)
{
    public abstract string KindName { get; }
}

public enum ScalarStyle
{
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

/// <summary>A scalar; <see cref="Source"/> and the offsets let expressions inside it map back to the file.</summary>
public sealed record YamlScalar(
    SourceSpan Span,
    string Value,
    ScalarStyle Style,
    SourceText Source,
    int StartOffset,
    int EndOffset) : YamlNode(Span)
{
    public override string KindName => "a scalar";

    /// <summary>True for an unquoted <c>null</c>, <c>~</c> or empty plain scalar.</summary>
    public bool IsNull => Style == ScalarStyle.Plain && Value is "" or "~" or "null" or "Null" or "NULL";

    /// <summary>Position in the file of the character at <paramref name="valueOffset"/> in <see cref="Value"/>.</summary>
    /// <remarks>
    /// Exact when the value appears verbatim in the source (plain, single-line quoted, block scalars);
    /// otherwise the nearest match, which is still the right line for every case seen in playbooks.
    /// </remarks>
    public SourcePosition PositionOf(int valueOffset) => Source.PositionOf(SourceOffsetOf(valueOffset));

    internal int SourceOffsetOf(int valueOffset)
    {
        // Walk value and source together: characters that match advance both; source-only characters
        // (quotes, indentation, escapes, folded breaks) advance the source alone.
        var text = Source.Text;
        var s = StartOffset;
        if (Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted)
        {
            s++;
        }
        else if (Style is ScalarStyle.Literal or ScalarStyle.Folded)
        {
            var lineEnd = text.IndexOf('\n', s);
            s = lineEnd < 0 ? text.Length : lineEnd + 1;
        }

        var end = Math.Min(EndOffset, text.Length);
        for (var v = 0; v < valueOffset && v < Value.Length && s < end; v++)
        {
            var c = Value[v];
            while (s < end && text[s] != c && (c != ' ' || text[s] != '\n'))
            {
                s++;
            }

            s++;
        }

        while (s < end && Style is ScalarStyle.Literal or ScalarStyle.Folded && text[s] == ' ' &&
               valueOffset < Value.Length && Value[valueOffset] != ' ')
        {
            s++;
        }

        return Math.Min(s, text.Length);
    }
}

public sealed record YamlSequence(SourceSpan Span, ImmutableArray<YamlNode> Items) : YamlNode(Span)
{
    public override string KindName => "a list";
}

public sealed record YamlMapping(SourceSpan Span, ImmutableArray<KeyValuePair<YamlScalar, YamlNode>> Entries) : YamlNode(Span)
{
    public override string KindName => "a mapping";

    public YamlNode? this[string key]
    {
        get
        {
            foreach (var (k, v) in Entries)
            {
                if (k.Value == key)
                {
                    return v;
                }
            }

            return null;
        }
    }
}
