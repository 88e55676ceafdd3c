using System.Collections.Immutable;

namespace Runbook.Language.Planning;

/// <summary>
/// What a run would do, computed without network or credentials: every step in execution order with its
/// rendered arguments, gates and compensations. Values known only at run time appear as ⟨expression⟩.
/// </summary>
public sealed record Plan(
    string Playbook,
    string Path,
    string? Description,
    string? Severity,
    string Provider,
    PlanHashes Hashes,
    ImmutableArray<PlannedInput> Inputs,
    ImmutableArray<PlannedStep> Steps,
    ImmutableArray<PlannedRollback> RollbackPlan,
    string Mermaid)
{
    public int MutatingSteps => Steps.Count(s => s.Mutates && s.Condition != PlannedCondition.Never);

    public int ApprovalGates => Steps.Count(s => s.Approval is not null && s.Condition != PlannedCondition.Never);
}

/// <summary>SHA-256 of the playbook text, the inputs and the provider; exec refuses a plan whose hashes no longer match.</summary>
public sealed record PlanHashes(string Playbook, string Inputs, string Provider);

/// <summary>An input as the plan will use it. Secrets are always shown as ***.</summary>
public sealed record PlannedInput(string Name, string Type, string Value, string Origin);

public enum PlannedCondition
{
    /// <summary>No <c>if</c>, or one that holds for these inputs.</summary>
    Always,

    /// <summary>The <c>if</c> is false for these inputs: the step will be skipped.</summary>
    Never,

    /// <summary>The <c>if</c> depends on values known only at run time.</summary>
    RunTime,
}

public sealed record PlannedStep(
    int Order,
    string Id,
    string Name,
    string Phase,
    bool Parallel,
    string Action,
    string Summary,
    bool Mutates,
    bool Irreversible,
    PlannedCondition Condition,
    string? ConditionText,
    ImmutableArray<PlannedArgument> Arguments,
    ImmutableArray<string> After,
    PlannedApproval? Approval,
    PlannedRollback? Rollback,
    string? Timeout,
    string? Retry,
    string OnFailure)
{
    /// <summary>Set on the lines of a for_each step: one line per item when the items are known, else one for the step.</summary>
    public PlannedFanOut? ForEach { get; init; }
}

/// <summary>
/// A plan line's fan-out: the step it belongs to, its list as written, and — when the items are known before the
/// run — this item's position, key (the sub-step id is <c>step[key]</c>) and how many items there are.
/// </summary>
public sealed record PlannedFanOut(string Step, string Items, string ItemName, int MaxParallel, bool FailFast, bool PerItemApproval)
{
    public int? Index { get; init; }

    public string? Key { get; init; }

    public int? Count { get; init; }
}

public sealed record PlannedArgument(string Name, string Value);

public sealed record PlannedApproval(ImmutableArray<string> Approvers, int MinApprovals, string? Timeout, string? Message);

/// <summary>The compensation of one step, as it would run.</summary>
public sealed record PlannedRollback(string StepId, string Action, string Summary, ImmutableArray<PlannedArgument> Arguments);
