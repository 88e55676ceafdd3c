using System.Collections.Immutable;
using Runbook.Language;

namespace Runbook.Execution.Engine;

/// <summary>What to run and how: everything <c>runbook exec</c> decided before the first step.</summary>
/// <param name="Inputs">Typed input values, secrets resolved from their sources.</param>
/// <param name="ApprovalScope">
/// For a child run (<c>playbook.run</c>): the run people approve its gates through (the top parent) and the path of
/// step ids down to this child (<c>sub/</c>); its approval commands name those, so one run id serves the whole tree.
/// </param>
/// <param name="PreApproved">Steps approved on the command line (<c>--approve STEP</c>); with <see cref="ApproveAll"/>, every gate.</param>
public sealed record RunRequest(
    LoadedPlaybook Playbook,
    string Provider,
    ImmutableDictionary<string, object?> Inputs,
    string Initiator,
    bool DryRun = false,
    ImmutableHashSet<string>? PreApproved = null,
    bool ApproveAll = false,
    int MaxParallel = 4,
    bool RollbackOnInterrupt = false,
    string? RunId = null,
    string? ParentRunId = null,
    ImmutableDictionary<string, string>? Settings = null,
    ImmutableDictionary<string, string>? ServiceNames = null,
    ApprovalScope? ApprovalScope = null);

/// <summary>The run a child's gates are approved through, and the step path from it down to the child (ending in '/').</summary>
public sealed record ApprovalScope(string RunId, string StepPath);

/// <summary>How a run ended, and the exit code the CLI returns for it.</summary>
public sealed record RunResult(string RunId, Journal.RunStatus Status, string Summary)
{
    public int ExitCode => Status switch
    {
        Journal.RunStatus.Succeeded => 0,
        Journal.RunStatus.RolledBack or Journal.RunStatus.Failed => 1,
        Journal.RunStatus.AwaitingApproval or Journal.RunStatus.Denied => 3,
        Journal.RunStatus.RollbackIncomplete => 4,
        Journal.RunStatus.Interrupted => 130,
        _ => 1,
    };
}
