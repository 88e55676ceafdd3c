using System.Collections.Immutable;
using Runbook.Language.Diagnostics;
using Scriban.Syntax;

namespace Runbook.Language.Expressions;

// Interim reference collector; replaced by the full checker on the expressions branch.
public static class ExpressionChecker
{
    public static ExpressionReferences Check(ExpressionPart part, IExpressionScope scope, DiagnosticBag diagnostics)
    {
        var inputs = ImmutableArray.CreateBuilder<ExpressionReference>();
        var steps = ImmutableArray.CreateBuilder<ExpressionReference>();
        Walk(part.Syntax);
        return new ExpressionReferences(inputs.ToImmutable(), steps.ToImmutable(), []);

        void Walk(ScriptNode? node)
        {
            if (node is null)
            {
                return;
            }

            if (node is ScriptMemberExpression { Target: ScriptVariableGlobal root, Member: { } member })
            {
                var span = part.SpanOf(member.Span.Start.Offset, member.Span.Length);
                if (root.Name == "inputs")
                {
                    inputs.Add(new ExpressionReference(member.Name, span));
                }
                else if (root.Name == "steps")
                {
                    steps.Add(new ExpressionReference(member.Name, span));
                }
            }

            foreach (var child in node.Children)
            {
                Walk(child);
            }
        }
    }
}
