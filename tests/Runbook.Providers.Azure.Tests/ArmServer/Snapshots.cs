namespace Runbook.Providers.Azure.Tests.ArmServer;

/// <summary>What the server holds for a container app, read at one instant: what tests compare a client's view with.</summary>
public sealed record ContainerAppSnapshot(
    string ResourceGroup,
    string Name,
    string Image,
    int MinReplicas,
    int MaxReplicas,
    string ProvisioningState,
    string ActiveRevisionsMode,
    string LatestRevision,
    string? LatestReadyRevision,
    IReadOnlyList<RevisionSnapshot> Revisions)
{
    /// <summary>The revision with this name; fails the test naming the ones there are when it is missing.</summary>
    public RevisionSnapshot Revision(string name) => Revisions.FirstOrDefault(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new InvalidOperationException($"container app {Name} has no revision {name} (it has {string.Join(", ", Revisions.Select(r => r.Name))})");

    public IReadOnlyList<RevisionSnapshot> ActiveRevisions => [.. Revisions.Where(r => r.Active)];

    /// <summary>Revision name → traffic weight, for the revisions that take traffic.</summary>
    public IReadOnlyDictionary<string, int> Traffic => Revisions.Where(r => r.TrafficWeight > 0).ToDictionary(r => r.Name, r => r.TrafficWeight);
}

/// <summary>A revision as <c>GET …/revisions/{name}</c> would show it, with how many times it was restarted.</summary>
public sealed record RevisionSnapshot(
    string Name,
    string Image,
    bool Active,
    int TrafficWeight,
    string ProvisioningState,
    string HealthState,
    string RunningState,
    int Replicas,
    DateTimeOffset Created,
    int Restarts,
    string? ProvisioningError);
