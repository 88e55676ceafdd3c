using System.Collections.Immutable;
using Runbook.Language.Model;

namespace Runbook.Language.Actions;

/// <summary>
/// The providers a playbook is for: the ones its top-level <c>providers:</c> claims, or, when it claims none, every
/// provider of the catalog that supports all the actions it uses (its steps' and their compensations'). Validate,
/// plan and exec ask this one place, so they never disagree about whether a playbook is for a provider.
/// </summary>
/// <param name="Names">The provider names, in the order the playbook lists them, or by name when computed.</param>
/// <param name="Claimed">True when the playbook says them under <c>providers:</c>; false when computed from its actions.</param>
public sealed record PlaybookProviders(ImmutableArray<string> Names, bool Claimed)
{
    /// <summary>
    /// Every provider name the language knows, whether or not this build registers it: a playbook may claim one that a
    /// catalog lacks (a test catalog), and a typo is caught against this list. Kept equal to the registered providers by a test.
    /// </summary>
    public static ImmutableArray<string> KnownNames { get; } = ["aws", "azure", "compose", "gcp", "kubernetes"];

    public static PlaybookProviders For(Playbook playbook, ActionCatalog catalog)
    {
        if (!playbook.Providers.IsDefaultOrEmpty)
        {
            return new PlaybookProviders([.. playbook.Providers.Select(p => p.Name).Distinct(StringComparer.Ordinal)], Claimed: true);
        }

        // An action the catalog does not know is an error of its own (RB0110); it rules out no provider here.
        var actions = UsedActions(playbook).Select(a => catalog.FindAction(a.Action.Name)).OfType<ActionDescriptor>().ToList();
        return new PlaybookProviders([.. catalog.Providers.Where(p => actions.All(p.Supports)).Select(p => p.Name)], Claimed: false);
    }

    /// <summary>Exact, case-sensitive: provider names are lower case everywhere (playbooks, --provider, runbook.yaml).</summary>
    public bool Includes(string provider) => Names.Contains(provider, StringComparer.Ordinal);

    /// <summary>"kubernetes, compose" or "no provider", for messages.</summary>
    public string Describe() => Names.IsEmpty ? "no provider" : string.Join(", ", Names);

    /// <summary>Every action a playbook runs, with its step: the steps' own and their compensations'.</summary>
    public static IEnumerable<(Step Step, UsesAction Action)> UsedActions(Playbook playbook)
    {
        foreach (var step in playbook.Steps)
        {
            if (step.Action is UsesAction uses)
            {
                yield return (step, uses);
            }

            if (step.Rollback?.Action is UsesAction undo)
            {
                yield return (step, undo);
            }
        }
    }
}
