using System.Collections.Concurrent;
using Runbook.Execution.Actions;

namespace Runbook.Execution.Tests.Support;

/// <summary>Builds invocations for testing one action alone, and collects what it logs.</summary>
internal sealed class ActionContext(TimeSpan? httpTimeout = null) : IStepLog, IDisposable
{
    private readonly HttpClient _http = new() { Timeout = httpTimeout ?? TimeSpan.FromSeconds(100) };

    public ConcurrentQueue<(LogStream Stream, string Text)> Lines { get; } = new();

    public void Line(LogStream stream, string text) => Lines.Enqueue((stream, text));

    public StepInvocation Invocation(string action, IReadOnlyDictionary<string, object?> arguments, TimeProvider? time = null, string? folder = null) =>
        new("step", action, arguments, 1, this, new RunContext("run-1", "p.yaml", folder ?? Path.GetTempPath(), false, time ?? TimeProvider.System, _http));

    public void Dispose() => _http.Dispose();
}
