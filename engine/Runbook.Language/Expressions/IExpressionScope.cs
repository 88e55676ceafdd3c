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

    /// <summary>True when the step runs once per item (for_each): its one output is <c>items</c>, a list of each item's outputs.</summary>
    bool IsFanOut(string stepId) => false;

    /// <summary>The names bound here only (a for_each step's item and <c>item_index</c>), with what is known of them.</summary>
    IReadOnlyDictionary<string, LocalName> Locals => NoLocals;

    /// <summary>The item names of the playbook's for_each steps: read where they are not bound, each is RB0214.</summary>
    IReadOnlyCollection<string> ItemNames => [];

    private static readonly IReadOnlyDictionary<string, LocalName> NoLocals = new Dictionary<string, LocalName>();
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

/// <summary>What the checker knows of a name bound inside one step.</summary>
/// <param name="Name">As written in expressions.</param>
/// <param name="Type">Its type when known (a list input's <c>items:</c>, <c>item_index</c>); null when not.</param>
/// <param name="Members">The only members it has (a mapping's entry: key, value); null when any may be read.</param>
/// <param name="Origin">What it is, for messages: "the for_each item", "the for_each position".</param>
public sealed record LocalName(string Name, InputType? Type, IReadOnlyCollection<string>? Members, string Origin);
