using Runbook.Language.Actions;
using Runbook.Language.Diagnostics;
using Runbook.Language.Model;

namespace Runbook.Language.Checking;

public sealed partial class PlaybookChecker
{
    /// <summary>
    /// The providers a step's action must run on: the chosen one (--provider) and every one the playbook claims under
    /// providers: that this catalog describes; each once.
    /// </summary>
    private IEnumerable<(ProviderDescriptor Provider, bool Claimed)> ProvidersToCheck()
    {
        var claimed = _playbook.Providers.Select(c => _catalog.FindProvider(c.Name)).OfType<ProviderDescriptor>().ToList();
        foreach (var provider in claimed)
        {
            yield return (provider, true);
        }

        if (_provider is not null && !claimed.Any(p => p.Name == _provider.Name))
        {
            yield return (_provider, false);
        }
    }

    /// <summary>RB0307 at the step, for the chosen provider and each claimed one that cannot run its action.</summary>
    private void CheckProviderSupport(UsesAction uses, ActionDescriptor descriptor)
    {
        foreach (var (provider, claimed) in ProvidersToCheck().Where(p => !p.Provider.Supports(descriptor)))
        {
            _diagnostics.Add(Descriptors.ActionNotSupportedByProvider, uses.Span,
                claimed ? $"provider '{provider.Name}' (claimed under providers:) does not support '{uses.Name}'"
                    : $"provider '{provider.Name}' does not support '{uses.Name}'",
                claimed ? $"use an action {provider.Name} supports (see 'runbook providers') or a run: step, or remove '{provider.Name}' from providers:"
                    : $"use an action {provider.Name} supports (see 'runbook providers'), or a run: step");
        }
    }

    /// <summary>
    /// RB0307 at each providers: entry whose provider cannot run one of the playbook's actions, naming the first such
    /// step, so the claim itself is marked wrong and not only the steps.
    /// </summary>
    private void CheckClaimedProviders()
    {
        foreach (var claim in _playbook.Providers)
        {
            if (_catalog.FindProvider(claim.Name) is not { } provider)
            {
                continue;
            }

            var lacking = PlaybookProviders.UsedActions(_playbook)
                .Select(u => (u.Step, u.Action, Descriptor: _catalog.FindAction(u.Action.Name)))
                .Where(u => u.Descriptor is not null && !provider.Supports(u.Descriptor))
                .ToList();
            if (lacking.Count == 0)
            {
                continue;
            }

            var first = lacking[0];
            var others = lacking.Count > 1 ? $" and {lacking.Count - 1} more" : string.Empty;
            _diagnostics.Add(Descriptors.ActionNotSupportedByProvider, claim.Span,
                $"the playbook claims provider '{claim.Name}', which does not support '{first.Action.Name}' (step '{first.Step.Id}', line {first.Action.Span.Line}){others}",
                $"remove '{claim.Name}' from providers:, or change the steps to actions {claim.Name} supports (see 'runbook providers')");
        }
    }
}
