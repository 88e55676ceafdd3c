using System.Collections.Immutable;

namespace Runbook.Language.Actions;

public enum ParameterType
{
    String,
    Number,
    Boolean,
    Duration,
    List,
    Map,

    /// <summary>Any value: a scalar, a list or a mapping.</summary>
    Any,
}

/// <summary>One argument an action takes under <c>with:</c>.</summary>
/// <param name="RunsInShell">
/// A string value is a command a shell runs (<c>sh -c</c>): expressions in it follow the injection rule of
/// <c>run:</c> scripts instead of being spliced into the text.
/// </param>
public sealed record ParameterDescriptor(string Name, ParameterType Type, bool Required, string Description, bool RunsInShell = false);

/// <summary>
/// What the language knows of an action: its arguments, whether it mutates, the outputs it produces, and how a
/// plan describes it (<see cref="PlanText"/>, with <c>{argument}</c> placeholders). Executors and providers
/// implement it; the checker and the planner need only this.
/// </summary>
public sealed record ActionDescriptor(
    string Name,
    string Summary,
    bool Mutates,
    ImmutableArray<ParameterDescriptor> Parameters,
    ImmutableArray<string> Outputs,
    string PlanText)
{
    /// <summary>True for <c>service.*</c> actions, which a provider must support.</summary>
    public bool IsServiceAction => Name.StartsWith("service.", StringComparison.Ordinal);

    /// <summary>The namespace before the first dot (<c>notify</c>, <c>service</c>, <c>kubernetes</c>).</summary>
    public string Namespace => Name[..Math.Max(0, Name.IndexOf('.', StringComparison.Ordinal))];

    public ParameterDescriptor? FindParameter(string name) => Parameters.FirstOrDefault(p => p.Name == name);
}

/// <summary>
/// A provider as the language sees it: its name, the actions it supports (service actions and its own
/// namespace), and how each renders in a plan on that platform.
/// </summary>
public sealed record ProviderDescriptor(
    string Name,
    string Summary,
    ImmutableArray<ActionDescriptor> OwnActions,
    ImmutableHashSet<string> SupportedServiceActions,
    ImmutableDictionary<string, string> PlanTexts)
{
    public bool Supports(ActionDescriptor action) =>
        action.IsServiceAction ? SupportedServiceActions.Contains(action.Name)
        : OwnActions.Any(a => a.Name == action.Name) || !IsProviderNamespace(action.Namespace);

    /// <summary>How this provider words an action in a plan; the generic text when it adds none.</summary>
    public string PlanTextFor(ActionDescriptor action) => PlanTexts.GetValueOrDefault(action.Name, action.PlanText);

    private static bool IsProviderNamespace(string ns) => ns is "compose" or "kubernetes" or "aws" or "azure" or "gcp";
}
