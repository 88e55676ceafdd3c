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
                if (step.ForEach is { } fanOut)
                {
                    // One node for the whole fan-out, in a shape of its own (a subroutine: it runs once per item).
                    var approval = step.Approval is null ? string.Empty : step.Approval.PerItem ? ", approval per item" : ", one approval";
                    text.AppendLine($"    {Node(step.Id)}[[\"{Escape(step.DisplayName)} ⟨for each: {Escape(Shorten(FanOutItems.WrittenAs(fanOut.Items)))}{approval}⟩{extra}\"]]");
                    continue;
                }

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

        foreach (var step in graph.ExecutionOrder.Where(s => s.ForEach is not null))
        {
            text.AppendLine($"  class {Node(step.Id)} fanout");
        }

        text.AppendLine("  classDef mutating fill:#fde2e1,stroke:#c0392b");
        if (graph.ExecutionOrder.Any(s => s.ForEach is not null))
        {
            text.AppendLine("  classDef fanout stroke-width:3px,stroke-dasharray:6 3");
        }
        return text.ToString();
    }

    private static readonly HashSet<string> Keywords = new(StringComparer.OrdinalIgnoreCase)
    {
        "end", "graph", "subgraph", "flowchart", "class", "classDef", "style", "click", "linkStyle", "direction",
    };

    /// <summary>A node id Mermaid will not read as a keyword.</summary>
    private static string Node(string id) => Keywords.Contains(id) ? id + "_" : id;

    private static string Escape(string text) => text.Replace("\"", "#quot;", StringComparison.Ordinal);

    /// <summary>A literal list of ten thousand items would make an unreadable node: the label keeps its start.</summary>
    private static string Shorten(string text)
    {
        text = text.ReplaceLineEndings(" ");
        return text.Length > 60 ? text[..59] + "…" : text;
    }
}
