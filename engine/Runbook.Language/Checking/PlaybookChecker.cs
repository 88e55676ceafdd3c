using System.Collections.Immutable;
using Runbook.Language.Actions;
using Runbook.Language.Diagnostics;
using Runbook.Language.Expressions;
using Runbook.Language.Graph;
using Runbook.Language.Model;
using Runbook.Language.Text;

namespace Runbook.Language.Checking;

/// <summary>
/// The semantic rules over a bound playbook: ids, actions and their arguments, expressions, the step graph
/// and the safety contract. Reports everything in one pass and returns the graph when it has no cycle.
/// </summary>
public sealed partial class PlaybookChecker
{
    private readonly Playbook _playbook;
    private readonly ActionCatalog _catalog;
    private readonly ProviderDescriptor? _provider;
    private readonly DiagnosticBag _diagnostics;
    private readonly PlaybookIndex _index;
    private readonly List<StepEdge> _edges = [];
    private readonly HashSet<string> _usedInputs = new(StringComparer.Ordinal);

    private readonly Func<string, Playbook?>? _readSubPlaybook;

    private PlaybookChecker(Playbook playbook, ActionCatalog catalog, ProviderDescriptor? provider, DiagnosticBag diagnostics,
        Func<string, Playbook?>? readSubPlaybook = null)
    {
        _readSubPlaybook = readSubPlaybook;
        _playbook = playbook;
        _catalog = catalog;
        _provider = provider;
        _diagnostics = diagnostics;
        _index = new PlaybookIndex(playbook, catalog);
    }

    public static StepGraph? Check(Playbook playbook, ActionCatalog catalog, ProviderDescriptor? provider, DiagnosticBag diagnostics,
        Func<string, Playbook?>? readSubPlaybook = null) =>
        new PlaybookChecker(playbook, catalog, provider, diagnostics, readSubPlaybook).Run();

    private StepGraph? Run()
    {
        var uniqueIds = CheckDuplicateIds();
        foreach (var phase in _playbook.Phases)
        {
            for (var i = 0; i < phase.Steps.Length; i++)
            {
                var step = phase.Steps[i];
                if (!phase.Parallel && i > 0)
                {
                    _edges.Add(new StepEdge(phase.Steps[i - 1].Id, step.Id, EdgeKind.Sequence));
                }

                CheckStep(phase, step);
            }
        }

        CheckInputsUsed();
        CheckClaimedProviders();
        CheckSubPlaybookProviders();
        // Steps that failed to bind leave the playbook empty; their errors already say why.
        if (!_playbook.Steps.Any() && !_diagnostics.HasErrors)
        {
            _diagnostics.Add(Descriptors.EmptyPlaybook, _playbook.Span, $"playbook '{_playbook.Name}' has no steps", "add steps under phases:");
        }

        // A graph is keyed by step id: without unique ids and without cycles there is none to build.
        var edges = _edges.Distinct().ToImmutableArray();
        var hasCycle = FindCycles(edges);
        return hasCycle || !uniqueIds ? null : new StepGraph(_playbook, edges);
    }

    /// <summary>Reports every repeated step id at its second use; true when all ids are unique.</summary>
    private bool CheckDuplicateIds()
    {
        var unique = true;
        var seen = new Dictionary<string, Step>(StringComparer.Ordinal);
        foreach (var step in _playbook.Steps)
        {
            if (!seen.TryAdd(step.Id, step))
            {
                _diagnostics.Add(Descriptors.DuplicateStepId, step.IdSpan,
                    $"step id '{step.Id}' is already used at line {seen[step.Id].IdSpan.Line}", "give every step a unique id");
                unique = false;
            }
        }

        return unique;
    }

    private void CheckStep(Phase phase, Step step)
    {
        var descriptor = CheckAction(step.Action);
        CheckShellValues(step.Action);
        if (step.Rollback is { } rollback)
        {
            CheckRollbackSafety(step, rollback, CheckAction(rollback.Action));
            CheckShellValues(rollback.Action);
        }

        CheckNeeds(step);
        CheckExpressions(step, CheckFanOut(step));
        CheckSkippableOutputs(step, descriptor);
        CheckSafety(phase, step, descriptor);
    }

