using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Runbook.Providers.Kubernetes.Tests.ApiServer;

/// <summary>
/// metrics.k8s.io/v1beta1 as metrics-server serves it through the aggregator: PodMetrics (per container usage) and
/// NodeMetrics, for the pods and nodes the test gave usage to. Without it (<see cref="MetricsServerInstalled"/>
/// false) the group is not discovered and its paths are 404, as on a cluster without metrics-server.
/// </summary>
public sealed partial class KubeApiServer
{
    private const string MetricsPrefix = "/apis/metrics.k8s.io";

    private readonly ConcurrentDictionary<(string Ns, string Pod), (string Container, string Cpu, string Memory)[]> _podUsage = new();
    private readonly ConcurrentDictionary<string, (string Cpu, string Memory)> _nodeUsage = new();

    public bool MetricsServerInstalled { get; set; } = true;

    /// <summary>What metrics-server would report for a pod's containers, as quantities ("250m", "64Mi", "1234567n").</summary>
    public void SetPodUsage(string ns, string pod, params (string Container, string Cpu, string Memory)[] containers) => _podUsage[(ns, pod)] = containers;

    /// <summary>A node (allocatable cpu and memory) and its usage.</summary>
    public void AddNode(string name, string allocatableCpu, string allocatableMemory, string usedCpu, string usedMemory, params (string Key, string Value)[] labels)
    {
        var capacity = new JsonObject { ["cpu"] = allocatableCpu, ["memory"] = allocatableMemory, ["pods"] = "110" };
        _store.Put("nodes", new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Node",
            ["metadata"] = ClusterMetadata(name, new JsonObject([.. labels.Select(l => KeyValuePair.Create(l.Key, (JsonNode?)l.Value))])),
            ["spec"] = new JsonObject(),
            ["status"] = new JsonObject
            {
                ["capacity"] = capacity.DeepClone(),
                ["allocatable"] = capacity,
                ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = "True" }),
            },
        });
        _nodeUsage[name] = (usedCpu, usedMemory);
    }

    private static JsonObject MetricsGroup() => new()
    {
        ["name"] = "metrics.k8s.io",
        ["versions"] = new JsonArray(new JsonObject { ["groupVersion"] = "metrics.k8s.io/v1beta1", ["version"] = "v1beta1" }),
        ["preferredVersion"] = new JsonObject { ["groupVersion"] = "metrics.k8s.io/v1beta1", ["version"] = "v1beta1" },
    };

    /// <summary>Answers a request under /apis/metrics.k8s.io; false when the path is not the metrics API's.</summary>
    private async Task<bool> MetricsAsync(HttpContext context, string path)
    {
        if (!path.StartsWith(MetricsPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        if (!MetricsServerInstalled)
        {
            await StatusAsync(context, 404, "NotFound", "the server could not find the requested resource");
            return true;
        }

        var parts = path[MetricsPrefix.Length..].Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        var selector = context.Request.Query["labelSelector"].ToString();
        JsonNode? answer = parts switch
        {
            [] => MetricsGroup(),
            ["v1beta1"] => new JsonObject
            {
                ["kind"] = "APIResourceList",
                ["apiVersion"] = "v1",
                ["groupVersion"] = "metrics.k8s.io/v1beta1",
                ["resources"] = new JsonArray(
                    new JsonObject { ["name"] = "nodes", ["singularName"] = string.Empty, ["namespaced"] = false, ["kind"] = "NodeMetrics", ["verbs"] = new JsonArray("get", "list") },
                    new JsonObject { ["name"] = "pods", ["singularName"] = string.Empty, ["namespaced"] = true, ["kind"] = "PodMetrics", ["verbs"] = new JsonArray("get", "list") }),
            },
            ["v1beta1", "nodes"] => MetricsList("NodeMetricsList", NodeMetrics(selector)),
            ["v1beta1", "nodes", var node] => NodeMetrics(string.Empty).FirstOrDefault(n => n["metadata"]!["name"]!.GetValue<string>() == node),
            ["v1beta1", "pods"] => MetricsList("PodMetricsList", PodMetrics(null, selector)),
            ["v1beta1", "namespaces", var ns, "pods"] => MetricsList("PodMetricsList", PodMetrics(ns, selector)),
            ["v1beta1", "namespaces", var ns, "pods", var pod] => PodMetrics(ns, string.Empty).FirstOrDefault(p => p["metadata"]!["name"]!.GetValue<string>() == pod),
            _ => null,
        };
        if (answer is null)
        {
            await StatusAsync(context, 404, "NotFound", parts.Length > 2 ? $"{parts[^2]}.metrics.k8s.io \"{parts[^1]}\" not found" : "the server could not find the requested resource");
            return true;
        }

        await JsonAsync(context, 200, answer);
        return true;
    }

    private static JsonObject MetricsList(string kind, IEnumerable<JsonObject> items) => new()
    {
        ["kind"] = kind,
        ["apiVersion"] = "metrics.k8s.io/v1beta1",
        ["metadata"] = new JsonObject(),
        ["items"] = new JsonArray([.. items]),
    };

    private static string Now => DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private IEnumerable<JsonObject> NodeMetrics(string selector) =>
        _store.List("nodes", null)
            .Where(n => Selector.MatchesLabels(selector, n["metadata"]?["labels"] as JsonObject) && _nodeUsage.ContainsKey(n["metadata"]!["name"]!.GetValue<string>()))
            .Select(n =>
            {
                var name = n["metadata"]!["name"]!.GetValue<string>();
                var (cpu, memory) = _nodeUsage[name];
                return new JsonObject
                {
                    ["kind"] = "NodeMetrics",
                    ["apiVersion"] = "metrics.k8s.io/v1beta1",
                    ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = n["metadata"]?["labels"]?.DeepClone(), ["creationTimestamp"] = Now },
                    ["timestamp"] = Now,
                    ["window"] = "20.029s",
                    ["usage"] = new JsonObject { ["cpu"] = cpu, ["memory"] = memory },
                };
            });

    private IEnumerable<JsonObject> PodMetrics(string? ns, string selector) =>
        _store.List("pods", ns)
            .Where(p => Selector.MatchesLabels(selector, p["metadata"]?["labels"] as JsonObject))
            .Select(p => (Pod: p, Key: (p["metadata"]!["namespace"]!.GetValue<string>(), p["metadata"]!["name"]!.GetValue<string>())))
            .Where(p => _podUsage.ContainsKey(p.Key))
            .Select(p => new JsonObject
            {
                ["kind"] = "PodMetrics",
                ["apiVersion"] = "metrics.k8s.io/v1beta1",
                ["metadata"] = new JsonObject { ["name"] = p.Key.Item2, ["namespace"] = p.Key.Item1, ["labels"] = p.Pod["metadata"]?["labels"]?.DeepClone(), ["creationTimestamp"] = Now },
                ["timestamp"] = Now,
                ["window"] = "18.5s",
                ["containers"] = new JsonArray([.. _podUsage[p.Key].Select(c => (JsonNode)new JsonObject
                {
                    ["name"] = c.Container,
                    ["usage"] = new JsonObject { ["cpu"] = c.Cpu, ["memory"] = c.Memory },
                })]),
            });
}
