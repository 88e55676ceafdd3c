using k8s.Models;

namespace Runbook.Providers.Kubernetes;

/// <summary>Label selectors in the query syntax the API server takes (<c>app=web,tier in (a,b),!canary</c>).</summary>
internal static class Selectors
{
    public static string ToQuery(V1LabelSelector selector)
    {
        var terms = (selector.MatchLabels ?? new Dictionary<string, string>()).OrderBy(l => l.Key, StringComparer.Ordinal)
            .Select(l => $"{l.Key}={l.Value}")
            .Concat((selector.MatchExpressions ?? []).Select(e => e.OperatorProperty switch
            {
                "In" => $"{e.Key} in ({string.Join(',', e.Values)})",
                "NotIn" => $"{e.Key} notin ({string.Join(',', e.Values)})",
                "Exists" => e.Key,
                "DoesNotExist" => $"!{e.Key}",
                var other => throw new ArgumentException($"unknown label selector operator '{other}'", nameof(selector)),
            }));
        return string.Join(',', terms);
    }
}
