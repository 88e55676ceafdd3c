using System.Collections.Frozen;
using System.Collections.Immutable;
using Runbook.Language.Model;

namespace Runbook.Language.Graph;

public enum EdgeKind
{
    /// <summary>The next step of a sequential phase.</summary>
    Sequence,

    /// <summary>Declared with <c>needs</c>.</summary>
    Needs,

    /// <summary>Implied by an expression that reads <c>steps.X</c>.</summary>
    Reference,
}

/// <summary>An edge inside a phase: <see cref="From"/> must finish before <see cref="To"/> starts.</summary>
public sealed record StepEdge(string From, string To, EdgeKind Kind);

/// <summary>
/// The order a playbook runs in. Phases are barriers (every step of a phase finishes before the next phase
/// starts); inside a phase the edges say what waits for what. Built only from a playbook without cycles.
/// </summary>
public sealed class StepGraph
{
    private readonly FrozenDictionary<string, ImmutableArray<string>> _predecessors;

    internal StepGraph(Playbook playbook, ImmutableArray<StepEdge> edges)
    {
        Playbook = playbook;
        Edges = edges;
        _predecessors = edges.GroupBy(e => e.To, StringComparer.Ordinal).ToFrozenDictionary(
            g => g.Key,
            g => g.Select(e => e.From).Distinct(StringComparer.Ordinal).ToImmutableArray(),
            StringComparer.Ordinal);
        ExecutionOrder = [.. playbook.Phases.SelectMany(OrderWithin)];
    }

    public Playbook Playbook { get; }

    public ImmutableArray<StepEdge> Edges { get; }

    /// <summary>Every step in an order that respects every edge and every phase barrier.</summary>
    public ImmutableArray<Step> ExecutionOrder { get; }

    public IEnumerable<Phase> Phases => Playbook.Phases.Where(p => !p.Steps.IsEmpty);

    /// <summary>The steps of the same phase that must finish before this one starts.</summary>
    public ImmutableArray<string> PredecessorsOf(string stepId) => _predecessors.GetValueOrDefault(stepId, []);

    private IEnumerable<Step> OrderWithin(Phase phase)
    {
        // Kahn's algorithm, taking ready steps in declaration order so the order is stable.
        var remaining = phase.Steps.ToList();
        var done = new HashSet<string>(StringComparer.Ordinal);
        while (remaining.Count > 0)
        {
            var next = remaining.First(s => PredecessorsOf(s.Id).All(done.Contains));
            remaining.Remove(next);
            done.Add(next.Id);
            yield return next;
        }
    }
}
