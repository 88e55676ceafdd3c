using Runbook.Language.Expressions;
using Runbook.Language.Model;

namespace Runbook.Language.Checking;

/// <summary>
/// What an expression in one step may read: steps of earlier phases, earlier steps of a sequential phase,
/// and other steps of a parallel phase (reading one adds an edge). A rollback may also read its own step.
/// Inside a for_each step (not in its for_each: value) it may also read the item and item_index.
/// </summary>
internal sealed class StepScope(PlaybookIndex index, Step step, bool inRollback, IReadOnlyDictionary<string, LocalName>? locals = null) : IExpressionScope
{
    private static readonly IReadOnlyDictionary<string, LocalName> None = new Dictionary<string, LocalName>();

    public IReadOnlyDictionary<string, LocalName> Locals => locals ?? None;

    public IReadOnlyCollection<string> ItemNames => index.ItemNames;

    public bool IsFanOut(string stepId) => index.Find(stepId)?.Step.ForEach is not null;

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
