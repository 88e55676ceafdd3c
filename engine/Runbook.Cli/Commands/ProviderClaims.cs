using Runbook.Cli.Composition;
using Runbook.Language;
using Runbook.Language.Actions;
using Runbook.Language.Text;

namespace Runbook.Cli.Commands;

/// <summary>A playbook validate left out of a provider's check: where it says so, and which providers it is for.</summary>
internal sealed record NotForProvider(string Path, SourceSpan At, PlaybookProviders Providers, string Reason);

/// <summary>
/// Whether a playbook is for the provider a command targets (its providers: claim, or the providers computed from its
/// actions), and how to say that it is not: validate lists it, plan and exec refuse it before anything runs.
/// </summary>
internal static class ProviderClaims
{
    /// <summary>Null when the playbook is for <paramref name="provider"/> (or could not be bound, so its errors speak).</summary>
    public static NotForProvider? NotFor(LoadedPlaybook loaded, ProviderDescriptor provider)
    {
        if (loaded.Playbook is not { } playbook)
        {
            return null;
        }

        var providers = PlaybookProviders.For(playbook, ProviderRegistry.Catalog);
        if (providers.Includes(provider.Name))
        {
            return null;
        }

        if (providers.Claimed)
        {
            var claim = playbook.Providers[0];
            return new NotForProvider(loaded.Path, claim.Span, providers, $"it claims providers: [{providers.Describe()}] (line {claim.Span.Line})");
        }

        // Computed: name the first action the provider cannot run, so the reader sees why.
        var lacking = PlaybookProviders.UsedActions(playbook)
            .FirstOrDefault(u => ProviderRegistry.Catalog.FindAction(u.Action.Name) is { } action && !provider.Supports(action));
        // A provider that knows why it cannot run the action (service.exec on the clouds) adds its reason and its own way.
        var why = lacking.Action is { } lacks ? provider.Unsupported.GetValueOrDefault(lacks.Name) : null;
        return new NotForProvider(loaded.Path, lacking.Action?.Span ?? playbook.Span, providers, lacking.Action is { } uses
            ? $"its actions need {providers.Describe()}: step '{lacking.Step.Id}' uses '{uses.Name}' (line {uses.Span.Line}), which {provider.Name} does not run"
                + (why is null ? string.Empty : $" ({why.Reason}; {why.Fix})")
            : $"its actions need {providers.Describe()}");
    }

    /// <summary>The message plan and exec print when they refuse a playbook that is not for the chosen provider.</summary>
    public static string Refusal(NotForProvider notFor, string provider)
    {
        var choose = notFor.Providers.Names.IsEmpty ? "no provider runs all its actions; change the steps"
            : $"run it with --provider {string.Join(" or --provider ", notFor.Providers.Names)}";
        var claim = notFor.Providers.Claimed
            ? $", or add {provider} to its providers: if it really runs there (validate then checks every action on {provider})"
            : string.Empty;
        return $"runbook: {notFor.Path} is not for {provider}: {notFor.Reason}; nothing was run\n"
            + $"   = fix: {choose}{claim}\n";
    }
}

/// <summary>The provider validate checked for (null without --provider), and the playbooks it left out as not for it.</summary>
internal sealed record ValidationScope(string? Provider, IReadOnlyList<NotForProvider> NotFor)
{
    public static ValidationScope None { get; } = new(null, []);

    public NotForProvider? Find(string path) => NotFor.FirstOrDefault(n => n.Path == path);
}
