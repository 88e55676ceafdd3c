using Runbook.Language.Actions;
using Runbook.Language.Diagnostics;
using Runbook.Language.Model;
using Runbook.Language.Text;

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
            // A provider that knows why it cannot (service.exec on the clouds) says so, and names the platform's own way.
            var why = provider.Unsupported.GetValueOrDefault(uses.Name);
            var reason = why is null ? string.Empty : $": {why.Reason}";
            _diagnostics.Add(Descriptors.ActionNotSupportedByProvider, uses.Span,
                claimed ? $"provider '{provider.Name}' (claimed under providers:) does not support '{uses.Name}'{reason}"
                    : $"provider '{provider.Name}' does not support '{uses.Name}'{reason}",
                why?.Fix ?? (claimed ? $"use an action {provider.Name} supports (see 'runbook providers') or a run: step, or remove '{provider.Name}' from providers:"
                    : $"use an action {provider.Name} supports (see 'runbook providers'), or a run: step"));
        }
    }

    /// <summary>
    /// RB0326 at an argument that only some providers understand (service.scale's hpa:), for the chosen provider and each
    /// claimed one that is not among them: there it would be refused when the step runs, so it is refused now.
    /// </summary>
    private void CheckArgumentProviders(UsesAction uses, ParameterDescriptor parameter, SourceSpan span)
    {
        if (parameter.OnlyOn.IsEmpty)
        {
            return;
        }

        foreach (var (provider, claimed) in ProvidersToCheck().Where(p => !parameter.OnlyOn.Contains(p.Provider.Name)))
        {
            var on = string.Join(", ", parameter.OnlyOn);
            _diagnostics.Add(Descriptors.ArgumentNotForProvider, span,
                $"'{parameter.Name}' of '{uses.Name}' means something only on {on}, and the playbook {(claimed ? "claims" : "is checked for")} provider '{provider.Name}'",
                claimed ? $"remove '{parameter.Name}' from the step, or claim only providers: [{on}]"
                    : $"remove '{parameter.Name}' from the step, or check it with --provider {parameter.OnlyOn[0]}");
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

    /// <summary>
    /// RB0317 at the path of a playbook.run step whose playbook (named by a literal path) is not for every provider this
    /// one is for: on those the run would stop at that step. Checked at validate, before any run, when the path is
    /// static; a computed path is checked when the step runs.
    /// </summary>
    private void CheckSubPlaybookProviders()
    {
        if (_readSubPlaybook is null)
        {
            return;
        }

        PlaybookProviders? own = null;
        foreach (var (_, uses) in PlaybookProviders.UsedActions(_playbook).Where(u => u.Action.Name == "playbook.run"))
        {
            if (uses.Find("path")?.Value is not ScalarArgument { Text.IsLiteral: true } path || _readSubPlaybook(path.Text.Raw) is not { } child)
            {
                continue;
            }

            own ??= PlaybookProviders.For(_playbook, _catalog);
            var theirs = PlaybookProviders.For(child, _catalog);
            var missing = own.Names.Where(p => !theirs.Includes(p)).ToList();
            if (missing.Count == 0)
            {
                continue;
            }

            var both = own.Names.Where(theirs.Includes).ToList();
            var narrow = both.Count == 0 ? "no provider runs both"
                : own.Claimed ? $"claim only providers: [{string.Join(", ", both)}]"
                : $"add providers: [{string.Join(", ", both)}] to this playbook (its providers are computed from its own actions)";
            _diagnostics.Add(Descriptors.SubPlaybookNotForProvider, path.Span,
                $"'{path.Text.Raw}' is for {theirs.Describe()} ({(theirs.Claimed ? "its providers:" : "what its actions need")}), "
                + $"not for {string.Join(", ", missing)}, which this playbook is for ({(own.Claimed ? "its providers:" : "what its actions need")})",
                $"{narrow}, or make '{path.Text.Raw}' run on {string.Join(", ", missing)} too");
        }
    }
}
