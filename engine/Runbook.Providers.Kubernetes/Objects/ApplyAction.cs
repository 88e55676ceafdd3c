using System.Net;
using System.Text.Json.Nodes;
using Runbook.Execution.Actions;
using Runbook.Execution.Actions.Files;
using Runbook.Execution.Providers;

namespace Runbook.Providers.Kubernetes.Objects;

/// <summary>
/// kubernetes.apply: server-side apply of one manifest with field manager <c>runbook</c>, as
/// <c>kubectl apply --server-side</c> sends it. Without <c>force</c> a field another manager owns is a conflict the
/// step reports with the managers and the fix. The outputs say whether it created the object and carry its undo:
/// delete it (created), or the JSON patch that puts back the fields it changed (see kubernetes.restore).
/// </summary>
internal sealed class KubernetesApplyAction(KubeApi api) : IStepAction, IDryRunPreview
{
    public const string ActionName = "kubernetes.apply";

    public const string FieldManager = "runbook";

    public string Name => ActionName;

    public async ValueTask<StepOutcome> ExecuteAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        try
        {
            var manifest = Read(invocation);
            var (before, after) = await SendAsync(manifest, invocation.Get("force") is true, dryRun: false, cancellationToken).ConfigureAwait(false);
            List<FieldChange> changes = before is null ? [] : ObjectDiff.Changes(before, after);
            JsonNode undo = before is null
                ? new JsonObject
                {
                    ["delete"] = new JsonObject
                    {
                        ["uid"] = after["metadata"]?["uid"]?.DeepClone(),
                        ["resource_version"] = after["metadata"]?["resourceVersion"]?.DeepClone(),
                    },
                }
                : ObjectDiff.Undo(changes);
            invocation.Log.Line(LogStream.Info, before is null ? $"{manifest.What} created (server-side apply)"
                : changes.Count == 0 ? $"{manifest.What} unchanged (server-side apply)"
                : $"{manifest.What} applied: {ObjectDiff.Describe(changes, after: true)}");
            return StepOutcome.Success(new Dictionary<string, object?>
            {
                ["kind"] = manifest.Resource.Kind,
                ["api_version"] = manifest.Resource.GroupVersion,
                ["name"] = manifest.Name,
                ["namespace"] = manifest.Namespace,
                ["created"] = before is null,
                ["changed"] = before is null || changes.Count > 0,
                ["resource_version"] = after["metadata"]?["resourceVersion"]?.GetValue<string>(),
                ["object"] = ObjectCalls.ToValue(after),
                ["undo"] = ObjectCalls.ToValue(undo),
            });
        }
        catch (ProviderException ex)
        {
            return StepOutcome.Failure(ex.Message, retryable: ex.Retryable);
        }
        catch (ContainedFileException ex)
        {
            return StepOutcome.Failure($"{ActionName}: {ex.Message} (RB0313)", retryable: false);
        }
    }

    public async ValueTask<DryRunPreview> PreviewAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        var manifest = Read(invocation);
        var (before, after) = await SendAsync(manifest, invocation.Get("force") is true, dryRun: true, cancellationToken).ConfigureAwait(false);
        if (before is null)
        {
            return new DryRunPreview($"would create {manifest.What} in namespace '{manifest.Namespace}' (server-side apply; the server's dry run accepted it)");
        }

        var changes = ObjectDiff.Changes(before, after);
        return changes.Count == 0
            ? new DryRunPreview($"would apply {manifest.What} (the server's dry run: no change)")
            : new DryRunPreview($"would apply {manifest.What} (server-side apply; the server's dry run)", ObjectDiff.Describe(changes, after: false), ObjectDiff.Describe(changes, after: true));
    }

    private sealed record Manifest(KubeResource Resource, string Namespace, string Name, JsonObject Body)
    {
        public string What => $"{Resource.Kind.ToLowerInvariant()} '{Name}'";

        public string Path => Resource.ObjectPath(Namespace, Name);
    }

    private Manifest Read(StepInvocation invocation)
    {
        var inline = invocation.Get("manifest");
        var file = invocation.GetString("file");
        if ((inline is null) == (file is null))
        {
            throw new ProviderException(ProviderErrorKind.Failed, $"{ActionName}: give manifest (the object, as YAML or text) or file (inside the playbook's folder), exactly one");
        }

        var node = file is not null
            ? ObjectText.From(ContainedFile.ReadText(file, [invocation.Context.WorkingDirectory], "file").Text, $"file '{file}'")
            : ObjectText.From(inline, "manifest");
        if (node is not JsonObject body)
        {
            throw new ProviderException(ProviderErrorKind.Failed, $"{ActionName}: the manifest is not one object (a mapping with apiVersion, kind and metadata.name)");
        }

        var apiVersion = Text(body["apiVersion"]);
        var kind = Text(body["kind"]);
        var name = Text(body["metadata"]?["name"]);
        if (apiVersion is null || kind is null || string.IsNullOrWhiteSpace(name))
        {
            throw new ProviderException(ProviderErrorKind.Failed, $"{ActionName}: the manifest needs apiVersion, kind and metadata.name");
        }

        if (kind.EndsWith("List", StringComparison.Ordinal))
        {
            throw new ProviderException(ProviderErrorKind.Failed, $"{ActionName}: a {kind} holds many objects; apply one object per step, so each has its own rollback");
        }

        var resource = KubeResource.FindKind(apiVersion, kind); // refuses secrets
        var ns = invocation.GetString("namespace") ?? api.Namespace;
        if (resource.Namespaced)
        {
            var written = Text(body["metadata"]?["namespace"]);
            if (written is not null && written != ns)
            {
                // kubectl refuses this too: the namespace the operator chose is the one the step writes to.
                throw new ProviderException(ProviderErrorKind.Failed,
                    $"{ActionName}: the manifest is for namespace '{written}' but the step applies into '{ns}'; remove metadata.namespace from the manifest or set namespace: {written} on the step");
            }

            body["metadata"]!["namespace"] = ns;
        }

        return new Manifest(resource, resource.Namespaced ? ns : string.Empty, name.Trim(), body);
    }

    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private async Task<(JsonObject? Before, JsonObject After)> SendAsync(Manifest manifest, bool force, bool dryRun, CancellationToken cancellationToken)
    {
        var before = await ObjectCalls.GetAsync(api, manifest.Path, manifest.What, cancellationToken).ConfigureAwait(false);
        var query = $"?fieldManager={FieldManager}&force={(force ? "true" : "false")}" + (dryRun ? "&dryRun=All" : string.Empty);
        var (status, body) = await api.SendRawAsync(HttpMethod.Patch, manifest.Path + query, "application/apply-patch+yaml", manifest.Body.ToJsonString(),
            manifest.What, cancellationToken).ConfigureAwait(false);
        if (status == HttpStatusCode.Conflict)
        {
            throw new ProviderException(ProviderErrorKind.Failed,
                $"{ActionName}: {KubeApi.MessageOf(body)}. The fields belong to {Managers(body)}: leave them out of the manifest, change them through their owner, "
                + "or set force: true to take them over (the owner may set them back)");
        }

        if (status is HttpStatusCode.UnprocessableEntity or HttpStatusCode.BadRequest)
        {
            throw new ProviderException(ProviderErrorKind.Failed, $"the API server refused the manifest of {manifest.What}: {KubeApi.MessageOf(body)}");
        }

        if ((int)status >= 300)
        {
            throw api.Failure(status, body, manifest.What);
        }

        return (before, ObjectCalls.Parse(body, manifest.What));
    }

    /// <summary>The managers a conflict Status names in its causes ("conflict with \"kubectl-edit\" using apps/v1").</summary>
    private static string Managers(string body)
    {
        try
        {
            var causes = JsonNode.Parse(body)?["details"]?["causes"] as JsonArray ?? [];
            var managers = causes.Select(c => Text(c?["message"]) ?? string.Empty)
                .Select(m => m.Split('"') is { Length: >= 3 } parts ? parts[1] : null)
                .OfType<string>().Distinct(StringComparer.Ordinal).ToList();
            return managers.Count == 0 ? "another field manager" : string.Join(", ", managers.Select(m => $"'{m}'"));
        }
        catch (System.Text.Json.JsonException)
        {
            return "another field manager";
        }
    }
}
