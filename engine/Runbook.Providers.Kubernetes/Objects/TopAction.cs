using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Runbook.Execution.Actions;
using Runbook.Execution.Providers;

namespace Runbook.Providers.Kubernetes.Objects;

/// <summary>
/// kubernetes.top: CPU and memory of pods or nodes from the metrics API (metrics.k8s.io/v1beta1, served by
/// metrics-server), as numbers: CPU in millicores, memory in bytes, per item and in total — what <c>kubectl top</c>
/// prints, typed so a step can compare it.
/// </summary>
internal sealed class KubernetesTopAction(KubeApi api) : IStepAction
{
    public const string ActionName = "kubernetes.top";

    private const string MetricsApi = "apis/metrics.k8s.io/v1beta1";

    public string Name => ActionName;

    public async ValueTask<StepOutcome> ExecuteAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        try
        {
            var nodes = (invocation.GetString("kind") ?? "pods").Trim().ToLowerInvariant() switch
            {
                "pods" or "pod" or "po" => false,
                "nodes" or "node" or "no" => true,
                var other => throw new ProviderException(ProviderErrorKind.Failed, $"{ActionName}: kind '{other}' has no metrics; write pods or nodes"),
            };
            var ns = invocation.GetString("namespace") ?? api.Namespace;
            var path = nodes ? $"{MetricsApi}/nodes" : $"{MetricsApi}/namespaces/{Uri.EscapeDataString(ns)}/pods";
            if (invocation.GetString("selector") is { Length: > 0 } selector)
            {
                path += "?labelSelector=" + Uri.EscapeDataString(selector);
            }

            var what = nodes ? "node metrics" : $"pod metrics in namespace '{ns}'";
            var (status, body) = await api.SendRawAsync(HttpMethod.Get, path, null, null, what, cancellationToken).ConfigureAwait(false);
            if (status is HttpStatusCode.NotFound or HttpStatusCode.ServiceUnavailable)
            {
                return StepOutcome.Failure(
                    $"the metrics API (metrics.k8s.io/v1beta1) is not available on {api.Source} (HTTP {(int)status}: {KubeApi.MessageOf(body)}): "
                    + "install metrics-server in the cluster (kubectl top needs it too), or check that its APIService is Available", retryable: status == HttpStatusCode.ServiceUnavailable);
            }

            if ((int)status >= 300)
            {
                throw api.Failure(status, body, what);
            }

            var items = (ObjectCalls.Parse(body, what)["items"] as JsonArray ?? []).OfType<JsonObject>().Select(i => Usage(i, nodes)).ToList();
            items = (invocation.GetString("sort_by")?.Trim().ToLowerInvariant()) switch
            {
                null or "" or "name" => [.. items.OrderBy(i => i.Name, StringComparer.Ordinal)],
                "cpu" => [.. items.OrderByDescending(i => i.Cpu).ThenBy(i => i.Name, StringComparer.Ordinal)],
                "memory" => [.. items.OrderByDescending(i => i.Memory).ThenBy(i => i.Name, StringComparer.Ordinal)],
                var other => throw new ProviderException(ProviderErrorKind.Failed, $"{ActionName}: sort_by '{other}' is not one of name, cpu, memory"),
            };
            foreach (var item in items)
            {
                invocation.Log.Line(LogStream.Stdout, string.Create(CultureInfo.InvariantCulture, $"{item.Name}\t{Math.Round(item.Cpu)}m\t{item.Memory / (1024 * 1024)}Mi"));
            }

            return StepOutcome.Success(new Dictionary<string, object?>
            {
                ["items"] = items.Select(i => (object?)new Dictionary<string, object?>
                {
                    ["name"] = i.Name,
                    ["namespace"] = i.Namespace,
                    ["cpu"] = i.Cpu,
                    ["memory"] = i.Memory,
                    ["containers"] = i.Containers,
                }).ToList(),
                ["count"] = (long)items.Count,
                ["total_cpu"] = items.Sum(i => i.Cpu),
                ["total_memory"] = items.Sum(i => i.Memory),
            });
        }
        catch (ProviderException ex)
        {
            return StepOutcome.Failure(ex.Message, retryable: ex.Retryable);
        }
    }

    private sealed record ItemUsage(string Name, string? Namespace, double Cpu, long Memory, long Containers);

    /// <summary>A node's usage, or a pod's summed over its containers (as kubectl top pod shows it).</summary>
    private static ItemUsage Usage(JsonObject item, bool node)
    {
        static string? Text(JsonNode? n) => n is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        var name = Text(item["metadata"]?["name"]) ?? string.Empty;
        if (node)
        {
            return new ItemUsage(name, null, Quantities.Millicores(Text(item["usage"]?["cpu"])), Quantities.Bytes(Text(item["usage"]?["memory"])), 0);
        }

        var containers = (item["containers"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        return new ItemUsage(name, Text(item["metadata"]?["namespace"]),
            containers.Sum(c => Quantities.Millicores(Text(c["usage"]?["cpu"]))),
            containers.Sum(c => Quantities.Bytes(Text(c["usage"]?["memory"]))),
            containers.Count);
    }
}
