using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Core;
using Runbook.Execution.Providers;

namespace Runbook.Providers.Azure;

/// <summary>
/// The service interface over Azure Container Apps, doing what the <c>az containerapp</c> commands do: show and
/// revision list (describe, history), update --min/--max-replicas (scale), revision restart, update --image (deploy),
/// revision activate + ingress traffic set or re-applying the previous revision's template (rollback), and the log
/// stream (logs). Writes follow ARM's long-running operation to its end, as az does without --no-wait.
/// </summary>
internal sealed class ContainerAppsBackend(ArmClient arm, ContainerAppLogs logs, string? containerName, TimeSpan pollInterval) : IServiceBackend
{
    public ArmClient Arm => arm;

    /// <summary>The container whose image deploy sets and whose logs are read: the 'container' setting, else the first.</summary>
    public string? ContainerName => containerName;

    public async Task<ServiceState> DescribeAsync(string service, CancellationToken cancellationToken)
    {
        var view = await ViewAsync(service, cancellationToken).ConfigureAwait(false);
        var properties = view.Properties;
        var currentName = view.Current;
        var current = view.Revision(currentName);
        var revisionProperties = current?.Properties;
        var replicas = revisionProperties?.Replicas ?? 0;

        // What the app keeps running: its replica count while that is within min..max (the autoscaler's choice), else
        // the bound it is held to. 'replicas: N' sets min = max = N, so this is N.
        var desired = Math.Clamp(replicas, view.MinReplicas, Math.Max(view.MinReplicas, view.MaxReplicas));
        var appSucceeded = string.Equals(properties.ProvisioningState, "Succeeded", StringComparison.OrdinalIgnoreCase);
        var revisionReady = revisionProperties is not null
            && string.Equals(revisionProperties.ProvisioningState, "Provisioned", StringComparison.OrdinalIgnoreCase)
            && string.Equals(revisionProperties.RunningState, "Running", StringComparison.OrdinalIgnoreCase)
            && !string.Equals(revisionProperties.HealthState, "Unhealthy", StringComparison.OrdinalIgnoreCase);

        // In single-revision mode a rollout has finished when the new revision carries all the traffic and the old one is gone.
        var othersServing = !view.Multiple && view.HasIngress && view.Revisions.Any(r => r.Name != currentName && AppView.Weight(r) > 0);
        var healthy = appSucceeded && revisionReady && !othersServing;
        return new ServiceState(service, replicas, desired,
            AppView.Image(current?.Properties?.Template ?? properties.Template, containerName), currentName, view.Previous, healthy,
            [.. view.Newest.Where(r => r.Properties?.Active == true).Select(r => new ServiceInstance(r.Name ?? "?",
                $"{r.Properties?.RunningState ?? "Unknown"}, {r.Properties?.Replicas ?? 0} replicas, {AppView.Weight(r)}% traffic",
                r.Properties?.HealthState, AppView.Image(r.Properties?.Template, containerName)))],
            Problem(view, current), Progress(view, current, desired));
    }

    /// <summary>Why the app cannot become ready however long one waits: ARM failed it or the revision (with ARM's words), or null.</summary>
    private string? Problem(AppView view, ContainerAppRevision? current)
    {
        var where = $"container app '{view.Name}' in resource group '{arm.Target.ResourceGroup}'";
        if (string.Equals(current?.Properties?.ProvisioningState, "Failed", StringComparison.OrdinalIgnoreCase)
            || string.Equals(current?.Properties?.RunningState, "Failed", StringComparison.OrdinalIgnoreCase))
        {
            var p = current!.Properties!;
            return $"revision '{current.Name}' of {where} is provisioningState {p.ProvisioningState ?? "?"}, runningState {p.RunningState ?? "?"}, health {p.HealthState ?? "?"}: "
                + (p.ProvisioningError is { Length: > 0 } error ? error : "ARM gave no provisioningError");
        }

        return string.Equals(view.Properties.ProvisioningState, "Failed", StringComparison.OrdinalIgnoreCase)
            ? $"{where} is provisioningState Failed (runningStatus {view.Properties.RunningStatus ?? "?"})"
            : null;
    }

    private static string Progress(AppView view, ContainerAppRevision? current, int desired)
    {
        var p = view.Properties;
        var revision = current is null ? $"revision '{view.Current ?? "(none)"}' not listed yet"
            : $"revision '{current.Name}' {current.Properties?.ProvisioningState ?? "?"}, {current.Properties?.RunningState ?? "?"}, {current.Properties?.HealthState ?? "?"}, {current.Properties?.Replicas ?? 0}/{desired} replicas, {AppView.Weight(current)}% traffic";
        return $"provisioningState {p.ProvisioningState ?? "?"}, runningStatus {p.RunningStatus ?? "?"}; {revision}; latest {p.LatestRevisionName ?? "(none)"}, latest ready {p.LatestReadyRevisionName ?? "(none)"}; scale {view.MinReplicas}..{view.MaxReplicas}";
    }

