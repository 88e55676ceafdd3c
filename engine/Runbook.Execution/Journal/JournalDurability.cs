using System.Text.Json;

namespace Runbook.Execution.Journal;

/// <summary>
/// Which appends must be on disk before the append returns, and which may ride on the next one that is
/// (docs/execution.md, "The durability rule"). Every append is visible to other processes when it returns;
/// this decides only what survives the machine losing power.
/// </summary>
/// <remarks>
/// Both journals keep appends in one ordered log (SQLite's write-ahead log, PostgreSQL's WAL), and a sync
/// makes everything before it durable too, so what survives a power loss is always a prefix of the appends,
/// ending at or after the last synced one. A record protects something only if losing it could make a
/// resume do the wrong thing: a mutating step's start (without it a resume would run the step again as if
/// it never began), a human's decision, a pause that waits for people, the run's end. A read-only step's
/// start, any step's end, a skip, a fan-out's item list and the run's start protect nothing on their own:
/// lost with the tail of the log, the resume re-runs a read-only step, or asks about a mutating step whose
/// synced start it still has — exactly what it does after the engine died in the middle of that step.
/// </remarks>
public static class JournalDurability
{
    /// <summary>True when the append must be synced before it returns; false when it may ride on the next sync.</summary>
    public static bool MustSync(JournalEventKind kind, JsonElement data) => kind switch
    {
        // A start that does not say it is read-only is treated as mutating: unknown means sync.
        JournalEventKind.StepStarted => !(data.ValueKind == JsonValueKind.Object
            && data.TryGetProperty("mutates", out var mutates) && mutates.ValueKind == JsonValueKind.False),

        // "resume --mark-done" records a human's word that the step took effect: never lose it.
        JournalEventKind.StepSucceeded => data.ValueKind == JsonValueKind.Object && data.TryGetProperty("marked_done_by", out _),

        JournalEventKind.RunStarted
            or JournalEventKind.StepFailed
            or JournalEventKind.StepSkipped
            or JournalEventKind.FanOutStarted
            or JournalEventKind.CompensationSucceeded
            or JournalEventKind.CompensationFailed => false,

        // The run's end, pauses, interruptions, resumes, approvals, rollback's start and end, each compensation's start.
        _ => true,
    };
}
