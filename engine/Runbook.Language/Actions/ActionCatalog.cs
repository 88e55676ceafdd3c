using System.Collections.Frozen;

namespace Runbook.Language.Actions;

/// <summary>Every action a playbook may use and every provider it may run on, assembled at start-up.</summary>
public sealed class ActionCatalog
{
    private readonly FrozenDictionary<string, ActionDescriptor> _actions;
    private readonly FrozenDictionary<string, ProviderDescriptor> _providers;

    public ActionCatalog(IEnumerable<ActionDescriptor> actions, IEnumerable<ProviderDescriptor> providers)
    {
        var providerList = providers.ToList();
        _providers = providerList.ToFrozenDictionary(p => p.Name, StringComparer.Ordinal);
        _actions = actions.Concat(providerList.SelectMany(p => p.OwnActions))
            .ToFrozenDictionary(a => a.Name, StringComparer.Ordinal);
    }

    /// <summary>The built-in actions and the given providers.</summary>
    public static ActionCatalog Create(IEnumerable<ProviderDescriptor> providers) => new(BuiltinActions.All, providers);

    public IEnumerable<ActionDescriptor> Actions => _actions.Values.OrderBy(a => a.Name, StringComparer.Ordinal);

    public IEnumerable<ProviderDescriptor> Providers => _providers.Values.OrderBy(p => p.Name, StringComparer.Ordinal);

    public ActionDescriptor? FindAction(string name) => _actions.GetValueOrDefault(name);

    public ProviderDescriptor? FindProvider(string name) => _providers.GetValueOrDefault(name);
}
