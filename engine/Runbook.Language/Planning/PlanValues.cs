using System.Globalization;
using Runbook.Language.Expressions;
using Runbook.Language.Model;
using Scriban.Syntax;

namespace Runbook.Language.Planning;

/// <summary>Renders values for a plan: known inputs substituted, secrets as ***, the rest as ⟨expression⟩.</summary>
internal sealed class PlanValues(IReadOnlyDictionary<string, object?> inputs, IReadOnlySet<string> secrets)
{
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

    private string RenderExpression(ExpressionPart part)
    {
        if (part.Syntax is ScriptMemberExpression { Target: ScriptVariableGlobal { Name: "inputs" }, Member: { } member })
        {
            if (secrets.Contains(member.Name))
            {
                return "***";
            }

            if (inputs.TryGetValue(member.Name, out var value))
            {
                return Format(value);
            }
        }

        return "⟨" + part.Text.Trim() + "⟩";
    }

    internal static string Format(object? value) => value switch
    {
        null => string.Empty,
        bool b => b ? "true" : "false",
        decimal d => d.ToString(CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };
}
