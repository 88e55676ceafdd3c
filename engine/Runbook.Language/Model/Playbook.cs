using System.Collections.Immutable;
using Runbook.Language.Text;

namespace Runbook.Language.Model;

/// <summary>A bound playbook: typed, immutable, every node keeping the span it came from.</summary>
public sealed record Playbook(
    string Path,
    SourceSpan Span,
    string Name,
    string? Description,
    string? Severity,
    ImmutableArray<KeyValuePair<string, string>> Labels,
    ImmutableArray<InputDefinition> Inputs,
    ImmutableArray<Phase> Phases)
{
    /// <summary>
    /// The environment variables expressions may read as <c>env.NAME</c> (the top-level <c>env:</c> list); no
    /// other variable of the engine's process is visible to a playbook.
    /// </summary>
    public ImmutableArray<EnvironmentVariable> Environment { get; init; } = [];

    /// <summary>
    /// The providers the playbook says it is for (top-level <c>providers:</c>); empty when it does not say, and then
    /// every provider that supports all its actions may run it.
    /// </summary>
    public ImmutableArray<ProviderClaim> Providers { get; init; } = [];

    public IEnumerable<Step> Steps => Phases.SelectMany(p => p.Steps);

    public Step? FindStep(string id) => Steps.FirstOrDefault(s => s.Id == id);

    public InputDefinition? FindInput(string name) => Inputs.FirstOrDefault(i => i.Name == name);
}

/// <summary>A provider named in the playbook's top-level <c>providers:</c> list, with where it is written.</summary>
public sealed record ProviderClaim(string Name, SourceSpan Span);

/// <summary>A name in the playbook's top-level <c>env:</c> list, with where it is written.</summary>
public sealed record EnvironmentVariable(string Name, SourceSpan Span);

public enum PhaseKind
{
    Assess,
    Gather,
    Communicate,
    Mitigate,
    Resolve,
}

/// <summary>A phase: a barrier in the run; its steps run in order unless it is parallel.</summary>
public sealed record Phase(PhaseKind Kind, bool Parallel, ImmutableArray<Step> Steps, SourceSpan Span)
{
    /// <summary>Assess and gather are read-only by contract, so they are always safe to run.</summary>
    public bool IsReadOnly => Kind is PhaseKind.Assess or PhaseKind.Gather;

    public string Name => Kind.ToString().ToLowerInvariant();
}

public static class PhaseKinds
{
    public static readonly ImmutableArray<string> Names = ["assess", "gather", "communicate", "mitigate", "resolve"];

    public static string ToName(this PhaseKind kind) => Names[(int)kind];
}
