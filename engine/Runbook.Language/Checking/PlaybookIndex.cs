using System.Collections.Frozen;
using Runbook.Language.Actions;
using Runbook.Language.Model;

namespace Runbook.Language.Checking;

/// <summary>A step with where it stands: its phase, whether that phase is parallel, its position in it.</summary>
internal sealed record IndexedStep(Step Step, bool Parallel, int Position);

/// <summary>Steps by id (the first of duplicates wins) and the outputs each can produce.</summary>
internal sealed class PlaybookIndex
{
    /// <summary>Every run: step can be read for these, beyond what it declares.</summary>
    public static readonly string[] RunOutputs = ["stdout", "stderr", "exit_code"];

    /// <summary>A for_each step's only output: the list of its items' outputs, in input order.</summary>
    public static readonly string[] FanOutOutputs = ["items"];

    private readonly FrozenDictionary<string, IndexedStep> _steps;
    private readonly ActionCatalog _catalog;

    public PlaybookIndex(Playbook playbook, ActionCatalog catalog)
    {
        Playbook = playbook;
        _catalog = catalog;
        var steps = new Dictionary<string, IndexedStep>(StringComparer.Ordinal);
        foreach (var phase in playbook.Phases)
        {
            for (var i = 0; i < phase.Steps.Length; i++)
            {
                steps.TryAdd(phase.Steps[i].Id, new IndexedStep(phase.Steps[i], phase.Parallel, i));
            }
        }

        _steps = steps.ToFrozenDictionary(StringComparer.Ordinal);
        ItemNames = playbook.Steps.Where(s => s.ForEach is not null).Select(s => s.ForEach!.ItemName).ToFrozenSet(StringComparer.Ordinal);
    }

    /// <summary>The names the playbook's for_each steps give their items (item, or each as: name).</summary>
    public FrozenSet<string> ItemNames { get; }

    public Playbook Playbook { get; }

    public IEnumerable<string> Ids => _steps.Keys;

    public IndexedStep? Find(string id) => _steps.GetValueOrDefault(id);

    public IReadOnlyCollection<string>? OutputsOf(string id)
    {
        if (Find(id)?.Step is not { } step)
        {
            return null;
        }

        if (step.ForEach is not null)
        {
            return FanOutOutputs; // each item's outputs are read through items[i]
        }

        var declared = step.Outputs.Select(o => o.Name);
        return step.Action switch
        {
            RunAction => [.. declared.Concat(RunOutputs)],
            UsesAction { Name: "playbook.run" } => null,
            UsesAction uses when _catalog.FindAction(uses.Name) is { } action => [.. declared.Concat(action.Outputs.Select(o => o.Name))],
            _ => null,
        };
    }
}
