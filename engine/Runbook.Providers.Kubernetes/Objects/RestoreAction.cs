using System.Net;
using System.Text.Json.Nodes;
using Runbook.Execution.Actions;
using Runbook.Execution.Providers;

namespace Runbook.Providers.Kubernetes.Objects;

/// <summary>
/// kubernetes.restore: the rollback of kubernetes.patch and kubernetes.apply. <c>undo</c> is what the step left in
/// its outputs: a JSON patch (its tests first, so a field someone changed since makes the server refuse the whole
/// patch and nothing is overwritten), or <c>{delete: {uid, resource_version}}</c> for an object the step created,
/// deleted only while it is still the very object the step left (preconditions on both).
/// </summary>
internal sealed class KubernetesRestoreAction(KubeApi api) : IStepAction, IDryRunPreview
{
    public const string ActionName = "kubernetes.restore";

    public string Name => ActionName;

    public async ValueTask<StepOutcome> ExecuteAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        try
        {
            var target = Read(invocation);
            return target.Undo switch
            {
                JsonArray { Count: 0 } => Done(invocation, target, "nothing to restore: the step changed nothing", restored: false),
                JsonArray operations => await PatchBackAsync(invocation, target, operations, cancellationToken).ConfigureAwait(false),
                JsonObject { } undo when undo["delete"] is JsonObject delete => await DeleteAsync(invocation, target, delete, cancellationToken).ConfigureAwait(false),
                _ => StepOutcome.Failure($"{ActionName}: undo is neither a JSON patch (a list) nor {{delete: {{uid, resource_version}}}}; pass the undo output of kubernetes.patch or kubernetes.apply", retryable: false),
            };
        }
        catch (ProviderException ex)
        {
            return StepOutcome.Failure(ex.Message, retryable: ex.Retryable);
        }
    }

    public ValueTask<DryRunPreview> PreviewAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        var target = Read(invocation);
        return ValueTask.FromResult(new DryRunPreview(target.Undo is JsonObject
            ? $"would delete {target.What} (created by the step), if it is still the object the step left"
            : $"would put back the fields of {target.What} the step changed, if no one changed them since"));
    }

    private sealed record Target(KubeResource Resource, string Namespace, string Name, JsonNode? Undo)
    {
        public string What => $"{Resource.Kind.ToLowerInvariant()} '{Name}'";

        public string Path => Resource.ObjectPath(Namespace, Name);
    }

    private Target Read(StepInvocation invocation)
    {
        var kind = invocation.GetString("kind") ?? string.Empty;
        var resource = invocation.GetString("api_version") is { Length: > 0 } apiVersion ? KubeResource.FindKind(apiVersion, kind) : KubeResource.Find(kind);
        var name = invocation.GetString("name") ?? throw new ProviderException(ProviderErrorKind.Failed, $"{ActionName}: name is empty");
        return new Target(resource, invocation.GetString("namespace") ?? api.Namespace, name, ObjectText.From(invocation.Get("undo"), "undo"));
    }

    private async Task<StepOutcome> PatchBackAsync(StepInvocation invocation, Target target, JsonArray operations, CancellationToken cancellationToken)
    {
        var (status, body) = await api.SendRawAsync(HttpMethod.Patch, target.Path + "?fieldManager=runbook", "application/json-patch+json", operations.ToJsonString(),
            target.What, cancellationToken).ConfigureAwait(false);
        if (status == HttpStatusCode.UnprocessableEntity)
        {
            // A failed test: someone changed a field the step had changed. Their change wins; the operator decides.
            return StepOutcome.Failure(
                $"{target.What} was changed by someone else after the step ({KubeApi.MessageOf(body)}), so its fields were not put back: nothing was overwritten. "
                + $"Compare it with the step's undo output and restore by hand if still wanted: {operations.ToJsonString()}", retryable: false);
        }

        if ((int)status >= 300)
        {
            throw api.Failure(status, body, target.What);
        }

        var after = ObjectCalls.Parse(body, target.What);
        return Done(invocation, target, $"{target.What} restored", restored: true, after["metadata"]?["resourceVersion"]?.GetValue<string>());
    }

    private async Task<StepOutcome> DeleteAsync(StepInvocation invocation, Target target, JsonObject delete, CancellationToken cancellationToken)
    {
        var options = new JsonObject
        {
            ["kind"] = "DeleteOptions",
            ["apiVersion"] = "v1",
            ["preconditions"] = new JsonObject { ["uid"] = delete["uid"]?.DeepClone(), ["resourceVersion"] = delete["resource_version"]?.DeepClone() },
        };
        var (status, body) = await api.SendRawAsync(HttpMethod.Delete, target.Path, "application/json", options.ToJsonString(), target.What, cancellationToken)
            .ConfigureAwait(false);
        if (status == HttpStatusCode.NotFound)
        {
            return Done(invocation, target, $"{target.What} is already gone", restored: true);
        }

        if (status == HttpStatusCode.Conflict)
        {
            return StepOutcome.Failure(
                $"{target.What} was changed or replaced by someone else after the step created it ({KubeApi.MessageOf(body)}), so it was not deleted. "
                + "Delete it by hand if it is still not wanted.", retryable: false);
        }

        if ((int)status >= 300)
        {
            throw api.Failure(status, body, target.What);
        }

        return Done(invocation, target, $"{target.What} deleted (the step had created it)", restored: true);
    }

    private static StepOutcome Done(StepInvocation invocation, Target target, string line, bool restored, string? resourceVersion = null)
    {
        invocation.Log.Line(LogStream.Info, line);
        return StepOutcome.Success(new Dictionary<string, object?>
        {
            ["restored"] = restored,
            ["deleted"] = target.Undo is JsonObject && restored,
            ["resource_version"] = resourceVersion,
        });
    }
}
