using System.Collections.Frozen;
using Runbook.Language.Actions;
using Runbook.Language.Expressions;
using Runbook.Language.Model;

namespace Runbook.Language.Checking;

/// <summary>A step with where it stands: its phase, whether that phase is parallel, its position in it.</summary>
internal sealed record IndexedStep(Step Step, bool Parallel, int Position);

/// <summary>Steps by id (the first of duplicates wins) and the outputs each can produce.</summary>
internal sealed class PlaybookIndex
{
    /// <summary>Every run: step can be read for these, beyond what it declares.</summary>
    public static readonly string[] RunOutputs = ["stdout", "stderr", "exit_code"];

    /// <summary>The types of a run: step's own outputs.</summary>
    public static readonly OutputDescriptor[] RunOutputTypes = [OutputDescriptor.Text("stdout"), OutputDescriptor.Text("stderr"), OutputDescriptor.Integer("exit_code")];

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

    /// <summary>
    /// The type of one output: declared with <c>type:</c>; else the action's (a run: step's stdout, stderr and
    /// exit_code included); else text for a run: step's declared output. Null when it cannot be known.
    /// </summary>
    public KnownOutputType? OutputTypeOf(string id, string output)
    {
        if (Find(id)?.Step is not { } step)
        {
            return null;
        }

        if (step.ForEach is not null)
        {
            // Each item's outputs are read through items[i], whose members the checker does not type.
            return output == FanOutOutputs[0] ? new KnownOutputType(OutputType.List, OutputTypeSource.Action) : null;
        }

        var declared = step.Outputs.FirstOrDefault(o => o.Name == output);
        if (declared?.Type is { } type)
        {
            return new KnownOutputType(type, OutputTypeSource.Declared);
        }

        var builtIn = step.Action switch
        {
            RunAction => RunOutputTypes.FirstOrDefault(o => o.Name == output),
            UsesAction { Name: "playbook.run" } => null,
            UsesAction uses => _catalog.FindAction(uses.Name)?.FindOutput(output),
            _ => null,
        };
        if (builtIn is not null)
        {
            return new KnownOutputType(builtIn.Type, OutputTypeSource.Action);
        }

        return step.Action is RunAction && declared is not null ? new KnownOutputType(OutputType.String, OutputTypeSource.UndeclaredRunOutput) : null;
    }
}
