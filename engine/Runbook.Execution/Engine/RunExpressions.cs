using System.Collections.Immutable;
using System.Globalization;
using Runbook.Execution.Actions;
using Runbook.Language.Expressions;
using Runbook.Language.Model;
using Runbook.Language.Expressions.Evaluation;

namespace Runbook.Execution.Engine;

/// <summary>An expression that could not be evaluated at run time; the message names the expression and why.</summary>
public sealed class RunExpressionException(string message) : Exception(message);

/// <summary>
/// Evaluates a step's expressions against the run as it stands: inputs, completed steps' outputs and
/// status, the environment and the run itself. Values derived from a secret input are added to the masker.
/// </summary>
internal sealed class RunExpressions(Executor.ExpressionInputs inputs)
{
    private readonly ExpressionEvaluator _evaluator = new(new EvaluationContext(
        inputs.Inputs,
        inputs.Steps,
        Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (object?)e.Value?.ToString(), StringComparer.Ordinal),
        inputs.Run,
        inputs.Status));

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
            var rendered = _evaluator.RenderTemplate(text, path);
            if (inputs.SecretInputs.Any(s => text.Contains("inputs." + s, StringComparison.Ordinal)))
            {
                inputs.Masker.Add(rendered);
            }

            return rendered;
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
            var value = _evaluator.Evaluate(part);
            if (inputs.SecretInputs.Any(s => part.Text.Contains("inputs." + s, StringComparison.Ordinal)))
            {
                // A value derived from a secret is a secret too.
                inputs.Masker.Add(ExpressionValues.ToText(value));
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
