using System.Collections.Immutable;
using System.Globalization;
using Runbook.Execution.Actions;
using Runbook.Language.Expressions;
using Runbook.Language.Model;
using Runbook.Language.Expressions.Evaluation;

namespace Runbook.Execution.Engine;

/// <summary>An expression that could not be evaluated at run time; the message names the expression and why.</summary>
public sealed class RunExpressionException(string message) : Exception(message);

/// <summary>Set when a step's own expressions read a secret: a script that received one may print it transformed.</summary>
internal sealed class SecretUse
{
    private int _count;

    public bool Any => Volatile.Read(ref _count) > 0;

    public void Mark() => Interlocked.Increment(ref _count);
}

/// <summary>
/// Evaluates a step's expressions against the run as it stands: inputs, completed steps' outputs and
/// status, the declared environment and the run itself. A value computed from a secret (by any access form,
/// filter or function) is added to the masker before anyone sees it.
/// </summary>
internal sealed class RunExpressions
{
    private readonly ExpressionInputs _run;
    private readonly ExpressionEvaluator _evaluator;
    private readonly SecretUse? _use;

    public RunExpressions(ExpressionInputs inputs)
        : this(inputs, new ExpressionEvaluator(new EvaluationContext(inputs.Inputs, inputs.Steps, inputs.Environment, inputs.Run, inputs.Status)
        {
            Secrets = new SecretSources(inputs.SecretInputs, inputs.SecretSteps, inputs.SecretEnvironment, inputs.Masker.Reveals),
            Locals = inputs.Locals,
        }), null)
    {
    }

    private RunExpressions(ExpressionInputs inputs, ExpressionEvaluator evaluator, SecretUse? use)
    {
        _run = inputs;
        _evaluator = evaluator;
        _use = use;
    }

    /// <summary>The same view of the run, with the names one item of a fan-out reads (<c>item</c>, <c>item_index</c>).</summary>
    public RunExpressions WithLocals(IReadOnlyDictionary<string, object?> locals) => new(_run with { Locals = locals });

    /// <summary>The same view, also marking <paramref name="use"/> whenever an expression reads a secret.</summary>
    public RunExpressions Recording(SecretUse use) => new(_run, _evaluator, use);

    public string Text(TemplateString template) => string.Concat(template.Parts.Select(p => p switch
    {
        LiteralPart l => l.Text,
        ExpressionPart e => TextOf(e),
        _ => string.Empty,
    }));

    /// <summary>For the shell: the value of one expression, as text.</summary>
    public string TextOf(ExpressionPart part) => ExpressionValues.ToText(Evaluate(part));

    public object? Value(TemplateString template) => template.Parts is [ExpressionPart single] ? Evaluate(single) : Text(template);

    public bool Condition(TemplateString template) => ExpressionValues.Truthy(Value(template));

    public bool Truthy(ArgumentValue value) => ExpressionValues.Truthy(Argument(value));

    public object? Argument(ArgumentValue value) => value switch
    {
        ScalarArgument { Text.IsLiteral: true } s => Literal(s),
        ScalarArgument s => Value(s.Text),
        ListArgument l => l.Items.Select(Argument).ToList(),
        MapArgument m => m.Entries.ToDictionary(e => e.Name, e => Argument(e.Value), StringComparer.Ordinal) as IReadOnlyDictionary<string, object?>,
        _ => null,
    };

    /// <summary>The value, or the text as written when it cannot be evaluated yet (for approval questions).</summary>
    public object? TryArgument(ArgumentValue value)
    {
        try
        {
            return Argument(value);
        }
        catch (RunExpressionException)
        {
            return value.Raw;
        }
    }

    public string TryText(TemplateString template)
    {
        try
        {
            return Text(template);
        }
        catch (RunExpressionException)
        {
            return template.Raw;
        }
    }

    /// <summary>Text known before any step runs (from inputs alone), or null.</summary>
    public string? TryStaticText(ArgumentValue value)
    {
        if (value.Templates().SelectMany(t => t.Expressions).Any(e => e.Text.Contains("steps.", StringComparison.Ordinal)))
        {
            return null;
        }

        try
        {
            return ExpressionValues.ToText(Argument(value));
        }
        catch (RunExpressionException)
        {
            return null;
        }
    }

    /// <summary>Renders a Scriban template (a long status update, read from its file by the caller) with the same locked-down context.</summary>
    public string RenderTemplateText(string text, string path)
    {
        try
        {
            var rendered = _evaluator.RenderTemplateTracked(text, path);
            foreach (var written in rendered.SecretWrites)
            {
                _run.Masker.AddValue(written);
            }

            if (!rendered.SecretWrites.IsEmpty)
            {
                _use?.Mark();
            }

            return rendered.Text;
        }
        catch (ExpressionException ex)
        {
            throw new RunExpressionException(ex.Message);
        }
    }

    private object? Evaluate(ExpressionPart part)
    {
        try
        {
            var (value, readsSecret) = _evaluator.EvaluateTracked(part);
            if (readsSecret)
            {
                // A value computed from a secret is a secret too: masked before it is used anywhere.
                _run.Masker.AddValue(value);
                _use?.Mark();
            }

            return value;
        }
        catch (ExpressionException ex)
        {
            throw new RunExpressionException(ex.Message);
        }
    }

    private static object? Literal(ScalarArgument s) => s.Kind switch
    {
        ScalarKind.Null => null,
        ScalarKind.Boolean => s.Text.Raw is "true" or "True" or "TRUE",
        ScalarKind.Number => long.TryParse(s.Text.Raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) ? l
            : decimal.Parse(s.Text.Raw, NumberStyles.Float, CultureInfo.InvariantCulture),
        _ => s.Text.Raw,
    };
}
