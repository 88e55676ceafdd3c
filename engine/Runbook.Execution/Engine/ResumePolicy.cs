using Runbook.Language.Graph;
using Runbook.Language.Model;

namespace Runbook.Execution.Engine;

/// <summary>
/// What a resume may do with a step that started and never finished (the engine died during it): re-run it
/// when it is read-only or idempotent; otherwise stop and ask a human, because no one can know whether it
/// took effect.
/// </summary>
public static class ResumePolicy
{
    public static IReadOnlyList<Step> StepsNeedingAHuman(StepGraph graph, RunState state, IReadOnlySet<string> resolvedByHuman) =>
        [.. graph.ExecutionOrder.Where(s => state.Step(s.Id).Status == StepStatus.Started && s.Mutates && !s.Idempotent
            && !resolvedByHuman.Contains(s.Id))];
}
