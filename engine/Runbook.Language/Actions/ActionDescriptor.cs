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

    /// <summary>An HTTP status code (100–599) or a list of them.</summary>
    StatusCodes,
}

/// <summary>One argument an action takes under <c>with:</c>.</summary>
/// <param name="RunsInShell">
/// A string value is a command a shell runs (<c>sh -c</c>): expressions in it follow the injection rule of
/// <c>run:</c> scripts instead of being spliced into the text.
/// </param>
public sealed record ParameterDescriptor(string Name, ParameterType Type, bool Required, string Description, bool RunsInShell = false)
{
    /// <summary>
    /// Set when the argument's text is code in another language (SQL, PromQL, a Redis command): an expression in it
    /// would splice a value into code, so the checker refuses one there and the value goes in the way the language says.
    /// </summary>
    public CodeLanguage? Code { get; init; }

    /// <summary>
    /// True when the argument names a file the engine reads: it resolves inside the playbook's folder (or the
    /// configured templates folder), never outside it.
    /// </summary>
    public bool IsFile { get; init; }

    /// <summary>
    /// The value the binder gives the argument when a step leaves it out, as a <c>${{ }}</c> template (for example
    /// <c>${{ run.initiator }}</c>): a default that depends on the run, stated where the action is described.
    /// </summary>
    public string? Default { get; init; }

    /// <summary>
    /// A check of the argument's literal value that the checker runs (a value from an expression is checked by the
    /// action when it is known): the action's own grammar, such as a threshold, reported with a stable code.
    /// </summary>
    public ArgumentRule? Rule { get; init; }

    /// <summary>
    /// The providers on which the argument means something (<c>hpa:</c> of service.scale: only Kubernetes has
    /// HorizontalPodAutoscalers); empty for every provider. The checker refuses it for any other (RB0326).
    /// </summary>
    public ImmutableArray<string> OnlyOn { get; init; } = [];
}

/// <summary>
/// A check of one argument's literal text, declared with the action instead of special-cased in the checker.
/// </summary>
/// <param name="Code">The diagnostic reported when the text breaks the rule.</param>
/// <param name="Problem">The step's action and the argument's literal text to what is wrong with it; null when it is right.</param>
/// <param name="Fix">How to write it right.</param>
public sealed record ArgumentRule(Diagnostics.DiagnosticDescriptor Code, Func<Model.UsesAction, string, string?> Problem, string Fix)
{
    /// <summary>
    /// The same check for an argument written as a mapping (a manifest in the step): where in it the problem is,
    /// and what; null when it is right. Literal entries only; values from expressions are checked by the action.
    /// </summary>
    public Func<Model.UsesAction, Model.MapArgument, (Text.SourceSpan Span, string Problem)?>? MappingProblem { get; init; }
}

/// <summary>
/// The compensation an action brings with it: what the binder makes the step's <c>rollback:</c> when the step writes
/// none. Declarative: the undoing action, the step's own arguments it takes over unchanged (the server's address
/// and credentials), and arguments read from the step's outputs once it has run (<c>id</c> → <c>steps.&lt;step&gt;.outputs.id</c>).
/// </summary>
/// <param name="Action">The action that undoes the step (alertmanager.expire for alertmanager.silence).</param>
/// <param name="CopiedArguments">Arguments of the step passed to the rollback as written, when the step has them.</param>
/// <param name="FromOutputs">Rollback argument name to the step output it reads.</param>
public sealed record DefaultRollback(string Action, ImmutableArray<string> CopiedArguments, ImmutableDictionary<string, string> FromOutputs);

/// <summary>The language an argument's text is written in, and how values reach it without becoming code.</summary>
/// <param name="Name">The language as people call it: SQL, PromQL.</param>
/// <param name="ValuesArgument">The argument that carries values (<c>parameters</c> for SQL).</param>
/// <param name="Placeholder">How the code names one value, with <c>{name}</c> for the name (<c>@{name}</c> for SQL).</param>
public sealed record CodeLanguage(string Name, string ValuesArgument, string Placeholder)
{
    public string PlaceholderFor(string name) => Placeholder.Replace("{name}", name, StringComparison.Ordinal);
}

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
    ImmutableArray<OutputDescriptor> Outputs,
    string PlanText)
{
    /// <summary>
    /// True when what the action does cannot be undone (<c>postgres.restore</c>): the binder marks every step that
    /// uses it irreversible, as if it said <c>irreversible: true</c>, so the checker requires an approval (RB0303).
    /// A step cannot opt out with <c>irreversible: false</c>.
    /// </summary>
    public bool Irreversible { get; init; }

    /// <summary>
    /// Set when whether the action mutates depends on an argument (<c>redis.command</c>'s command): the binder
    /// classifies a literal command with it instead of taking <see cref="Mutates"/>; the action classifies the
    /// evaluated command again at run time.
    /// </summary>
    public CommandRule? MutatesWhen { get; init; }

    /// <summary>True for <c>service.*</c> actions, which a provider must support.</summary>
    public bool IsServiceAction => Name.StartsWith("service.", StringComparison.Ordinal);

    /// <summary>The namespace before the first dot (<c>notify</c>, <c>service</c>, <c>kubernetes</c>).</summary>
    public string Namespace => Name[..Math.Max(0, Name.IndexOf('.', StringComparison.Ordinal))];

    public ParameterDescriptor? FindParameter(string name) => Parameters.FirstOrDefault(p => p.Name == name);

    public OutputDescriptor? FindOutput(string name) => Outputs.FirstOrDefault(o => o.Name == name);

    /// <summary>
    /// The rollback a step of this action gets when it writes no <c>rollback:</c> of its own; null when the action
    /// brings none (the checker then asks for one on a mutating step, RB0302).
    /// </summary>
    public DefaultRollback? DefaultRollback { get; init; }
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
    /// <summary>
    /// Actions the platform cannot do, each with why and the platform's own way to do it instead; the checker shows
    /// them with RB0307, so the refusal comes at validate time and says what to do.
    /// </summary>
    public ImmutableDictionary<string, UnsupportedAction> Unsupported { get; init; } = ImmutableDictionary<string, UnsupportedAction>.Empty;

    public bool Supports(ActionDescriptor action) =>
        action.IsServiceAction ? SupportedServiceActions.Contains(action.Name)
        : OwnActions.Any(a => a.Name == action.Name) || !IsProviderNamespace(action.Namespace);

    /// <summary>How this provider words an action in a plan; the generic text when it adds none.</summary>
    public string PlanTextFor(ActionDescriptor action) => PlanTexts.GetValueOrDefault(action.Name, action.PlanText);

    private static bool IsProviderNamespace(string ns) => ns is "compose" or "kubernetes" or "aws" or "azure" or "gcp";
}

/// <summary>Why a provider cannot run an action, and what an operator does instead on that platform.</summary>
public sealed record UnsupportedAction(string Reason, string Fix);
