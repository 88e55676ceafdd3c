using System.Net;
using System.Text.Json.Nodes;
using Runbook.Execution.Actions;
using Runbook.Execution.Providers;

namespace Runbook.Providers.Kubernetes.Objects;

/// <summary>
/// kubernetes.patch: a merge (RFC 7386), strategic merge or JSON (RFC 6902) patch of any object but a secret. The
/// object is read first; the outputs carry the object after, whether anything changed, and the JSON patch that
/// undoes exactly the fields the patch changed (tested first, so a rollback never overwrites a later change by
/// someone else). <c>--dry-run</c> sends the same patch with <c>dryRun=All</c> and shows what would change.
/// </summary>
internal sealed class KubernetesPatchAction(KubeApi api) : IStepAction, IDryRunPreview
{
    public const string ActionName = "kubernetes.patch";

    public static readonly string[] Types = ["merge", "strategic", "json"];

    public string Name => ActionName;

    public async ValueTask<StepOutcome> ExecuteAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        try
        {
            var patch = Read(invocation);
            var result = await SendAsync(patch, dryRun: false, cancellationToken).ConfigureAwait(false);
            var changes = ObjectDiff.Changes(result.Before, result.After);
            invocation.Log.Line(LogStream.Info, changes.Count == 0
                ? $"{patch.What} patched (no change)"
                : $"{patch.What} patched ({patch.Type}): {ObjectDiff.Describe(changes, after: true)}");
            return StepOutcome.Success(new Dictionary<string, object?>
            {
                ["object"] = ObjectCalls.ToValue(result.After),
                ["resource_version"] = result.After["metadata"]?["resourceVersion"]?.GetValue<string>(),
                ["changed"] = changes.Count > 0,
                ["previous_resource_version"] = result.Before["metadata"]?["resourceVersion"]?.GetValue<string>(),
                ["undo"] = ObjectCalls.ToValue(ObjectDiff.Undo(changes)),
            });
        }
        catch (ProviderException ex)
        {
            return StepOutcome.Failure(ex.Message, retryable: ex.Retryable);
        }
    }

    public async ValueTask<DryRunPreview> PreviewAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        var patch = Read(invocation);
        var result = await SendAsync(patch, dryRun: true, cancellationToken).ConfigureAwait(false);
        var changes = ObjectDiff.Changes(result.Before, result.After);
        return changes.Count == 0
            ? new DryRunPreview($"would patch {patch.What} ({patch.Type}; the server's dry run: no change)")
            : new DryRunPreview($"would patch {patch.What} ({patch.Type}; the server's dry run)", ObjectDiff.Describe(changes, after: false), ObjectDiff.Describe(changes, after: true));
    }

    private sealed record Patch(KubeResource Resource, string Namespace, string Name, string Type, JsonNode Body)
    {
        public string What => $"{Resource.Kind.ToLowerInvariant()} '{Name}'";

        public string ContentType => Type switch
        {
            "json" => "application/json-patch+json",
            "strategic" => "application/strategic-merge-patch+json",
            _ => "application/merge-patch+json",
        };
    }

    private Patch Read(StepInvocation invocation)
    {
        var kind = invocation.GetString("kind") ?? string.Empty;
        var resource = KubeResource.Find(kind); // refuses secrets, in every spelling
        var name = invocation.GetString("name");
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new ProviderException(ProviderErrorKind.Failed, $"{ActionName}: name is empty; give the name of the {resource.Kind.ToLowerInvariant()} to patch");
        }

        var body = ObjectText.From(invocation.Get("patch"), "patch")
            ?? throw new ProviderException(ProviderErrorKind.Failed, $"{ActionName}: patch is empty; give a mapping (merge, strategic) or a list of operations (json)");
        var type = invocation.GetString("type")?.Trim().ToLowerInvariant() ?? (body is JsonArray ? "json" : "merge");
        if (!Types.Contains(type))
        {
            throw new ProviderException(ProviderErrorKind.Failed,
                $"{ActionName}: type '{invocation.GetString("type")}' is not a patch type; write merge (RFC 7386, the default), strategic (strategic merge) or json (RFC 6902)");
        }

        if (type == "json" && body is not JsonArray)
        {
            throw new ProviderException(ProviderErrorKind.Failed, $"{ActionName}: a json patch is a list of operations ({{op: replace, path: /spec/replicas, value: 3}}), not a mapping");
        }

        if (type != "json" && body is not JsonObject)
        {
            throw new ProviderException(ProviderErrorKind.Failed, $"{ActionName}: a {type} patch is a mapping of the fields to change; a list of operations needs type: json");
        }

        return new Patch(resource, invocation.GetString("namespace") ?? api.Namespace, name.Trim(), type, body);
    }

    private async Task<(JsonObject Before, JsonObject After)> SendAsync(Patch patch, bool dryRun, CancellationToken cancellationToken)
    {
        var path = patch.Resource.ObjectPath(patch.Namespace, patch.Name);
        var before = await ObjectCalls.GetAsync(api, path, patch.What, cancellationToken).ConfigureAwait(false)
            ?? throw new ProviderException(ProviderErrorKind.NotFound, $"{patch.What} not found in namespace '{patch.Namespace}' of {api.Source}");
        var query = dryRun ? "?dryRun=All&fieldManager=runbook" : "?fieldManager=runbook";
        var (status, body) = await api.SendRawAsync(HttpMethod.Patch, path + query, patch.ContentType, patch.Body.ToJsonString(), patch.What, cancellationToken)
            .ConfigureAwait(false);
        if (status is HttpStatusCode.UnprocessableEntity or HttpStatusCode.BadRequest)
        {
            throw new ProviderException(ProviderErrorKind.Failed,
                $"the API server refused the {patch.Type} patch of {patch.What}: {KubeApi.MessageOf(body)}. Check the patch against the object (kubernetes.get shows it).");
        }

        if ((int)status >= 300)
        {
            throw api.Failure(status, body, patch.What);
        }

        return (before, ObjectCalls.Parse(body, patch.What));
    }
}

/// <summary>Reads shared by the object actions.</summary>
internal static class ObjectCalls
{
    /// <summary>The object at <paramref name="path"/>, or null when there is none (404).</summary>
    public static async Task<JsonObject?> GetAsync(KubeApi api, string path, string what, CancellationToken cancellationToken)
    {
        var (status, body) = await api.SendRawAsync(HttpMethod.Get, path, null, null, what, cancellationToken).ConfigureAwait(false);
        if (status == HttpStatusCode.NotFound && KubeApi.MessageOf(body)?.Contains("could not find the requested resource", StringComparison.Ordinal) != true)
        {
            return null;
        }

        return (int)status >= 300 ? throw api.Failure(status, body, what) : Parse(body, what);
    }

    public static JsonObject Parse(string body, string what)
    {
        try
        {
            return JsonNode.Parse(body) as JsonObject ?? throw new ProviderException(ProviderErrorKind.Failed, $"the API server's answer for {what} is not an object");
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw new ProviderException(ProviderErrorKind.Failed, $"the API server's answer for {what} is not JSON: {ex.Message}");
        }
    }

    public static object? ToValue(JsonNode? node)
    {
        using var document = System.Text.Json.JsonDocument.Parse(node?.ToJsonString() ?? "null");
        return Values.FromJson(document.RootElement);
    }
}
