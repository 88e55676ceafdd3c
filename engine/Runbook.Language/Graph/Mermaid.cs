using System.Text;
using Runbook.Language.Model;

namespace Runbook.Language.Graph;

/// <summary>Renders a step graph as a Mermaid flowchart: phases as subgraphs, barriers between them.</summary>
public static class Mermaid
{
    public static string Render(StepGraph graph, Func<Step, string>? annotate = null)
    {
        var text = new StringBuilder();
        text.AppendLine("flowchart TD");
        foreach (var phase in graph.Phases)
        {
            var parallel = phase.Parallel ? " (parallel)" : string.Empty;
            text.AppendLine($"  subgraph phase_{phase.Name}[\"{phase.Name}{parallel}\"]");
            foreach (var step in phase.Steps)
            {
                var extra = annotate?.Invoke(step) ?? string.Empty;
                var (open, close) = step.Approval is not null ? ("{{", "}}") : step.Mutates ? ("[", "]") : ("(", ")");
                text.AppendLine($"    {Node(step.Id)}{open}\"{Escape(step.DisplayName)}{extra}\"{close}");
            }

            text.AppendLine("  end");
        }

        foreach (var edge in graph.Edges)
        {
            var arrow = edge.Kind == EdgeKind.Reference ? "-.->" : "-->";
            text.AppendLine($"  {Node(edge.From)} {arrow} {Node(edge.To)}");
        }

        var phases = graph.Phases.ToList();
        for (var i = 1; i < phases.Count; i++)
        {
            text.AppendLine($"  phase_{phases[i - 1].Name} ==> phase_{phases[i].Name}");
        }

        foreach (var step in graph.ExecutionOrder.Where(s => s.Mutates))
        {
            text.AppendLine($"  class {Node(step.Id)} mutating");
        }

        text.AppendLine("  classDef mutating fill:#fde2e1,stroke:#c0392b");
        return text.ToString();
    }

    private static readonly HashSet<string> Keywords = new(StringComparer.OrdinalIgnoreCase)
    {
        "end", "graph", "subgraph", "flowchart", "class", "classDef", "style", "click", "linkStyle", "direction",
    };

    /// <summary>A node id Mermaid will not read as a keyword.</summary>
    private static string Node(string id) => Keywords.Contains(id) ? id + "_" : id;

    private static string Escape(string text) => text.Replace("\"", "#quot;", StringComparison.Ordinal);
}
