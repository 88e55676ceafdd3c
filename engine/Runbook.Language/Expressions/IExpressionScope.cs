using Runbook.Language.Model;

namespace Runbook.Language.Expressions;

/// <summary>Whether a step's outputs and status can be read at the point an expression stands.</summary>
public enum StepVisibility
{
    /// <summary>No step has this id.</summary>
    Unknown,

    /// <summary>The step exists but cannot have completed when the expression is evaluated.</summary>
    NotYetCompleted,

    /// <summary>The step has completed (or been skipped) before the expression is evaluated.</summary>
    Completed,
}

/// <summary>What an expression may refer to at one place in a playbook. The checker supplies it.</summary>
public interface IExpressionScope
{
    IEnumerable<InputDefinition> Inputs { get; }

    IEnumerable<string> StepIds { get; }

    StepVisibility VisibilityOf(string stepId);

    /// <summary>The outputs a step produces, or null when any name may appear (it cannot be known statically).</summary>
    IReadOnlyCollection<string>? OutputsOf(string stepId);
}
