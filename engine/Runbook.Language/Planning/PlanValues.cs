using System.Globalization;
using Runbook.Language.Diagnostics;
using Runbook.Language.Expressions;
using Runbook.Language.Expressions.Evaluation;
using Runbook.Language.Model;

namespace Runbook.Language.Planning;

/// <summary>
/// Renders values for a plan: an expression that reads only inputs with known values is evaluated; one that
/// reads a secret shows ***; one that reads steps, env or an input without a value shows as ⟨expression⟩.
/// </summary>
internal sealed class PlanValues(Playbook playbook, IReadOnlyDictionary<string, object?> inputs, IReadOnlyDictionary<string, object?>? locals = null)
{
    private readonly ExpressionEvaluator _evaluator = new(EvaluationContext.Empty with
    {
        Inputs = inputs,
        Secrets = SecretSources.None with { Inputs = [.. playbook.Inputs.Where(i => i.IsSecret).Select(i => i.Name)] },
        Locals = locals ?? EvaluationContext.Empty.Locals,
    });
    private readonly PermissiveScope _scope = new(playbook);

    /// <summary>The same values, plus one fan-out item's names (item or its as: name, and item_index).</summary>
    public PlanValues ForItem(IReadOnlyDictionary<string, object?> itemLocals) => new(playbook, inputs, itemLocals);

    /// <summary>The value of an expression when the plan can know it (it reads only known, non-secret inputs and items).</summary>
    public bool TryValue(ExpressionPart part, out object? value)
    {
        value = null;
        if (!CanEvaluate(part))
        {
            return false;
        }

        try
        {
            var tracked = _evaluator.EvaluateTracked(part);
            value = tracked.Value;
            return !tracked.ReadsSecret;
        }
        catch (ExpressionException)
        {
            return false;
        }
    }

    public string Render(TemplateString template) =>
        string.Concat(template.Parts.Select(p => p switch
        {
            LiteralPart l => l.Text,
            ExpressionPart e => RenderExpression(e),
            _ => string.Empty,
        }));

    public string Render(ArgumentValue value) => value switch
    {
        ScalarArgument s => Render(s.Text),
        ListArgument l => "[" + string.Join(", ", l.Items.Select(Render)) + "]",
        MapArgument m => "{" + string.Join(", ", m.Entries.Select(e => $"{e.Name}: {Render(e.Value)}")) + "}",
        _ => string.Empty,
    };

    /// <summary>Decides an <c>if</c> from the inputs alone where it can.</summary>
    public PlannedCondition Decide(TemplateString? condition)
    {
        if (condition is null)
        {
            return PlannedCondition.Always;
        }

        var rendered = Render(condition).Trim();
        return rendered switch
        {
            "true" => PlannedCondition.Always,
            "false" or "" or "0" => PlannedCondition.Never,
            _ => PlannedCondition.RunTime,
        };
    }

    private bool CanEvaluate(ExpressionPart part)
    {
        var references = ExpressionChecker.Check(part, _scope, new DiagnosticBag());
        return part.Syntax is not null && references.Steps.IsEmpty && references.Environment.IsEmpty
            && !references.Inputs.Any(i => !inputs.ContainsKey(i.Name) || playbook.FindInput(i.Name) is { IsSecret: true })
            && !ReadsRunOrStatus(part);
    }

    private string RenderExpression(ExpressionPart part)
    {
        var references = ExpressionChecker.Check(part, _scope, new DiagnosticBag());
        if (references.Inputs.Any(i => playbook.FindInput(i.Name) is { IsSecret: true }))
        {
            return "***";
        }

        if (part.Syntax is null || !references.Steps.IsEmpty || !references.Environment.IsEmpty
            || references.Inputs.Any(i => !inputs.ContainsKey(i.Name)) || ReadsRunOrStatus(part))
        {
            return Placeholder(part);
        }

        try
        {
            // inputs[k] or toJSON(inputs) may reach a secret no name in the text points at: the evaluator tells.
            var (value, readsSecret) = _evaluator.EvaluateTracked(part);
            return readsSecret ? "***" : ScriptValues.ToText(value);
        }
        catch (ExpressionException)
        {
            return Placeholder(part);
        }
    }

    private static string Placeholder(ExpressionPart part) => "⟨" + part.Text.Trim() + "⟩";

    /// <summary>run.* and the status functions are known only when the run happens.</summary>
    private static bool ReadsRunOrStatus(ExpressionPart part) =>
        part.Text.Contains("run.", StringComparison.Ordinal) || FunctionCatalog.GitHub.Keys
            .Where(f => FunctionCatalog.GitHub[f].Max == 0)
            .Any(f => part.Text.Contains(f + "(", StringComparison.Ordinal));

    /// <summary>Everything is visible: the plan only needs what an expression reads, not whether it may.</summary>
    private sealed class PermissiveScope(Playbook playbook) : IExpressionScope
    {
        public IEnumerable<InputDefinition> Inputs => playbook.Inputs;

        public IEnumerable<string> StepIds => playbook.Steps.Select(s => s.Id);

        public StepVisibility VisibilityOf(string stepId) => StepVisibility.Completed;

        public IReadOnlyCollection<string>? OutputsOf(string stepId) => null;
    }

    internal static string Format(object? value) => value switch
    {
        null => string.Empty,
        bool b => b ? "true" : "false",
        decimal d => d.ToString(CultureInfo.InvariantCulture),
        string s => s,
        System.Collections.IEnumerable list => Json.Write(list.Cast<object?>().ToList()),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };
}
