using System.Collections.Immutable;
using Runbook.Language.Expressions;
using Runbook.Language.Model;
using Runbook.Language.Text;

namespace Runbook.Language.Binding;

/// <summary>
/// What an action's descriptor supplies when a step leaves it out: argument defaults that depend on the run
/// (<see cref="Actions.ParameterDescriptor.Default"/>) and the compensation the action brings
/// (<see cref="Actions.DefaultRollback"/>). Both are bound as if the playbook had written them, so the checker,
/// the planner and the executor see ordinary arguments and an ordinary rollback.
/// </summary>
public sealed partial class PlaybookBinder
{
    /// <summary>The action with the descriptor's defaults for the arguments the step did not write.</summary>
    private UsesAction WithDefaults(UsesAction uses)
    {
        var descriptor = _catalog.FindAction(uses.Name);
        if (descriptor is null)
        {
            return uses;
        }

        var missing = descriptor.Parameters.Where(p => p.Default is not null && uses.Find(p.Name) is null).ToList();
        return missing.Count == 0 ? uses
            : uses with { With = [.. uses.With, .. missing.Select(p => Generated(p.Name, p.Default!, uses.Span))] };
    }

    /// <summary>
    /// The rollback the step's action brings, for a step that writes none: the undoing action, the step's own
    /// arguments it takes over (the same values, expressions and all) and its outputs read once the step has run.
    /// </summary>
    private Compensation? DefaultRollbackFor(string stepId, StepAction action)
    {
        if (action is not UsesAction uses || _catalog.FindAction(uses.Name)?.DefaultRollback is not { } rollback)
        {
            return null;
        }

        var arguments = ImmutableArray.CreateBuilder<Argument>();
        foreach (var name in rollback.CopiedArguments)
        {
            if (uses.Find(name) is { } copied)
            {
                arguments.Add(copied);
            }
        }

        foreach (var (name, output) in rollback.FromOutputs)
        {
            arguments.Add(Generated(name, $"${{{{ steps.{stepId}.outputs.{output} }}}}", uses.Span));
        }

        var undo = WithDefaults(new UsesAction(uses.Span, rollback.Action, arguments.ToImmutable()));
        return new Compensation(undo, null, null, uses.Span);
    }

    /// <summary>An argument the playbook did not write: its errors, if any, point at the step's uses:.</summary>
    private Argument Generated(string name, string template, SourceSpan span)
    {
        var locator = new SourceLocator(span.Path, _ => span.Start);
        return new Argument(name, span, new ScalarArgument(span, TemplateParser.Parse(template, locator, span, _diagnostics), ScalarKind.String));
    }
}
