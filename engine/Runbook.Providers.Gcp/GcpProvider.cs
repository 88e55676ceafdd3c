using System.Collections.Immutable;
using Runbook.Execution.Providers;
using Runbook.Language.Actions;

namespace Runbook.Providers.Gcp;

/// <summary>Google Cloud Run: the service interface over Cloud Run Admin API v2 services and revisions.</summary>
public sealed class GcpProvider
{
    public static ProviderDescriptor Describe { get; } = new(
        "gcp",
        "Google Cloud Run services (Cloud Run Admin API v2).",
        [],
        [.. ServiceActions.All.Select(a => a.Name)],
        ImmutableDictionary.CreateRange(new Dictionary<string, string>
        {
            ["service.describe"] = "services.get {service}",
            ["service.scale"] = "services.patch {service} scaling.minInstanceCount={replicas}",
            ["service.rollback"] = "services.patch {service} traffic 100% to revision {to}",
        }));
}
