namespace Runbook.Language.Expressions.Evaluation;

/// <summary>The language's rules for values, for the executor and actions: text form and truthiness.</summary>
public static class ExpressionValues
{
    /// <summary>How a value reads when interpolated: invariant numbers, true/false, JSON for lists and maps, empty for null.</summary>
    public static string ToText(object? value) => ScriptValues.ToText(value);

    /// <summary>GitHub Actions' truthiness: false, 0, "", null are false.</summary>
    public static bool Truthy(object? value) => ScriptValues.Truthy(value);
}
