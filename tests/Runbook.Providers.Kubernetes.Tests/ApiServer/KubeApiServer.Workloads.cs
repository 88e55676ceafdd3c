using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Runbook.Providers.Kubernetes.Tests.ApiServer;

/// <summary>
/// StatefulSets and HorizontalPodAutoscalers: the defaults the real API server fills in (apps/v1 SetDefaults_StatefulSet,
/// autoscaling/v2 SetDefaults_HorizontalPodAutoscaler) and the validation it answers with 422 Invalid, plus helpers
/// that make them for tests.
/// </summary>
public sealed partial class KubeApiServer
{
    /// <summary>A StatefulSet (labels app=NAME, one container "app"), returned once the controller has seen it.</summary>
    public async Task CreateStatefulSetAsync(string ns, string name, string image, int replicas, int? partition = null, string? strategy = null)
    {
        var labels = new JsonObject { ["app"] = name };
        var statefulSet = new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "StatefulSet",
            ["metadata"] = Controller.Metadata(ns, name, (JsonObject)labels.DeepClone(), null, null),
            ["spec"] = new JsonObject
            {
                ["replicas"] = replicas,
                ["serviceName"] = name,
                ["selector"] = new JsonObject { ["matchLabels"] = labels.DeepClone() },
                ["template"] = new JsonObject
                {
                    ["metadata"] = new JsonObject { ["labels"] = labels.DeepClone() },
                    ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "app", ["image"] = image }) },
                },
                ["updateStrategy"] = partition is { } p
                    ? new JsonObject { ["type"] = "RollingUpdate", ["rollingUpdate"] = new JsonObject { ["partition"] = p } }
                    : strategy is null ? null : new JsonObject { ["type"] = strategy },
            },
            ["status"] = new JsonObject(),
        };
        Defaults("statefulsets", statefulSet);
        _store.Put("statefulsets", statefulSet);
        await WaitUntilAsync(s => s.Get(ns, "statefulsets", name)?["status"]?["observedGeneration"] is not null, TimeSpan.FromSeconds(10));
    }

    /// <summary>An autoscaling/v2 HPA on <paramref name="kind"/>/<paramref name="target"/> with a CPU target, as 'kubectl autoscale' makes one.</summary>
    public async Task CreateAutoscalerAsync(string ns, string name, string kind, string target, int min, int max)
    {
        _store.Put("horizontalpodautoscalers", new JsonObject
        {
            ["apiVersion"] = "autoscaling/v2",
            ["kind"] = "HorizontalPodAutoscaler",
            ["metadata"] = Controller.Metadata(ns, name, [], null, null),
            ["spec"] = new JsonObject
            {
                ["scaleTargetRef"] = new JsonObject { ["apiVersion"] = "apps/v1", ["kind"] = kind, ["name"] = target },
                ["minReplicas"] = min,
                ["maxReplicas"] = max,
                ["metrics"] = new JsonArray(new JsonObject
                {
                    ["type"] = "Resource",
                    ["resource"] = new JsonObject { ["name"] = "cpu", ["target"] = new JsonObject { ["type"] = "Utilization", ["averageUtilization"] = 80 } },
                }),
            },
            ["status"] = new JsonObject(),
        });
        await WaitUntilAsync(s => s.Get(ns, "horizontalpodautoscalers", name)?["status"]?["desiredReplicas"] is not null, TimeSpan.FromSeconds(10));
    }

    /// <summary>The fields the API server fills in when a client leaves them out.</summary>
    private static void Defaults(string resource, JsonObject o)
    {
        var spec = o["spec"] as JsonObject;
        switch (resource)
        {
            case "statefulsets" when spec is not null:
                spec["replicas"] ??= 1;
                spec["podManagementPolicy"] ??= "OrderedReady";
                spec["revisionHistoryLimit"] ??= 10;
                spec["updateStrategy"] ??= new JsonObject { ["type"] = "RollingUpdate" };
                if (spec["updateStrategy"]!["type"]?.GetValue<string>() is null or "RollingUpdate")
                {
                    spec["updateStrategy"]!["type"] = "RollingUpdate";
                    spec["updateStrategy"]!["rollingUpdate"] ??= new JsonObject();
                    spec["updateStrategy"]!["rollingUpdate"]!["partition"] ??= 0;
                }

                break;
            case "horizontalpodautoscalers" when spec is not null:
                spec["minReplicas"] ??= 1;
                break;
        }
    }

    /// <summary>What the API server's validation says of the object: (field, value, message), or null when it is valid.</summary>
    private static (string Field, string Value, string Message)? Invalid(string resource, JsonObject o)
    {
        var spec = o["spec"] as JsonObject;
        static int? Int(JsonNode? node) => node is JsonValue v && v.TryGetValue<int>(out var i) ? i : null;
        switch (resource)
        {
            case "statefulsets" when Int(spec?["replicas"]) is < 0 and var replicas:
                return ("spec.replicas", replicas.ToString(CultureInfo.InvariantCulture), "must be greater than or equal to 0");
            case "statefulsets" when Int(spec?["updateStrategy"]?["rollingUpdate"]?["partition"]) is < 0 and var partition:
                return ("spec.updateStrategy.rollingUpdate.partition", partition.ToString(CultureInfo.InvariantCulture), "must be greater than or equal to 0");
            case "horizontalpodautoscalers" when Int(spec?["minReplicas"]) is < 1 and var min:
                return ("spec.minReplicas", min.ToString(CultureInfo.InvariantCulture), "must be greater than or equal to 1");
            case "horizontalpodautoscalers" when Int(spec?["maxReplicas"]) is { } max && max < (Int(spec?["minReplicas"]) ?? 1):
                return ("spec.maxReplicas", max.ToString(CultureInfo.InvariantCulture), "must be greater than or equal to `minReplicas`");
            case "horizontalpodautoscalers" when Int(spec?["maxReplicas"]) is null:
                return ("spec.maxReplicas", "0", "must be greater than 0");
            default:
                return null;
        }
    }

    private static Task InvalidAsync(HttpContext context, string resource, string name, ServedResource info, (string Field, string Value, string Message) invalid)
    {
        var details = Details(name, info.Group, resource);
        details["causes"] = new JsonArray(new JsonObject
        {
            ["reason"] = "FieldValueInvalid",
            ["message"] = $"Invalid value: {invalid.Value}: {invalid.Message}",
            ["field"] = invalid.Field,
        });
        return StatusAsync(context, 422, "Invalid",
            $"{info.Kind}.{(info.Group.Length == 0 ? string.Empty : info.Group)} \"{name}\" is invalid: {invalid.Field}: Invalid value: {invalid.Value}: {invalid.Message}", details);
    }
}
