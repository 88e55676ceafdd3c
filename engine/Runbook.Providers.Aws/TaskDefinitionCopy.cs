using System.Text.Json.Nodes;
using Runbook.Execution.Providers;

namespace Runbook.Providers.Aws;

/// <summary>
/// What <c>aws ecs register-task-definition --cli-input-json</c> users do by hand: take the task definition as
/// DescribeTaskDefinition returned it, drop the fields ECS sets itself, keep every other field exactly as it is
/// (including ones this provider has never heard of), put the tags back, and change one container's image.
/// </summary>
internal static class TaskDefinitionCopy
{
    /// <summary>Members of the TaskDefinition shape that RegisterTaskDefinition does not accept: ECS sets them.</summary>
    public static readonly IReadOnlySet<string> SetByEcs = new HashSet<string>(StringComparer.Ordinal)
    {
        "taskDefinitionArn", "revision", "status", "requiresAttributes", "compatibilities",
        "registeredAt", "registeredBy", "deregisteredAt", "deleteRequestedAt",
    };

    /// <summary>The RegisterTaskDefinition request for <paramref name="described"/> (a DescribeTaskDefinition response) with <paramref name="image"/> in <paramref name="container"/>.</summary>
    public static JsonObject WithImage(JsonObject described, string container, string image)
    {
        var definition = described["taskDefinition"] as JsonObject
            ?? throw new ProviderException(ProviderErrorKind.Failed, "DescribeTaskDefinition returned no taskDefinition");
        var request = new JsonObject();
        foreach (var (name, value) in definition)
        {
            if (!SetByEcs.Contains(name))
            {
                request[name] = value?.DeepClone();
            }
        }

        if (described["tags"] is JsonArray { Count: > 0 } tags)
        {
            request["tags"] = tags.DeepClone();
        }

        var target = (request["containerDefinitions"] as JsonArray)?.OfType<JsonObject>()
            .FirstOrDefault(c => (string?)c["name"] == container)
            ?? throw new ProviderException(ProviderErrorKind.NotFound, $"task definition {(string?)definition["taskDefinitionArn"]} has no container '{container}'");
        target["image"] = image;
        return request;
    }
}
