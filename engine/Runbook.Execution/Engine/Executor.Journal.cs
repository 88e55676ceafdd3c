using Runbook.Execution.Journal;

namespace Runbook.Execution.Engine;

public sealed partial class Executor
{
    /// <summary>Masks, appends, and folds the event into the run's state: the journal first, then memory.</summary>
    private async Task<JournalEntry> AppendAsync(JournalEventKind kind, string? stepId, JsonData data, CancellationToken cancellationToken)
    {
        var entry = await _services.Journal.AppendAsync(_runId, kind, stepId, _services.Masker.Apply(data.ToJson()), cancellationToken)
            .ConfigureAwait(false);
        lock (_stateGate)
        {
            _state = _state.Apply(entry);
            Interlocked.Increment(ref _version);
        }

        return entry;
    }
}
