using Scriban;
using Scriban.Parsing;
using Scriban.Runtime;
using Scriban.Syntax;

namespace Runbook.Language.Expressions.Evaluation;

/// <summary>
/// Evaluates expressions in a locked-down Scriban context: only the run's own values (no .NET object, no
/// member of one), no file access (include is removed), bounded loops, recursion and string sizes.
/// </summary>
public sealed class ExpressionEvaluator
{
    private readonly ScriptObject _globals;

    public ExpressionEvaluator(EvaluationContext context)
    {
        _globals = new ScriptObject();
        _globals.SetValue("inputs", ScriptValues.ToObject(context.Inputs), readOnly: true);
        _globals.SetValue("steps", ScriptValues.ToLazyObject(context.Steps), readOnly: true);
        _globals.SetValue("env", ScriptValues.ToLazyObject(context.Environment), readOnly: true);
        _globals.SetValue("run", ScriptValues.ToObject(context.Run), readOnly: true);
        GitHubFunctions.AddTo(_globals, context.Status);
    }

    /// <summary>The value of one expression, typed (string, bool, long, decimal, list, map, null).</summary>
    public object? Evaluate(ExpressionPart part)
    {
        if (part.Syntax is null)
        {
            throw new ExpressionException(part.Span, $"'{part.Text.Trim()}' is not a valid expression");
        }

        try
        {
            return ScriptValues.FromScript(NewContext().Evaluate(part.Syntax));
        }
        catch (ScriptRuntimeException ex)
        {
            throw new ExpressionException(part.SpanOf(Math.Max(0, ex.Span.Start.Offset), 1), $"cannot evaluate '{part.Text.Trim()}': {ex.OriginalMessage}");
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or FormatException or OverflowException)
        {
            throw new ExpressionException(part.Span, $"cannot evaluate '{part.Text.Trim()}': {ex.Message}");
        }
    }

    /// <summary>A whole-value expression keeps its type; anything else is interpolated text.</summary>
    public object? EvaluateValue(TemplateString template) => template.IsSingleExpression
        ? Evaluate((ExpressionPart)template.Parts[0])
        : Render(template);

    public string Render(TemplateString template) => string.Concat(template.Parts.Select(p => p switch
    {
        LiteralPart literal => literal.Text,
        ExpressionPart expression => ScriptValues.ToText(Evaluate(expression)),
        _ => string.Empty,
    }));

    /// <summary>An <c>if:</c>, with GitHub's truthiness.</summary>
    public bool EvaluateCondition(TemplateString template) => ScriptValues.Truthy(EvaluateValue(template));

    /// <summary>Renders a Scriban template file (a status-page update) with the same context and limits.</summary>
    public string RenderTemplate(string text, string path)
    {
        var template = Template.Parse(text, path);
        if (template.HasErrors)
        {
            throw new ExpressionException(Text.SourceSpan.None(path), string.Join("; ", template.Messages));
        }

        try
        {
            return template.Render(NewContext());
        }
        catch (ScriptRuntimeException ex)
        {
            throw new ExpressionException(Text.SourceSpan.At(path, ex.Span.Start.Line + 1, ex.Span.Start.Column + 1), ex.OriginalMessage);
        }
    }

    private TemplateContext NewContext()
    {
        var context = new TemplateContext
        {
            StrictVariables = true,
            EnableRelaxedMemberAccess = true, // a missing output reads as null, as in GitHub Actions
            LoopLimit = 1_000,
            RecursiveLimit = 64,
            ObjectRecursionLimit = 64,
            LimitToString = 100_000,
            MemberFilter = _ => false, // no member of any .NET object
            TemplateLoader = null,
        };
        context.BuiltinObject.Remove("include");
        context.BuiltinObject.Remove("include_join");
        context.PushGlobal(_globals);
        return context;
    }
}