    public async Task<ImmutableArray<Revision>> HistoryAsync(string service, int limit, CancellationToken cancellationToken)
    {
        var view = await ViewAsync(service, cancellationToken).ConfigureAwait(false);
        var current = view.Current;
        return [.. view.Newest.Take(Math.Max(0, limit)).Where(r => r.Name is not null).Select(r => new Revision(r.Name!, r.Name == current, Describe(r)))];
    }

    /// <summary>How a revision stands, as az containerapp revision list shows it: "active, 100% traffic, Healthy, Running, 2 replicas, created …".</summary>
    internal static string Describe(ContainerAppRevision revision)
    {
        var p = revision.Properties;
        var created = p?.CreatedTime is { } at ? at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture) : "?";
        return $"{(p?.Active == true ? "active" : "inactive")}, {AppView.Weight(revision)}% traffic, {p?.HealthState ?? "?"}, {p?.RunningState ?? "?"}, "
            + $"{p?.Replicas ?? 0} replicas, {p?.ProvisioningState ?? "?"}, created {created}";
    }

    public async Task ScaleAsync(string service, int replicas, CancellationToken cancellationToken)
    {
        if (replicas < 1)
        {
            // maxReplicas must be ≥ 1 on Container Apps; min 0 only lets it scale to zero when idle, which is not "0 replicas".
            throw new ProviderException(ProviderErrorKind.Failed,
                $"service.scale of container app '{service}' to {replicas}: Container Apps keeps maxReplicas at 1 or more, so 'replicas: 0' cannot stop it; scale to 1 or more");
        }

        var patch = new JsonObject
        {
            ["properties"] = new JsonObject
            {
                ["template"] = new JsonObject { ["scale"] = new JsonObject { ["minReplicas"] = replicas, ["maxReplicas"] = replicas } },
            },
        };
        await PatchAsync(service, patch, "scale", cancellationToken).ConfigureAwait(false);
    }

    public async Task RestartAsync(string service, CancellationToken cancellationToken)
    {
        var view = await ViewAsync(service, cancellationToken).ConfigureAwait(false);
        var serving = view.Revisions.Where(r => AppView.Weight(r) > 0).ToList();
        if (serving.Count == 0)
        {
            // No ingress (or no traffic reported): the revisions that run.
            serving = [.. view.Revisions.Where(r => r.Properties?.Active == true)];
        }

        if (serving.Count == 0)
        {
            throw new ProviderException(ProviderErrorKind.Failed,
                $"container app '{service}' in resource group '{arm.Target.ResourceGroup}' has no active revision to restart");
        }

        foreach (var revision in serving)
        {
            await arm.WriteAsync(RequestMethod.Post, arm.AppPath(service, $"/revisions/{Uri.EscapeDataString(revision.Name!)}/restart"), null,
                Scope("restart", service, revision.Name), cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task DeployAsync(string service, string image, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(image))
        {
            throw new ProviderException(ProviderErrorKind.Failed, $"service.deploy of container app '{service}' needs an image");
        }

        var app = await AppAsync(service, cancellationToken).ConfigureAwait(false);
        var template = app.Properties?.Template ?? throw NoTemplate(service);
        var containers = (template["containers"] as JsonArray)?.DeepClone().AsArray() ?? throw NoTemplate(service);
        var container = containers.OfType<JsonObject>().FirstOrDefault(c => containerName is null || AppView.Text(c["name"]) == containerName)
            ?? throw new ProviderException(ProviderErrorKind.NotFound,
                $"container app '{service}' has no container '{containerName}' (the 'container' setting); it has {string.Join(", ", AppView.ContainerNames(template))}");
        container["image"] = image;

        // JSON merge patch: the containers array is replaced whole, so it carries every container as ARM has it.
        var templatePatch = new JsonObject { ["containers"] = containers };
        if (template.ContainsKey("revisionSuffix"))
        {
            templatePatch["revisionSuffix"] = null; // a suffix names one revision; kept, the new revision's name would clash
        }

        await PatchAsync(service, new JsonObject { ["properties"] = new JsonObject { ["template"] = templatePatch } }, "deploy", cancellationToken)
            .ConfigureAwait(false);
    }

    public async Task RollbackAsync(string service, string? revision, CancellationToken cancellationToken)
    {
        var view = await ViewAsync(service, cancellationToken).ConfigureAwait(false);
        var where = $"container app '{service}' in resource group '{arm.Target.ResourceGroup}'";
        var targetName = revision is { Length: > 0 } named ? Named(view, named.Trim())
            : view.Previous ?? throw new ProviderException(ProviderErrorKind.NotFound,
                $"{where} has no revision before '{view.Current}' that was active: nothing to roll back to (see service.history)");
        var target = view.Revision(targetName) ?? throw new ProviderException(ProviderErrorKind.NotFound,
            $"{where} has no revision '{targetName}'; it has {string.Join(", ", view.Newest.Select(r => r.Name))} (see service.history)");

        if (view.Multiple)
        {
            await RollbackByTrafficAsync(view, target, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await RollbackByTemplateAsync(view, target, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Multiple-revision mode: activate the target (if it is not) and give it all the traffic; without ingress, deactivate the others.</summary>
    private async Task RollbackByTrafficAsync(AppView view, ContainerAppRevision target, CancellationToken cancellationToken)
    {
        var name = target.Name!;
        if (target.Properties?.Active != true)
        {
            await arm.WriteAsync(RequestMethod.Post, arm.AppPath(view.Name, $"/revisions/{Uri.EscapeDataString(name)}/activate"), null,
                Scope("activate", view.Name, name), cancellationToken).ConfigureAwait(false);
        }

        if (view.HasIngress)
        {
            var patch = new JsonObject
            {
                ["properties"] = new JsonObject
                {
                    ["configuration"] = new JsonObject
                    {
                        ["ingress"] = new JsonObject { ["traffic"] = new JsonArray(new JsonObject { ["revisionName"] = name, ["weight"] = 100 }) },
                    },
                },
            };
            await PatchAsync(view.Name, patch, "rollback", cancellationToken).ConfigureAwait(false);
            return;
        }

        foreach (var other in view.Revisions.Where(r => r.Name != name && r.Properties?.Active == true))
        {
            await arm.WriteAsync(RequestMethod.Post, arm.AppPath(view.Name, $"/revisions/{Uri.EscapeDataString(other.Name!)}/deactivate"), null,
                Scope("deactivate", view.Name, other.Name), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Single-revision mode: an old revision cannot take traffic again, so its template is applied to the app, which
    /// makes a new revision running exactly what it ran. The app's scale stays as it is now (a scale-up made during the
    /// incident is not undone), and a revisionSuffix is dropped (it named the old revision). Keys the current template
    /// has and the old one had not are removed (null in a merge patch).
    /// </summary>
    private async Task RollbackByTemplateAsync(AppView view, ContainerAppRevision target, CancellationToken cancellationToken)
    {
        var old = target.Properties?.Template?.DeepClone().AsObject() ?? throw new ProviderException(ProviderErrorKind.Failed,
            $"revision '{target.Name}' of container app '{view.Name}' has no template in ARM's answer: cannot re-apply it");
        old.Remove("revisionSuffix");
        old.Remove("scale");
        if (view.Properties.Template is { } now)
        {
            foreach (var key in now.Select(p => p.Key).Where(k => k is not ("scale" or "revisionSuffix") && !old.ContainsKey(k)).ToList())
            {
                old[key] = null;
            }

            if (now.ContainsKey("revisionSuffix"))
            {
                old["revisionSuffix"] = null;
            }
        }

        await PatchAsync(view.Name, new JsonObject { ["properties"] = new JsonObject { ["template"] = old } }, "rollback", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A revision as 'to:' names it: its full name, or the suffix after the app's name ('v1' for 'web--v1').</summary>
    private static string Named(AppView view, string name) =>
        view.Revision(name) is not null || view.Revision($"{view.Name}--{name}") is null ? name : $"{view.Name}--{name}";

    public Task WaitForChangeAsync(string service, TimeSpan atMost, TimeProvider time, CancellationToken cancellationToken) =>
        Task.Delay(atMost < pollInterval ? atMost : pollInterval, time, cancellationToken);

    public Task<ImmutableArray<string>> LogsAsync(string service, LogQuery query, CancellationToken cancellationToken) =>
        logs.ReadAsync(this, service, query, cancellationToken);

    internal async Task<AppView> ViewAsync(string service, CancellationToken cancellationToken)
    {
        var app = await AppAsync(service, cancellationToken).ConfigureAwait(false);
        var revisions = await arm.ListAsync<RevisionCollection, ContainerAppRevision>(arm.AppPath(service, "/revisions"), ArmJson.Default.RevisionCollection,
            page => (page.Value, page.NextLink), Scope("revision list", service), cancellationToken).ConfigureAwait(false);
        return new AppView(service, app, revisions);
    }

    internal Task<ContainerApp> AppAsync(string service, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(service))
        {
            throw new ProviderException(ProviderErrorKind.Failed, "no service named: give the step a 'service'");
        }

        return arm.GetAsync(arm.AppPath(service), ArmJson.Default.ContainerApp, Scope("show", service), cancellationToken);
    }

    private async Task PatchAsync(string service, JsonObject patch, string verb, CancellationToken cancellationToken) =>
        await arm.WriteAsync(RequestMethod.Patch, arm.AppPath(service), JsonSerializer.SerializeToUtf8Bytes(patch, ArmJson.Default.JsonObject),
            Scope(verb, service), cancellationToken).ConfigureAwait(false);

    internal ArmScope Scope(string verb, string service, string? revision = null) =>
        new(verb, revision is null
                ? $"container app '{service}' in resource group '{arm.Target.ResourceGroup}'"
                : $"revision '{revision}' of container app '{service}' in resource group '{arm.Target.ResourceGroup}'",
            arm.AppPath(service, revision is null ? string.Empty : $"/revisions/{revision}"));

    private ProviderException NoTemplate(string service) =>
        new(ProviderErrorKind.Failed, $"container app '{service}' in resource group '{arm.Target.ResourceGroup}' has no template.containers in ARM's answer");
}
