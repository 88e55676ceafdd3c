using System.Collections.Immutable;
using Runbook.Language.Expressions;
using Runbook.Language.Text;

namespace Runbook.Language.Model;

public enum FailureMode
{
    /// <summary>Stop the run and run the compensations of completed steps (the saga default).</summary>
    Rollback,

    /// <summary>Stop the run, leave everything as it is for a human.</summary>
    Stop,

    /// <summary>Record the failure and go on with the next step.</summary>
    Continue,
}

public enum BackoffKind
{
    Fixed,
    Linear,
    Exponential,
}

/// <summary>One step of a playbook.</summary>
public sealed record Step(
    string Id,
    SourceSpan Span,
    SourceSpan IdSpan,
    PhaseKind Phase,
    string? Name,
    StepAction Action,
    TemplateString? If,
    ImmutableArray<StepReference> Needs,
    bool Mutates,
    bool Idempotent,
    Duration? Timeout,
    RetryPolicy? Retry,
    FailureMode OnFailure,
    ApprovalGate? Approval,
    Compensation? Rollback,
    bool Irreversible,
    ImmutableArray<OutputDeclaration> Outputs)
{
    public string DisplayName => Name ?? Id;

    /// <summary>Set when the step runs once per item of a list or mapping (<c>for_each:</c>).</summary>
    public FanOut? ForEach { get; init; }
}

/// <summary>
/// A step's <c>for_each:</c>: the items (an expression, or a literal list or mapping), the name each item has in
/// expressions (<c>as:</c>, default <c>item</c>), how many items run at once, and whether the first failure stops
/// the items not yet started.
/// </summary>
public sealed record FanOut(ArgumentValue Items, string ItemName, int MaxParallel, bool FailFast, SourceSpan Span)
{
    public const string DefaultItemName = "item";

    /// <summary>The name of the item's 0-based position, also when <c>as:</c> renames the item.</summary>
    public const string IndexName = "item_index";
}

/// <summary>A reference to a step by id, as written in <c>needs</c>.</summary>
public sealed record StepReference(string Id, SourceSpan Span);

public sealed record OutputDeclaration(string Name, string? Description, SourceSpan Span)
{
    /// <summary>The declared type; null when none is declared (a run: step's output is then a string).</summary>
    public OutputType? Type { get; init; }
}

public sealed record RetryPolicy(int Attempts, Duration Interval, BackoffKind Backoff, Duration? MaxInterval, bool Jitter);

public sealed record ApprovalGate(
    ImmutableArray<string> Approvers,
    int MinApprovals,
    Duration? Timeout,
    TemplateString? Message,
    bool AllowSelfApproval,
    SourceSpan Span)
{
    /// <summary>On a fan-out step: one approval per item instead of one for the whole list (the default).</summary>
    public bool PerItem { get; init; }
}

/// <summary>The compensation of a step: what undoes it when a later step fails.</summary>
public sealed record Compensation(StepAction Action, string? Name, Duration? Timeout, SourceSpan Span);

/// <summary>What a step does: a shell script or a named action.</summary>
public abstract record StepAction(SourceSpan Span);

public sealed record RunAction(
    SourceSpan Span,
    TemplateString Script,
    string Shell,
    TemplateString? WorkingDirectory,
    ImmutableArray<Argument> Environment) : StepAction(Span);

public sealed record UsesAction(SourceSpan Span, string Name, ImmutableArray<Argument> With) : StepAction(Span)
{
    public Argument? Find(string name) => With.FirstOrDefault(a => a.Name == name);
}
