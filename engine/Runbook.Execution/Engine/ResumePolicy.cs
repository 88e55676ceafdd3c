using Runbook.Language.Graph;
using Runbook.Language.Model;

namespace Runbook.Execution.Engine;

/// <summary>
/// What a resume may do with a step that started and never finished (the engine died during it): re-run it
/// when it is read-only or idempotent; otherwise stop and ask a human, because no one can know whether it
/// took effect. An item of a fan-out (<c>restart[api]</c>) follows the same rule as a step, by its own id.
/// </summary>
public static class ResumePolicy
{
    public static IReadOnlyList<UnfinishedStep> StepsNeedingAHuman(StepGraph graph, RunState state, IReadOnlySet<string> resolvedByHuman) =>
        [.. graph.ExecutionOrder
            .Where(s => s.Mutates && !s.Idempotent)
            .SelectMany(s => IdsOf(s, state).Select(id => new UnfinishedStep(s, id)))
            .Where(u => state.Step(u.Id).Status == StepStatus.Started && !resolvedByHuman.Contains(u.Id) && !ContinuesChild(state, u.Id))];

    /// <summary>
    /// A playbook.run step whose child run this attempt started: the resume continues that child, which has its own
    /// journal and its own unfinished steps to judge (<see cref="ChildRunOf"/>), so the step itself needs no human.
    /// </summary>
    public static bool ContinuesChild(RunState state, string id) => ChildRunOf(state, id) is not null;

    /// <summary>The child run an unfinished playbook.run step (or item) continues on resume, or null.</summary>
    public static string? ChildRunOf(RunState state, string id) =>
        state.Step(id) is { Status: StepStatus.Started } step && state.ChildRuns.GetValueOrDefault(id) is { } child && child.Attempt == step.Attempts
            ? child.RunId
            : null;

    /// <summary>The step's id, or the sub-step ids of its items once its fan-out started.</summary>
    private static IEnumerable<string> IdsOf(Step step, RunState state) =>
        step.ForEach is null ? [step.Id]
        : state.FanOuts.TryGetValue(step.Id, out var items) ? Enumerable.Range(0, items.Keys.Length).Select(i => items.IdOf(step.Id, i))
        : [];
}

/// <summary>A step, or an item of a fan-out (<see cref="Id"/> is then its sub-step id), that started and did not finish.</summary>
public sealed record UnfinishedStep(Step Step, string Id);
