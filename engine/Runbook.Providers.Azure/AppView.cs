using System.Globalization;
using System.Text.Json.Nodes;

namespace Runbook.Providers.Azure;

/// <summary>
/// A container app with its revisions, read together, and what the verbs conclude from them: which revision the app
/// serves (<see cref="Current"/>), which one came before it (<see cref="Previous"/>), the revision mode and the scale.
/// </summary>
internal sealed record AppView(string Name, ContainerApp App, IReadOnlyList<ContainerAppRevision> Revisions)
{
    public ContainerAppProperties Properties => App.Properties ?? new(null, null, null, null, null, null);

    /// <summary>Multiple-revision mode: several revisions active, traffic split by weight. Single (ARM's default): one.</summary>
    public bool Multiple => string.Equals(Properties.Configuration?.ActiveRevisionsMode, "Multiple", StringComparison.OrdinalIgnoreCase);

    public bool HasIngress => Properties.Configuration?.Ingress is not null;

    /// <summary>Newest first, by ARM's createdTime (the name's suffix says nothing about order).</summary>
    public IReadOnlyList<ContainerAppRevision> Newest { get; } =
        [.. Revisions.OrderByDescending(r => r.Properties?.CreatedTime ?? DateTimeOffset.MinValue).ThenByDescending(r => r.Name, StringComparer.Ordinal)];

    /// <summary>
    /// Traffic pinned to named revisions: multiple-revision mode with no weight on <c>latestRevision</c> (after a
    /// rollback, or a blue/green switch). Otherwise the app follows its latest revision.
    /// </summary>
    public bool TrafficPinned => Multiple && Properties.Configuration?.Ingress?.Traffic is { Count: > 0 } traffic
        && !traffic.Any(t => t.LatestRevision == true && (t.Weight ?? 0) > 0);

    /// <summary>
    /// The revision the app serves, or is rolling out: the latest revision (ARM's latestRevisionName, which a new
    /// template makes at once, before it is ready) unless traffic is pinned, then the revision with the most traffic.
    /// This is the desired state, as a Deployment's newest ReplicaSet is on Kubernetes: a deploy names its new
    /// revision at once, and a revision that fails never hides the one before it from a rollback.
    /// </summary>
    public string? Current
    {
        get
        {
            if (TrafficPinned)
            {
                var weights = Properties.Configuration!.Ingress!.Traffic!.Where(t => t.RevisionName is not null)
                    .GroupBy(t => t.RevisionName!, StringComparer.Ordinal).Select(g => (Name: g.Key, Weight: g.Sum(t => t.Weight ?? 0)));
                if (weights.OrderByDescending(w => w.Weight).FirstOrDefault() is { Name: { } heaviest })
                {
                    return heaviest;
                }
            }

            return Properties.LatestRevisionName ?? Properties.LatestReadyRevisionName ?? Newest.FirstOrDefault(r => r.Properties?.Active == true)?.Name;
        }
    }

    public ContainerAppRevision? Revision(string? name) => name is null ? null : Revisions.FirstOrDefault(r => r.Name == name);

    /// <summary>The newest revision older than <see cref="Current"/> that was active (now or before: lastActiveTime) and did not fail.</summary>
    public string? Previous
    {
        get
        {
            var current = Current;
            var older = Newest.SkipWhile(r => r.Name != current).Skip(1);
            return older.FirstOrDefault(r => (r.Properties?.Active == true || r.Properties?.LastActiveTime is not null)
                && !string.Equals(r.Properties?.ProvisioningState, "Failed", StringComparison.OrdinalIgnoreCase))?.Name;
        }
    }

    public int MinReplicas => Int(Properties.Template?["scale"]?["minReplicas"]) ?? 0;

    /// <summary>ARM's default when the template leaves it out is 10.</summary>
    public int MaxReplicas => Int(Properties.Template?["scale"]?["maxReplicas"]) ?? 10;

    /// <summary>The traffic a revision gets: ARM's trafficWeight on the revision.</summary>
    public static int Weight(ContainerAppRevision revision) => revision.Properties?.TrafficWeight ?? 0;

    /// <summary>The image of a container of a template: the 'container' setting's, else the first container's.</summary>
    public static string? Image(JsonObject? template, string? container) =>
        Text(Container(template, container)?["image"]);

    public static JsonObject? Container(JsonObject? template, string? container)
    {
        if (template?["containers"] is not JsonArray containers)
        {
            return null;
        }

        return containers.OfType<JsonObject>().FirstOrDefault(c => container is null || Text(c["name"]) == container);
    }

    public static IEnumerable<string> ContainerNames(JsonObject? template) =>
        (template?["containers"] as JsonArray)?.OfType<JsonObject>().Select(c => Text(c["name"]) ?? "?") ?? [];

    public static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static int? Int(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<int>(out var number) ? number
        : node is JsonValue text && text.TryGetValue<string>(out var s) && int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) ? parsed
        : null;
}
