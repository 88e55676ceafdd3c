using System.Collections.Immutable;
using Runbook.Execution.Actions;
using Runbook.Execution.Providers;
using Runbook.Language.Actions;
using O = Runbook.Language.Actions.OutputDescriptor;

namespace Runbook.Providers.Kubernetes;

/// <summary>
/// Kubernetes: the service interface over Deployments and StatefulSets (a service named statefulset/NAME) through the
/// API server, aware of the HorizontalPodAutoscaler that targets each; plus service.exec (its alias kubernetes.exec),
/// kubernetes.get and kubernetes.events.
/// </summary>
public sealed class KubernetesProvider : IPlatformProvider
{
    private static readonly ParameterDescriptor Namespace = new("namespace", ParameterType.String, false, "Namespace (default: the environment's).");

    public static ProviderDescriptor Describe { get; } = new(
        "kubernetes",
        "Kubernetes Deployments and StatefulSets (services: { NAME: { kind: statefulset, name: OBJECT } }) through the API server (kubeconfig, KUBECONFIG or in-cluster service account); respects HorizontalPodAutoscalers.",
        [
            new("kubernetes.get", "Read an object, or list objects by label or field selector, as data.", false,
                [new("kind", ParameterType.String, true, "Kind as kubectl names it: pods, deploy, rs, svc, events …"),
                 new("name", ParameterType.String, false, "Object name; without it, a list."),
                 new("selector", ParameterType.String, false, "Label selector, e.g. app=web."),
                 new("field_selector", ParameterType.String, false, "Field selector, e.g. status.phase=Running."), Namespace],
                [O.Object("object"), O.List("items"), O.Integer("count")], "GET {kind} {name} {selector}"),
            new("kubernetes.events", "Events of an object (or of the namespace when no kind is given), oldest first.", false,
                [new("kind", ParameterType.String, false, "Kind of the object."), new("name", ParameterType.String, false, "Object name."), Namespace],
                [O.List("events"), O.Integer("warnings")], "list events of {kind}/{name}"),
            ServiceActions.Exec with { Name = "kubernetes.exec", Summary = "Alias of service.exec (kept for existing playbooks): a command in a running pod of a deployment (kubectl exec -i deployment/…)." },
        ],
        [.. ServiceActions.All.Select(a => a.Name)],
        ImmutableDictionary.CreateRange(new Dictionary<string, string>
        {
            ["service.describe"] = "GET deployments/{service}, its ReplicaSets and pods",
            ["service.history"] = "revisions of {service}'s ReplicaSets (rollout history)",
            ["service.logs"] = "GET pods of {service} by selector, then /log?tailLines={tail}",
            ["service.scale"] = "PATCH deployments/{service}/scale replicas={replicas}",
            ["service.restart"] = "PATCH deployments/{service} template annotation restartedAt (rollout restart)",
            ["service.deploy"] = "PUT deployments/{service} with container image {image}",
            ["service.rollback"] = "PUT deployments/{service} with the template of revision {to} (rollout undo)",
            ["service.wait"] = "watch deployments/{service} until rolled out (rollout status, timeout {timeout})",
            ["service.exec"] = "exec in a running pod of {service} over the exec WebSocket (kubectl exec -i): {command}",
        }));

    public ProviderDescriptor Descriptor => Describe;

    public IReadOnlyList<(string Key, string Meaning, string? Default)> Settings { get; } =
    [
        ("kubeconfig", "kubeconfig file(s), separated by ':' like KUBECONFIG", "$KUBECONFIG, else ~/.kube/config, else in-cluster"),
        ("context", "the kubeconfig context", "the kubeconfig's current-context"),
        ("namespace", "the namespace of the services", "the context's namespace, else default"),
        ("container", "the container whose image service.deploy sets and whose logs service.logs reads", "the first container"),
        ("in_cluster", "true to use the pod's service account even when a kubeconfig exists", "false"),
    ];

    public IReadOnlyList<IStepAction> CreateActions(ProviderSettings settings)
    {
        var api = new KubeApi(settings);
        var container = settings.Get("container");
        var workloads = new WorkloadBackend(new DeploymentBackend(api, container, TimeProvider.System),
            new StatefulSetBackend(api, container, TimeProvider.System), new Autoscalers(api));
        return
        [
            .. ServiceStepActions.Over(workloads, settings),
            new KubernetesExecAction(api, workloads, settings, ServiceActions.ExecName),
            new KubernetesExecAction(api, workloads, settings, "kubernetes.exec"),
            new KubernetesGetAction(api),
            new KubernetesEventsAction(api),
        ];
    }
}
