using System.Collections.Immutable;
using Runbook.Language.Diagnostics;
using Runbook.Language.Text;
using Runbook.Language.Yaml;
using Scriban;
using Scriban.Parsing;
using SourceSpan = Runbook.Language.Text.SourceSpan;
using Scriban.Syntax;

namespace Runbook.Language.Expressions;

/// <summary>
/// Splits a string value at <c>${{ … }}</c> and parses each expression with Scriban. Only <c>${{</c> opens an
/// expression, so Go templates such as <c>{{.State.Health.Status}}</c> pass through untouched.
/// </summary>
public static class TemplateParser
{
    private const string Open = "${{";
    private const string Close = "}}";

    public static TemplateString Parse(YamlScalar scalar, DiagnosticBag diagnostics) =>
        Parse(scalar.Value, scalar.Locator(), scalar.Span, diagnostics);

    public static TemplateString Parse(string value, SourceLocator locator, SourceSpan span, DiagnosticBag diagnostics)
    {
        if (!value.Contains(Open, StringComparison.Ordinal))
        {
            return TemplateString.Literal(value, span);
        }

        var parts = ImmutableArray.CreateBuilder<TemplatePart>();
        var position = 0;
        while (position < value.Length)
        {
            var open = value.IndexOf(Open, position, StringComparison.Ordinal);
            if (open < 0)
            {
                parts.Add(new LiteralPart(value[position..]));
                break;
            }

            if (open > position)
            {
                parts.Add(new LiteralPart(value[position..open]));
            }

            var start = open + Open.Length;
            var close = FindClose(value, start);
            if (close < 0)
            {
                diagnostics.Add(Descriptors.UnterminatedExpression, locator.Span(open, value.Length),
                    "'${{' opens an expression that is never closed", "close it with '}}'");
                parts.Add(new LiteralPart(value[open..]));
                break;
            }

            var text = value[start..close];
            parts.Add(new ExpressionPart(text, ParseExpression(text, locator, start, diagnostics), locator, start));
            position = close + Close.Length;
        }

        return new TemplateString(value, parts.ToImmutable(), span);
    }

    /// <summary>The first <c>}}</c> outside a string literal.</summary>
    private static int FindClose(string value, int start)
    {
        char? quote = null;
        for (var i = start; i < value.Length; i++)
        {
            var c = value[i];
            if (quote is { } q)
            {
                if (c == '\\' && q == '"')
                {
                    i++;
                }
                else if (c == q)
                {
                    quote = null;
                }
            }
            else if (c is '"' or '\'' or '`')
            {
                quote = c;
            }
            else if (c == '}' && i + 1 < value.Length && value[i + 1] == '}')
            {
                return i;
            }
        }

        return -1;
    }

    private static ScriptExpression? ParseExpression(string text, SourceLocator locator, int offset, DiagnosticBag diagnostics)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            diagnostics.Add(Descriptors.ExpressionSyntax, locator.Span(offset, offset + text.Length),
                "empty expression '${{ }}'", "write an expression such as ${{ inputs.service }}, or remove the braces");
            return null;
        }

        var template = Template.Parse(text, lexerOptions: new LexerOptions { Mode = ScriptMode.ScriptOnly });
        if (template.HasErrors)
        {
            foreach (var message in template.Messages.Where(m => m.Type == ParserMessageType.Error).Take(1))
            {
                diagnostics.Add(Descriptors.ExpressionSyntax,
                    locator.Span(offset + Math.Max(0, message.Span.Start.Offset), offset + Math.Max(0, message.Span.End.Offset)),
                    $"invalid expression: {message.Message.TrimEnd('.')}", "see docs/expressions.md for the expression syntax");
            }

            return null;
        }

        var statements = template.Page?.Body?.Statements;
        if (statements is [ScriptExpressionStatement { Expression: { } expression }]
            && expression is not ScriptAssignExpression)
        {
            return expression;
        }

        var first = statements is { Count: > 0 } ? statements[0] : null;
        var at = first is null ? 0 : first.Span.Start.Offset;
        var what = first switch
        {
            ScriptExpressionStatement { Expression: ScriptAssignExpression } => "an assignment",
            ScriptForStatement or ScriptWhileStatement => "a loop",
            null => "nothing",
            _ when statements!.Count > 1 => "more than one statement",
            _ => "a statement",
        };
        diagnostics.Add(Descriptors.ExpressionStatement, locator.Span(offset + at, offset + text.Length),
            $"'${{{{ }}}}' holds one expression, found {what}", "compare with '==' rather than assign with '=', and move logic into steps");
        return null;
    }
}
