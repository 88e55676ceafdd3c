using System.Globalization;
using System.Text.Json.Nodes;

namespace Runbook.Providers.Kubernetes.Tests.ApiServer;

/// <summary>
/// Server-side printing: the meta.k8s.io/v1 Table kubectl asks for (Accept: …;as=Table;v=v1;g=meta.k8s.io) to show
/// its default columns, with the columns the real API server returns for these kinds.
/// </summary>
internal static class Tables
{
    public static bool Wanted(string? accept) => accept?.Contains("as=Table", StringComparison.Ordinal) == true;

    public static JsonObject For(string resource, IReadOnlyList<JsonObject> items, string resourceVersion)
    {
        var (columns, cells) = resource switch
        {
            "deployments" => (new[] { "Name", "Ready", "Up-to-date", "Available", "Age" }, (Func<JsonObject, JsonNode?[]>)(d => [
                Name(d), $"{Int(d["status"]?["readyReplicas"])}/{Int(d["spec"]?["replicas"])}", Int(d["status"]?["updatedReplicas"]),
                Int(d["status"]?["availableReplicas"]), Age(d)])),
            "statefulsets" => (["Name", "Ready", "Age"], s => [
                Name(s), $"{Int(s["status"]?["readyReplicas"])}/{Int(s["spec"]?["replicas"])}", Age(s)]),
            "controllerrevisions" => (["Name", "Controller", "Revision", "Age"], r => [
                Name(r), $"{r["metadata"]?["ownerReferences"]?[0]?["kind"]?.GetValue<string>()?.ToLowerInvariant()}.apps/{r["metadata"]?["ownerReferences"]?[0]?["name"]?.GetValue<string>()}",
                r["revision"]?.DeepClone(), Age(r)]),
            "horizontalpodautoscalers" => (["Name", "Reference", "Targets", "MinPods", "MaxPods", "Replicas", "Age"], h => [
                Name(h), $"{h["spec"]?["scaleTargetRef"]?["kind"]?.GetValue<string>()}/{h["spec"]?["scaleTargetRef"]?["name"]?.GetValue<string>()}",
                "cpu: <unknown>/80%", Int(h["spec"]?["minReplicas"]), Int(h["spec"]?["maxReplicas"]), Int(h["status"]?["currentReplicas"]), Age(h)]),
            "replicasets" => (["Name", "Desired", "Current", "Ready", "Age"], r => [
                Name(r), Int(r["spec"]?["replicas"]), Int(r["status"]?["replicas"]), Int(r["status"]?["readyReplicas"]), Age(r)]),
            "pods" => (["Name", "Ready", "Status", "Restarts", "Age"], p => [
                Name(p), $"{p["status"]?["containerStatuses"]?.AsArray().Count(c => c?["ready"]?.GetValue<bool>() == true) ?? 0}/{p["spec"]?["containers"]?.AsArray().Count ?? 0}",
                p["status"]?["phase"]?.GetValue<string>(), p["status"]?["containerStatuses"]?[0]?["restartCount"]?.DeepClone() ?? 0, Age(p)]),
            _ => (["Last Seen", "Type", "Reason", "Object", "Message"], e => [
                Age(e, "lastTimestamp"), e["type"]?.DeepClone(), e["reason"]?.DeepClone(),
                $"{e["involvedObject"]?["kind"]?.GetValue<string>()?.ToLowerInvariant()}/{e["involvedObject"]?["name"]?.GetValue<string>()}", e["message"]?.DeepClone()]),
        };
        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = new JsonObject { ["resourceVersion"] = resourceVersion },
            ["columnDefinitions"] = new JsonArray([.. columns.Select(c => (JsonNode)new JsonObject
            {
                ["name"] = c,
                ["type"] = c is "Name" or "Status" or "Ready" or "Type" or "Reason" or "Object" or "Message" or "Controller" or "Reference" or "Targets" ? "string" : c.Contains("Age") || c == "Last Seen" ? "string" : "integer",
                ["format"] = c == "Name" ? "name" : string.Empty,
                ["description"] = c,
                ["priority"] = 0,
            })]),
            ["rows"] = new JsonArray([.. items.Select(o => (JsonNode)new JsonObject
            {
                ["cells"] = new JsonArray(cells(o)),
                ["object"] = new JsonObject
                {
                    ["kind"] = "PartialObjectMetadata",
                    ["apiVersion"] = "meta.k8s.io/v1",
                    ["metadata"] = o["metadata"]?.DeepClone(),
                },
            })]),
        };
    }

    private static JsonNode? Name(JsonObject o) => o["metadata"]?["name"]?.DeepClone();

    private static int Int(JsonNode? node) => node is JsonValue v && v.TryGetValue<int>(out var i) ? i : 0;

    private static string Age(JsonObject o, string field = "creationTimestamp")
    {
        var text = (field == "creationTimestamp" ? o["metadata"]?[field] : o[field])?.GetValue<string>();
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            return "<unknown>";
        }

        var age = DateTimeOffset.UtcNow - at;
        return age.TotalMinutes < 2 ? $"{Math.Max(0, (int)age.TotalSeconds)}s" : age.TotalHours < 2 ? $"{(int)age.TotalMinutes}m" : $"{(int)age.TotalHours}h";
    }
}
