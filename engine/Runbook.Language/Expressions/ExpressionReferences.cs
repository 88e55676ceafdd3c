using System.Collections.Immutable;
using Runbook.Language.Text;

namespace Runbook.Language.Expressions;

/// <summary>A name an expression reads, with where it is written.</summary>
public sealed record ExpressionReference(string Name, SourceSpan Span);

/// <summary>What one expression reads: inputs, steps (<c>steps.X…</c>), and environment variables.</summary>
public sealed record ExpressionReferences(
    ImmutableArray<ExpressionReference> Inputs,
    ImmutableArray<ExpressionReference> Steps,
    ImmutableArray<ExpressionReference> Environment)
{
    public static ExpressionReferences Empty { get; } = new([], [], []);

    /// <summary>The expression reads inputs as a whole (<c>toJSON(inputs)</c>) or by a computed key (<c>inputs[k]</c>): any input, secret ones included.</summary>
    public bool ReadsAnyInput { get; init; }
}