    private void CheckNeeds(Step step)
    {
        foreach (var need in step.Needs)
        {
            var scope = new StepScope(_index, step, inRollback: false);
            switch (scope.VisibilityOf(need.Id))
            {
                case StepVisibility.Unknown:
                    _diagnostics.Add(Descriptors.UnknownStep, need.Span,
                        $"step '{step.Id}' needs '{need.Id}', which does not exist{Suggestions.DidYouMean(need.Id, _index.Ids)}",
                        "name the id of a step in this playbook");
                    break;
                case StepVisibility.NotYetCompleted when need.Id == step.Id:
                    _diagnostics.Add(Descriptors.Cycle, need.Span, $"step '{step.Id}' needs itself", "remove it from its own needs");
                    break;
                case StepVisibility.NotYetCompleted:
                    _diagnostics.Add(Descriptors.NeedsLaterStep, need.Span,
                        $"step '{step.Id}' needs '{need.Id}', which runs after it (a later phase, or later in a sequential phase)",
                        $"move '{need.Id}' before '{step.Id}', or make the phase parallel");
                    break;
                default:
                    if (_index.Find(need.Id)!.Step.Phase == step.Phase)
                    {
                        _edges.Add(new StepEdge(need.Id, step.Id, EdgeKind.Needs));
                    }

                    break;
            }
        }
    }

    private void CheckExpressions(Step step, IReadOnlyDictionary<string, LocalName>? locals)
    {
        var own = new StepScope(_index, step, inRollback: false, locals);
        foreach (var (template, place) in StepTemplates.Of(step))
        {
            foreach (var expression in template.Expressions)
            {
                var references = ExpressionChecker.Check(expression, own, _diagnostics);
                Record(step, references, place, expression);
            }
        }

        if (step.Rollback is { } rollback)
        {
            var rollbackScope = new StepScope(_index, step, inRollback: true, locals);
            foreach (var (template, place) in StepTemplates.Of(rollback.Action))
            {
                foreach (var expression in template.Expressions)
                {
                    Record(step, ExpressionChecker.Check(expression, rollbackScope, _diagnostics), place, expression);
                }
            }
        }
    }

    private void Record(Step step, ExpressionReferences references, TemplatePlace place, ExpressionPart expression)
    {
        foreach (var input in references.Inputs)
        {
            _usedInputs.Add(input.Name);
            if (place.Prints(expression) && _playbook.FindInput(input.Name) is { IsSecret: true })
            {
                _diagnostics.Add(Descriptors.SecretMayBePrinted, input.Span,
                    $"secret input '{input.Name}' is used in {place.Description}, where it may be printed",
                    place.Fix);
            }
        }

        if (references.ReadsAnyInput)
        {
            _usedInputs.UnionWith(_playbook.Inputs.Select(i => i.Name)); // inputs[k], toJSON(inputs): any of them
        }

        CheckSecretFlow(references, place, expression);
        CheckEnvironment(references);
        foreach (var reference in references.Steps)
        {
            if (reference.Name != step.Id && _index.Find(reference.Name) is { } other && other.Step.Phase == step.Phase && other.Parallel)
            {
                _edges.Add(new StepEdge(reference.Name, step.Id, EdgeKind.Reference));
            }
        }
    }

    private void CheckInputsUsed()
    {
        // A script that names INPUT_<NAME> uses the input too (a secret reaches a script only that way or by expression).
        foreach (var input in _playbook.Inputs.Where(i => !_usedInputs.Contains(i.Name) && !NamedByScript(i)))
        {
            _diagnostics.Add(Descriptors.UnusedInput, input.Span, $"input '{input.Name}' is declared and never used",
                $"use it as ${{{{ inputs.{input.Name} }}}} or remove it");
        }
    }

    /// <summary>Reports every cycle among needs and references inside a phase; true when there is one.</summary>
    /// <remarks>Iterative depth-first search: a sequential phase of a hundred thousand steps is one long chain.</remarks>
    private bool FindCycles(ImmutableArray<StepEdge> edges)
    {
        var successors = edges.GroupBy(e => e.From, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(e => e.To).ToList(), StringComparer.Ordinal);
        var state = new Dictionary<string, int>(StringComparer.Ordinal); // 1 visiting, 2 done
        var path = new List<(string Id, int Next)>();
        var found = false;
        foreach (var step in _playbook.Steps)
        {
            if (state.GetValueOrDefault(step.Id) != 0)
            {
                continue;
            }

            state[step.Id] = 1;
            path.Add((step.Id, 0));
            while (path.Count > 0)
            {
                var (id, next) = path[^1];
                var targets = successors.GetValueOrDefault(id);
                if (targets is null || next >= targets.Count)
                {
                    state[id] = 2;
                    path.RemoveAt(path.Count - 1);
                    continue;
                }

                path[^1] = (id, next + 1);
                var target = targets[next];
                switch (state.GetValueOrDefault(target))
                {
                    case 0:
                        state[target] = 1;
                        path.Add((target, 0));
                        break;
                    case 1:
                        var cycle = path.Select(p => p.Id).SkipWhile(p => p != target).Append(target).ToList();
                        var at = _index.Find(target)!.Step;
                        _diagnostics.Add(Descriptors.Cycle, at.IdSpan, $"steps depend on each other in a cycle: {string.Join(" → ", cycle)}",
                            "remove one of the needs, or the steps.X reference that closes the cycle");
                        found = true;
                        break;
                }
            }
        }

        return found;
    }
}
