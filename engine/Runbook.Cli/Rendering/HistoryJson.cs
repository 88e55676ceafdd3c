using System.Text.Json;
using System.Text.Json.Serialization;
using Runbook.Execution.Engine;
using Runbook.Execution.Journal;

namespace Runbook.Cli.Rendering;

/// <summary>Source-generated JSON for `runbook history --format json` (schemas/history.schema.json): no reflection.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(HistoryDocument))]
internal sealed partial class HistoryJsonContext : JsonSerializerContext;

/// <summary>What history prints for scripts: the runs, newest first, and the locks held right now.</summary>
internal sealed record HistoryDocument(string Format, IReadOnlyList<HistoryRun> Runs, IReadOnlyList<HistoryLock> Locks)
{
    public const string CurrentFormat = "runbook.history/v1";

    public static string Serialize(IEnumerable<RunSummary> runs, IEnumerable<Lease> leases) => JsonSerializer.Serialize(
        new HistoryDocument(
            CurrentFormat,
            [.. runs.Select(r => new HistoryRun(r.RunId, r.Playbook, r.Provider, r.Initiator, r.DryRun, r.Status.ToName(), r.StartedAt, r.UpdatedAt, r.FinishedAt))],
            [.. leases.Select(l => new HistoryLock(l.Target, l.RunId, l.ExpiresAt))]),
        HistoryJsonContext.Default.HistoryDocument) + "\n";
}

/// <summary>One run; times are ISO 8601 with offset; finished_at is null while the run has not ended.</summary>
internal sealed record HistoryRun(string RunId, string Playbook, string Provider, string Initiator, bool DryRun, string Status,
    DateTimeOffset StartedAt, DateTimeOffset UpdatedAt, DateTimeOffset? FinishedAt);

/// <summary>A target lease a run holds, until it expires unless renewed.</summary>
internal sealed record HistoryLock(string Target, string RunId, DateTimeOffset ExpiresAt);
