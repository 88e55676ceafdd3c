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
    private readonly EvaluationContext _context;
    private readonly ScriptObject _functions;

    public ExpressionEvaluator(EvaluationContext context)
    {
        _context = context;
        _functions = new ScriptObject();
        GitHubFunctions.AddTo(_functions, context.Status);
    }

    /// <summary>The value of one expression, typed (string, bool, long, decimal, list, map, null).</summary>
    public object? Evaluate(ExpressionPart part) => EvaluateTracked(part).Value;

    /// <summary>
    /// The value of one expression and whether it read a secret on the way. When it did and evaluation fails,
    /// the reason is withheld: Scriban and the functions quote the values they fail on.
    /// </summary>
    public TrackedValue EvaluateTracked(ExpressionPart part)
    {
        if (part.Syntax is null)
        {
            throw new ExpressionException(part.Span, $"'{part.Text.Trim()}' is not a valid expression");
        }

        var reads = new SecretReads();
        try
        {
            var value = ScriptValues.FromScript(NewContext(reads).Evaluate(part.Syntax));
            return new TrackedValue(value, reads.Any);
        }
        catch (ScriptRuntimeException ex)
        {
            throw new ExpressionException(part.SpanOf(Math.Max(0, ex.Span.Start.Offset), 1), $"cannot evaluate '{part.Text.Trim()}': {Reason(ex.OriginalMessage, reads)}");
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or FormatException or OverflowException)
        {
            throw new ExpressionException(part.Span, $"cannot evaluate '{part.Text.Trim()}': {Reason(ex.Message, reads)}");
        }
    }

    private static string Reason(string message, SecretReads reads) =>
        reads.Any ? "it reads a secret, so the reason is withheld (it could quote a value computed from the secret)" : message;

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
    public string RenderTemplate(string text, string path) => RenderTemplateTracked(text, path).Text;

    /// <summary>
    /// Renders a template file, and lists every value it wrote once it had read a secret: from then on any
    /// variable may hold a value computed from the secret, so each written value is treated as secret.
    /// </summary>
    public TrackedTemplate RenderTemplateTracked(string text, string path)
    {
        var template = Template.Parse(text, path);
        if (template.HasErrors)
        {
            throw new ExpressionException(Text.SourceSpan.None(path), string.Join("; ", template.Messages));
        }

        var reads = new SecretReads();
        var context = NewContext(reads, new TrackingTemplateContext(reads));
        try
        {
            var rendered = template.Render(context);
            return new TrackedTemplate(rendered, [.. ((TrackingTemplateContext)context).SecretWrites]);
        }
        catch (ScriptRuntimeException ex)
        {
            throw new ExpressionException(Text.SourceSpan.At(path, ex.Span.Start.Line + 1, ex.Span.Start.Column + 1), Reason(ex.OriginalMessage, reads));
        }
    }

    /// <summary>Records what a template writes after its first secret read.</summary>
    private sealed class TrackingTemplateContext(SecretReads reads) : TemplateContext
    {
        public List<object?> SecretWrites { get; } = [];

        public override TemplateContext Write(Scriban.Parsing.SourceSpan span, object? textAsObject)
        {
            if (reads.Any)
            {
                SecretWrites.Add(ScriptValues.FromScript(textAsObject));
            }

            return base.Write(span, textAsObject);
        }
    }

    /// <summary>A fresh context per evaluation: the values are wrapped anew, so what one evaluation reads never leaks into another's view.</summary>
    private TemplateContext NewContext(SecretReads reads, TemplateContext? context = null)
    {
        context ??= new TemplateContext();
        context.StrictVariables = true;
        context.EnableRelaxedMemberAccess = true; // a missing output reads as null, as in GitHub Actions
        context.LoopLimit = 1_000;
        context.RecursiveLimit = 64;
        context.ObjectRecursionLimit = 64;
        context.LimitToString = 100_000;
        context.MemberFilter = _ => false; // no member of any .NET object
        context.TemplateLoader = null;
        context.BuiltinObject.Remove("include");
        context.BuiltinObject.Remove("include_join");
        if (_context.Locals.Count > 0)
        {
            // Pushed first, so the context's own names and the functions are found before any local of that name.
            var secrets = _context.Secrets;
            context.PushGlobal(ScriptValues.ToTrackedObject(_context.Locals, (_, value) => Reveals(secrets, value), reads, eager: false));
        }

        context.PushGlobal(_functions);
        context.PushGlobal(Values(reads));
        return context;
    }

    private ScriptObject Values(SecretReads reads)
    {
        var secrets = _context.Secrets;
        var values = new ScriptObject();
        values.SetValue("inputs", ScriptValues.ToTrackedObject(_context.Inputs,
            (name, value) => secrets.Inputs.Contains(name) || Reveals(secrets, value), reads, eager: true), readOnly: true);
        values.SetValue("steps", ScriptValues.ToTrackedObject(_context.Steps,
            (id, value) => secrets.Steps.Contains(id) || Reveals(secrets, value), reads, eager: false), readOnly: true);
        values.SetValue("env", ScriptValues.ToTrackedObject(_context.Environment,
            (name, value) => secrets.Environment.Contains(name) || Reveals(secrets, value), reads, eager: false), readOnly: true);
        values.SetValue("run", ScriptValues.ToObject(_context.Run), readOnly: true);
        return values;
    }

    private static bool Reveals(SecretSources secrets, object? value) =>
        !ReferenceEquals(secrets, SecretSources.None) && value is not (null or bool) && secrets.Reveals(ScriptValues.ToText(value));
}
