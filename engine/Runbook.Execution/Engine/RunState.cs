using System.Collections.Immutable;
using System.Text.Json;
using Runbook.Execution.Actions;
using Runbook.Execution.Journal;

namespace Runbook.Execution.Engine;

/// <summary>
/// A run as its journal tells it, folded event by event. Resume, rollback, approve and show all start here,
/// so there is one reading of the journal, not several.
/// </summary>
public sealed record RunState(
    string RunId,
    string PlaybookPath,
    string PlaybookName,
    string PlaybookHash,
    string Provider,
    string Initiator,
    bool DryRun,
    ImmutableDictionary<string, object?> Inputs,
    ImmutableDictionary<string, StepState> Steps,
    ImmutableList<ApprovalDecision> Approvals,
    ImmutableDictionary<string, PendingApproval> ApprovalsRequested,
    RunStatus Status,
    string? AwaitingStep,
    bool RolledBack,
    ImmutableDictionary<string, object?> Settings,
    ImmutableDictionary<string, object?> ServiceNames)
{
    /// <summary>
    /// The approver groups (name → members) in force when the run started, as journaled; null for a run
    /// journaled before the engine recorded them.
    /// </summary>
    public ImmutableDictionary<string, ImmutableArray<string>>? ApproverGroups { get; init; }

    /// <summary>The process that last started or resumed the run; null when the journal does not say.</summary>
    public EngineProcess? Engine { get; init; }

    /// <summary>The items of each fan-out step that started, as journaled (step id → items and keys).</summary>
    public ImmutableDictionary<string, FanOutList> FanOuts { get; init; } = ImmutableDictionary<string, FanOutList>.Empty.WithComparers(StringComparer.Ordinal);

    /// <summary>The child run of each <c>playbook.run</c> step (or item) that started one: its id and the step's attempt.</summary>
    public ImmutableDictionary<string, ChildRun> ChildRuns { get; init; } = ImmutableDictionary<string, ChildRun>.Empty.WithComparers(StringComparer.Ordinal);

    /// <summary>The run this one is a child of (a <c>playbook.run</c> step's), or null for a run started on its own.</summary>
    public string? ParentRunId { get; init; }

    public static RunState Empty(string runId) => new(runId, string.Empty, string.Empty, string.Empty, string.Empty, string.Empty, false,
        ImmutableDictionary<string, object?>.Empty, ImmutableDictionary<string, StepState>.Empty, [],
        ImmutableDictionary<string, PendingApproval>.Empty, RunStatus.Running, null, false,
        ImmutableDictionary<string, object?>.Empty, ImmutableDictionary<string, object?>.Empty);

    public static RunState FromJournal(string runId, IEnumerable<JournalEntry> entries) =>
        entries.Aggregate(Empty(runId), (state, entry) => state.Apply(entry));

    public StepState Step(string id) => Steps.GetValueOrDefault(id) ?? StepState.Pending(id);

    public IEnumerable<ApprovalDecision> DecisionsFor(string stepId) => Approvals.Where(a => a.StepId == stepId);

    public RunState Apply(JournalEntry entry)
    {
        using var doc = JsonDocument.Parse(string.IsNullOrEmpty(entry.Data) ? "{}" : entry.Data);
        var data = doc.RootElement;
        var id = entry.StepId ?? string.Empty;
        return entry.Kind switch
        {
            JournalEventKind.RunStarted => this with
            {
                PlaybookPath = Text(data, "path"),
                PlaybookName = Text(data, "playbook"),
                PlaybookHash = Text(data, "playbook_hash"),
                Provider = Text(data, "provider"),
                Initiator = Text(data, "initiator"),
                DryRun = data.TryGetProperty("dry_run", out var dry) && dry.ValueKind == JsonValueKind.True,
                Inputs = Map(data, "inputs"),
                Settings = Map(data, "settings"),
                ServiceNames = Map(data, "services"),
                ApproverGroups = Groups(data),
                Engine = EngineProcess.FromData(data),
                ParentRunId = Text(data, "parent_run") is { Length: > 0 } parent ? parent : null,
                Status = RunStatus.Running,
            },
            JournalEventKind.StepStarted => With(id, s => s with { Status = StepStatus.Started, Attempts = Int(data, "attempt", s.Attempts + 1) }),
            JournalEventKind.StepSucceeded => With(id, s => s with
            {
                Status = StepStatus.Succeeded,
                Outputs = Map(data, "outputs"),
                CompletedAt = entry.Sequence,
                Error = null,
            }),
            JournalEventKind.StepFailed when data.TryGetProperty("will_retry", out var retry) && retry.ValueKind == JsonValueKind.True =>
                With(id, s => s with { Error = Text(data, "error") }),
            JournalEventKind.StepFailed => With(id, s => s with { Status = StepStatus.Failed, Error = Text(data, "error"), Outputs = Map(data, "outputs"), CompletedAt = entry.Sequence }),
            JournalEventKind.StepSkipped => With(id, s => s with { Status = StepStatus.Skipped, SkipReason = Text(data, "reason") }),
            JournalEventKind.ApprovalRequested => this with
            {
                ApprovalsRequested = ApprovalsRequested.SetItem(id, new PendingApproval(Text(data, "hash"),
                    DateTimeOffset.TryParse(Text(data, "expires_at"), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var expires) ? expires : null)),
            },
            JournalEventKind.ApprovalDecided => this with
            {
                Approvals = Approvals.Add(new ApprovalDecision(id, Text(data, "decision"), Text(data, "by"),
                    data.TryGetProperty("comment", out var c) ? c.GetString() : null, Text(data, "hash"),
                    data.TryGetProperty("pre_approved", out var p) && p.ValueKind == JsonValueKind.True, entry.At)),
            },
            JournalEventKind.CompensationSucceeded => With(id, s => s with { Compensated = true }),
            JournalEventKind.CompensationFailed => With(id, s => s with { CompensationFailed = true }),
            JournalEventKind.RollbackFinished => this with { RolledBack = true },
            JournalEventKind.RunPaused => this with { Status = RunStatus.AwaitingApproval, AwaitingStep = Text(data, "awaiting") },
            JournalEventKind.RunResumed => this with { Status = RunStatus.Running, AwaitingStep = null, Engine = EngineProcess.FromData(data) },
            JournalEventKind.RunInterrupted => this with { Status = RunStatus.Interrupted },
            JournalEventKind.FanOutStarted => this with { FanOuts = FanOuts.SetItem(id, FanOutOf(data)) },
            JournalEventKind.ChildRunStarted => this with { ChildRuns = ChildRuns.SetItem(id, new ChildRun(Text(data, "child_run"), Int(data, "attempt", 1))) },
            JournalEventKind.RunFinished => this with { Status = RunStatuses.Parse(Text(data, "status")), AwaitingStep = null },
            _ => this,
        };
    }

    private RunState With(string id, Func<StepState, StepState> change) => this with { Steps = Steps.SetItem(id, change(Step(id))) };

    private static FanOutList FanOutOf(JsonElement data)
    {
        var keys = data.TryGetProperty("keys", out var k) && k.ValueKind == JsonValueKind.Array
            ? k.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : e.GetRawText()).ToImmutableArray()
            : [];
        var secret = data.TryGetProperty("secret", out var s) && s.ValueKind == JsonValueKind.True;
        var items = !secret && data.TryGetProperty("items", out var i) && i.ValueKind == JsonValueKind.Array
            ? i.EnumerateArray().Select(Values.FromJson).ToImmutableArray()
            : [];
        return new FanOutList(items, keys, secret);
    }

    private static string Text(JsonElement data, string name) =>
        data.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : string.Empty;

    private static int Int(JsonElement data, string name, int fallback) =>
        data.TryGetProperty(name, out var v) && v.TryGetInt32(out var i) ? i : fallback;

    private static ImmutableDictionary<string, ImmutableArray<string>>? Groups(JsonElement data) =>
        data.TryGetProperty("approver_groups", out var v) && v.ValueKind == JsonValueKind.Object
            ? v.EnumerateObject().ToImmutableDictionary(
                g => g.Name,
                g => g.Value.ValueKind == JsonValueKind.Array
                    ? g.Value.EnumerateArray().Where(m => m.ValueKind == JsonValueKind.String).Select(m => m.GetString()!).ToImmutableArray()
                    : ImmutableArray<string>.Empty,
                StringComparer.Ordinal)
            : null;

    private static ImmutableDictionary<string, object?> Map(JsonElement data, string name) =>
        data.TryGetProperty(name, out var v) && Values.FromJson(v) is IReadOnlyDictionary<string, object?> map
            ? map.ToImmutableDictionary(StringComparer.Ordinal)
            : ImmutableDictionary<string, object?>.Empty;
}

/// <summary>The child run a <c>playbook.run</c> step started, and in which of the step's attempts.</summary>
public sealed record ChildRun(string RunId, int Attempt);

/// <summary>A gate that asked for approval: what is being approved (hash) and until when.</summary>
public sealed record PendingApproval(string Hash, DateTimeOffset? ExpiresAt);

public static class RunStatuses
{
    public static string ToName(this RunStatus status) => status switch
    {
        RunStatus.AwaitingApproval => "awaiting_approval",
        RunStatus.RolledBack => "rolled_back",
        RunStatus.RollbackIncomplete => "rollback_incomplete",
        _ => status.ToString().ToLowerInvariant(),
    };

    public static RunStatus Parse(string name) =>
        Enum.GetValues<RunStatus>().FirstOrDefault(s => s.ToName() == name, RunStatus.Failed);
}
