using System.Collections.Immutable;

namespace Runbook.Execution.Approvals;

/// <summary>Approver groups from the config file: a gate's <c>approvers</c> may name people or groups.</summary>
public sealed class ApproverDirectory(ImmutableDictionary<string, ImmutableArray<string>> groups)
{
    public static ApproverDirectory Empty { get; } = new(ImmutableDictionary<string, ImmutableArray<string>>.Empty);

    public ImmutableDictionary<string, ImmutableArray<string>> Groups { get; } = groups;

    /// <summary>True when <paramref name="person"/> is named, or is in a named group. No approvers listed means anyone.</summary>
    public bool IsEligible(string person, IReadOnlyCollection<string> approvers) =>
        approvers.Count == 0 || approvers.Any(a => a == person || (Groups.TryGetValue(a, out var members) && members.Contains(person)));
}
