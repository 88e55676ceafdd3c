using System.Collections.Immutable;
using System.Text;
using System.Text.RegularExpressions;
using Runbook.Language.Actions;
using Runbook.Language.Graph;
using Runbook.Language.Model;
using Runbook.Language.Text;

namespace Runbook.Language.Planning;

/// <summary>Builds the static plan of a checked playbook for one provider. No network, no credentials.</summary>
public static partial class Planner
{
    public static Plan Build(LoadedPlaybook loaded, ActionCatalog catalog, ProviderDescriptor provider, IReadOnlyDictionary<string, object?> inputs)
    {
        var playbook = loaded.Playbook ?? throw new ArgumentException("the playbook must be valid to plan", nameof(loaded));
        var graph = loaded.Graph ?? throw new ArgumentException("the playbook must be valid to plan", nameof(loaded));
        var values = new PlanValues(playbook, inputs);

        var steps = ImmutableArray.CreateBuilder<PlannedStep>();
        foreach (var step in graph.ExecutionOrder)
        {
            var order = steps.Count + 1;
            if (step.ForEach is { } fanOut)
            {
                steps.AddRange(PlanFanOut(order, step, fanOut, graph, catalog, provider, values));
            }
            else
            {
                steps.Add(PlanStep(order, step, graph, catalog, provider, values));
            }
        }

        var rollbacks = steps.ToImmutable().Where(s => s.Rollback is not null && s.Condition != PlannedCondition.Never)
            .Select(s => s.Rollback!).Reverse().ToImmutableArray();

        return new Plan(
            playbook.Name,
            loaded.Path,
            playbook.Description?.Trim(),
            playbook.Severity,
            provider.Name,
            new PlanHashes(ContentHash.Of(loaded.Source?.Text ?? string.Empty), InputsHash(playbook, inputs), ContentHash.Of(provider.Name)),
            [.. playbook.Inputs.Select(i => PlanInput(i, inputs))],
            steps.ToImmutable(),
            rollbacks,
            Graph.Mermaid.Render(graph));
    }

    /// <summary>The hash of the inputs a plan was made with; secrets count by name only, never by value.</summary>
    public static string InputsHash(Playbook playbook, IReadOnlyDictionary<string, object?> inputs)
    {
        var canonical = new StringBuilder();
        foreach (var input in playbook.Inputs.OrderBy(i => i.Name, StringComparer.Ordinal))
        {
            var value = input.IsSecret ? "<secret>" : inputs.TryGetValue(input.Name, out var v) ? PlanValues.Format(v) : "<unset>";
            canonical.Append(input.Name).Append('=').Append(value).Append('\n');
        }

        return ContentHash.Of(canonical.ToString());
    }

    private static PlannedStep PlanStep(int order, Step step, StepGraph graph, ActionCatalog catalog, ProviderDescriptor provider, PlanValues values)
    {
        var phase = graph.Playbook.Phases.First(p => p.Kind == step.Phase);
        var (action, summary, arguments) = Describe(step.Action, catalog, provider, values);
        return new PlannedStep(
            order,
            step.Id,
            step.DisplayName,
            phase.Name,
            phase.Parallel,
            action,
            summary,
            step.Mutates,
            step.Irreversible,
            values.Decide(step.If),
            step.If is null ? null : values.Render(step.If),
            arguments,
            graph.PredecessorsOf(step.Id),
            step.Approval is { } a
                ? new PlannedApproval(a.Approvers, a.MinApprovals, a.Timeout?.Text, a.Message is null ? null : values.Render(a.Message))
                : null,
            step.Rollback is { } r ? PlanRollback(step, r, catalog, provider, values) : null,
            step.Timeout?.Text,
            step.Retry is { } retry ? $"{retry.Attempts} attempts, {retry.Backoff.ToString().ToLowerInvariant()} {retry.Interval}" : null,
            step.OnFailure.ToString().ToLowerInvariant());
    }

    private static PlannedRollback PlanRollback(Step step, Compensation rollback, ActionCatalog catalog, ProviderDescriptor provider, PlanValues values)
    {
        var (action, summary, arguments) = Describe(rollback.Action, catalog, provider, values);
        return new PlannedRollback(step.Id, action, summary, arguments);
    }

    private static (string Action, string Summary, ImmutableArray<PlannedArgument> Arguments) Describe(
        StepAction action, ActionCatalog catalog, ProviderDescriptor provider, PlanValues values)
    {
        switch (action)
        {
            case RunAction run:
                var script = values.Render(run.Script).Trim();
                var lines = script.Split('\n');
                var first = lines[0].Trim();
                var summary = lines.Length > 1 ? $"{first} (+{lines.Length - 1} more lines)" : first;
                var env = run.Environment.Select(e => new PlannedArgument("env." + e.Name, values.Render(e.Value)));
                return ($"run ({run.Shell})", summary, [new PlannedArgument("script", script), .. env]);
            case UsesAction uses:
                var arguments = uses.With.Select(a => new PlannedArgument(a.Name, values.Render(a.Value))).ToImmutableArray();
                var descriptor = catalog.FindAction(uses.Name);
                var text = descriptor is null ? uses.Name : provider.PlanTextFor(descriptor);
                var rendered = Placeholder().Replace(text, m =>
                    arguments.FirstOrDefault(a => a.Name == m.Groups[1].Value)?.Value ?? "(default)");
                return (uses.Name, string.Join(' ', rendered.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)), arguments);
            default:
                return ("?", string.Empty, []);
        }
    }

    private static PlannedInput PlanInput(InputDefinition input, IReadOnlyDictionary<string, object?> inputs)
    {
        var type = input.Type.ToString().ToLowerInvariant();
        if (input.IsSecret)
        {
            return new PlannedInput(input.Name, type, "***", input.From?.ToString() ?? "given at run time");
        }

        if (inputs.TryGetValue(input.Name, out var value))
        {
            var origin = Equals(value, input.Default) ? "default" : "given";
            return new PlannedInput(input.Name, type, PlanValues.Format(value), origin);
        }

        return new PlannedInput(input.Name, type, $"⟨inputs.{input.Name}⟩", "required at run time");
    }

    [GeneratedRegex(@"\{([a-z_]+)\}")]
    private static partial Regex Placeholder();
}
