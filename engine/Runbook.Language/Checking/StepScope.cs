using Runbook.Language.Expressions;
using Runbook.Language.Model;

namespace Runbook.Language.Checking;

/// <summary>
/// What an expression in one step may read: steps of earlier phases, earlier steps of a sequential phase,
/// and other steps of a parallel phase (reading one adds an edge). A rollback may also read its own step.
/// </summary>
internal sealed class StepScope(PlaybookIndex index, Step step, bool inRollback) : IExpressionScope
{
    public IEnumerable<InputDefinition> Inputs => index.Playbook.Inputs;

    public IEnumerable<string> StepIds => index.Ids;

    public StepVisibility VisibilityOf(string stepId)
    {
        if (index.Find(stepId) is not { } other)
        {
            return StepVisibility.Unknown;
        }

        if (other.Step == step)
        {
            return inRollback ? StepVisibility.Completed : StepVisibility.NotYetCompleted;
        }

        var self = index.Find(step.Id)!;
        if (other.Step.Phase != step.Phase)
        {
            return other.Step.Phase < step.Phase ? StepVisibility.Completed : StepVisibility.NotYetCompleted;
        }

        return other.Parallel || other.Position < self.Position ? StepVisibility.Completed : StepVisibility.NotYetCompleted;
    }

    public IReadOnlyCollection<string>? OutputsOf(string stepId) => index.OutputsOf(stepId);

    public KnownOutputType? OutputTypeOf(string stepId, string output) => index.OutputTypeOf(stepId, output);
}
