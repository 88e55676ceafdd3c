namespace Runbook.Providers.Gcp.Tests.CloudRunServer;

/// <summary>A traffic entry: what the spec asks for (<see cref="ServiceSnapshot.Traffic"/>) or what is served (<see cref="ServiceSnapshot.TrafficStatuses"/>).</summary>
/// <param name="Type">TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST or TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION.</param>
/// <param name="Revision">The revision's short name; for a LATEST status, the revision it resolved to.</param>
public sealed record TrafficSnapshot(string Type, string? Revision, int Percent, string? Tag = null)
{
    public bool Latest => Type == CloudRunBackend.Latest;
}

/// <summary>A revision as the server holds it now.</summary>
public sealed record RevisionSnapshot(string Name, bool Ready, bool Failed, string Image, int MinInstances, int MaxInstances,
    DateTimeOffset Created, string? FailureReason, string? FailureMessage, IReadOnlyDictionary<string, string> Annotations);

/// <summary>A service as the server holds it now: its spec, and what its revision controller has made of it.</summary>
public sealed record ServiceSnapshot(
    string Name,
    string Image,
    int MinInstances,
    int MaxInstances,
    long Generation,
    long ObservedGeneration,
    string Etag,
    bool Reconciling,
    bool Ready,
    string? LatestReadyRevision,
    string? LatestCreatedRevision,
    IReadOnlyList<TrafficSnapshot> Traffic,
    IReadOnlyList<TrafficSnapshot> TrafficStatuses,
    IReadOnlyList<RevisionSnapshot> Revisions,
    IReadOnlyDictionary<string, string> TemplateAnnotations)
{
    /// <summary>The revision serving the largest share of traffic now (null when none serves).</summary>
    public string? ServingRevision => TrafficStatuses.Where(t => t.Revision is not null).OrderByDescending(t => t.Percent).FirstOrDefault()?.Revision;

    /// <summary>The share of traffic a revision serves now.</summary>
    public int PercentServedBy(string revision) => TrafficStatuses.Where(t => t.Revision == revision).Sum(t => t.Percent);
}

/// <summary>A Cloud Logging entry the server holds.</summary>
public sealed record LogEntrySnapshot(string InsertId, string Service, string Revision, DateTimeOffset Timestamp, string Severity, string Text, string LogName);
