using System.Collections.Immutable;
using Runbook.Language.Text;
using Scriban.Syntax;

namespace Runbook.Language.Expressions;

/// <summary>One piece of a string value: literal text or a <c>${{ }}</c> expression.</summary>
public abstract record TemplatePart;

public sealed record LiteralPart(string Text) : TemplatePart;

/// <summary>
/// The text between <c>${{</c> and <c>}}</c>, its Scriban syntax (null when it did not parse), and where it
/// stands in the file. <see cref="Offset"/> is the offset of <see cref="Text"/> within the whole string value.
/// </summary>
public sealed record ExpressionPart(string Text, ScriptExpression? Syntax, SourceLocator Locator, int Offset) : TemplatePart
{
    public SourceSpan Span => SpanOf(0, Text.Length);

    /// <summary>The file span of characters <paramref name="start"/>..+<paramref name="length"/> of <see cref="Text"/>.</summary>
    public SourceSpan SpanOf(int start, int length) => Locator.Span(Offset + start, Offset + start + length);

    public override string ToString() => "${{ " + Text.Trim() + " }}";
}

/// <summary>A string value from a playbook, split into literal text and expressions.</summary>
public sealed record TemplateString(string Raw, ImmutableArray<TemplatePart> Parts, SourceSpan Span)
{
    public static TemplateString Literal(string text, SourceSpan span) => new(text, [new LiteralPart(text)], span);

    /// <summary>No expression inside: the value is known without evaluating anything.</summary>
    public bool IsLiteral => Parts.All(p => p is LiteralPart);

    /// <summary>The whole value is one expression (<c>"${{ x }}"</c>), so it evaluates to a typed value, not text.</summary>
    public bool IsSingleExpression => Parts is [ExpressionPart];

    public IEnumerable<ExpressionPart> Expressions => Parts.OfType<ExpressionPart>();

    public override string ToString() => Raw;
}
