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

    /// <summary>
    /// The type one output of a step has when the step completed, or null when it cannot be known (an unknown step
    /// or output, playbook.run's outputs). A skipped step's outputs are null whatever their type.
    /// </summary>
    KnownOutputType? OutputTypeOf(string stepId, string output) => null;
}

/// <summary>Where an output's type comes from: the checker's fix differs (declare a type, or convert the value).</summary>
public enum OutputTypeSource
{
    /// <summary>Declared under the step's <c>outputs:</c> with <c>type:</c>.</summary>
    Declared,

    /// <summary>A run: step's output without a declared type: text.</summary>
    UndeclaredRunOutput,

    /// <summary>The action's descriptor (or a run: step's own stdout, stderr, exit_code).</summary>
    Action,
}

/// <summary>The type of one output as the checker knows it.</summary>
public sealed record KnownOutputType(OutputType Type, OutputTypeSource Source);
