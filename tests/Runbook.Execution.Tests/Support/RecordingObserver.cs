using System.Collections.Concurrent;
using Runbook.Execution.Engine;

namespace Runbook.Execution.Tests.Support;

internal sealed class RecordingObserver : IRunObserver
{
    private readonly ConcurrentQueue<RunEvent> _events = new();

    public IReadOnlyList<RunEvent> Events => [.. _events];

    public void On(RunEvent runEvent) => _events.Enqueue(runEvent);

    public IEnumerable<string> Started => Events.OfType<StepStartedEvent>().Select(e => e.StepId);
}
