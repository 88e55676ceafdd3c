using System.Collections.Concurrent;
using Runbook.Execution.Actions;

namespace Runbook.Execution.Tests.Support;

/// <summary>An action that records its invocations and answers with a scripted outcome.</summary>
internal sealed class FakeAction(string name, Func<StepInvocation, StepOutcome>? behaviour = null) : IStepAction
{
    private readonly ConcurrentQueue<StepInvocation> _calls = new();

    public string Name { get; } = name;

    public IReadOnlyList<StepInvocation> Calls => [.. _calls];

    public TimeSpan Delay { get; init; } = TimeSpan.Zero;

    public async ValueTask<StepOutcome> ExecuteAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        _calls.Enqueue(invocation);
        if (Delay > TimeSpan.Zero)
        {
            await Task.Delay(Delay, cancellationToken);
        }

        return behaviour?.Invoke(invocation) ?? StepOutcome.Success(new Dictionary<string, object?> { ["echo"] = invocation.GetString("url") });
    }
}
