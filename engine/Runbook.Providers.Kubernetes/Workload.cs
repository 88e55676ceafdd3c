using System.Text;
using System.Text.RegularExpressions;
using Runbook.Execution.Providers;

namespace Runbook.Providers.Kubernetes;

/// <summary>The kinds of workload a service can be.</summary>
internal enum WorkloadKind
{
    Deployment,
    StatefulSet,
}

/// <summary>
/// A service as the platform names it: a Deployment (a plain name) or <c>KIND/NAME</c> as kubectl writes it
/// (<c>statefulset/postgres</c>), which is what runbook.yaml's <c>{ kind: statefulset, name: postgres }</c> becomes.
/// The name must be one Kubernetes accepts, so a hostile one (a slash, a newline) is refused before any request.
/// </summary>
internal sealed partial record Workload(WorkloadKind Kind, string Name)
{
    /// <summary>The words kubectl accepts for each kind (singular, plural, short name).</summary>
    private static readonly Dictionary<string, WorkloadKind> Kinds = new(StringComparer.OrdinalIgnoreCase)
    {
        ["deployment"] = WorkloadKind.Deployment,
        ["deployments"] = WorkloadKind.Deployment,
        ["deploy"] = WorkloadKind.Deployment,
        ["statefulset"] = WorkloadKind.StatefulSet,
        ["statefulsets"] = WorkloadKind.StatefulSet,
        ["sts"] = WorkloadKind.StatefulSet,
    };

    /// <summary>The workload's resource as kubectl writes it ("statefulset/postgres").</summary>
    public override string ToString() => $"{KindName} '{Name}'";

    /// <summary>"deployment" or "statefulset", for messages.</summary>
    public string KindName => Kind == WorkloadKind.StatefulSet ? "statefulset" : "deployment";

    /// <summary>The kind as an HPA's scaleTargetRef names it.</summary>
    public string ApiKind => Kind == WorkloadKind.StatefulSet ? "StatefulSet" : "Deployment";

    public static Workload Parse(string service)
    {
        var slash = service.IndexOf('/', StringComparison.Ordinal);
        var kind = WorkloadKind.Deployment;
        var name = service;
        if (slash >= 0)
        {
            kind = Kinds.TryGetValue(service[..slash], out var known) ? known
                : throw new ProviderException(ProviderErrorKind.Failed,
                    $"'{Printable(service)}' is not a Kubernetes workload: a service given as KIND/NAME takes deployment or statefulset as KIND "
                    + "(in runbook.yaml: services: { NAME: { kind: statefulset, name: OBJECT } })");
            name = service[(slash + 1)..];
        }

        return ObjectName().IsMatch(name) && name.Length <= 253
            ? new Workload(kind, name)
            : throw new ProviderException(ProviderErrorKind.Failed,
                $"'{Printable(name)}' is not a Kubernetes object name: a {(kind == WorkloadKind.StatefulSet ? "statefulset" : "deployment")} name is lowercase letters, digits, '-' and '.' "
                + "(RFC 1123), at most 253 characters; check the service name in the step, or map it in runbook.yaml under services:");
    }

    /// <summary>The text with control characters shown as escapes, so a message stays on one line and shows what was given.</summary>
    public static string Printable(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text.Length > 300 ? text[..300] + "…" : text)
        {
            _ = c switch
            {
                '\n' => builder.Append("\\n"),
                '\r' => builder.Append("\\r"),
                '\t' => builder.Append("\\t"),
                _ when char.IsControl(c) => builder.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture)),
                _ => builder.Append(c),
            };
        }

        return builder.ToString();
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\\z", RegexOptions.CultureInvariant)]
    private static partial Regex ObjectName();
}
