using System.Collections.Immutable;
using Runbook.Execution.Actions;
using Runbook.Execution.Providers;
using Runbook.Language.Actions;
using Runbook.Language.Diagnostics;
using Runbook.Language.Model;
using Runbook.Providers.Kubernetes.Objects;
using O = Runbook.Language.Actions.OutputDescriptor;

namespace Runbook.Providers.Kubernetes;

/// <summary>
/// Kubernetes: the service interface over Deployments and StatefulSets (a service named statefulset/NAME) through the
/// API server, aware of the HorizontalPodAutoscaler that targets each; plus service.exec (its alias kubernetes.exec),
/// kubernetes.get, kubernetes.events, and objects: kubernetes.patch, kubernetes.apply (with their rollback
/// kubernetes.restore) and kubernetes.top.
/// </summary>
public sealed class KubernetesProvider : IPlatformProvider
{
    private static readonly ParameterDescriptor Namespace = new("namespace", ParameterType.String, false, "Namespace (default: the environment's).");

    private const string SecretFix = "runbook never reads or writes Secrets (their values would reach the journal and the run's output); "
        + "change a Secret with your secret manager or by hand with kubectl, and patch or apply the objects that use it";

    /// <summary>A literal kind naming Secrets, in any spelling (RB0330): refused at validate time; the action refuses any other way at run time.</summary>
    private static readonly ArgumentRule SecretKind = new(Descriptors.KubernetesSecretObject,
        (_, kind) => KubeResource.IsSecret(kind) ? $"'{kind}' names Secrets" : null, SecretFix);

    /// <summary>A literal manifest (text, or a mapping in the step) whose kind is Secret (RB0330).</summary>
    private static readonly ArgumentRule SecretManifest = new(Descriptors.KubernetesSecretObject,
        (_, text) => ManifestKind(text) is { } kind && KubeResource.IsSecret(kind) ? $"the manifest is a '{kind}'" : null, SecretFix)
    {
        MappingProblem = (_, map) => map.Entries.FirstOrDefault(e => e.Name == "kind")?.Value is ScalarArgument { Text.IsLiteral: true } kind
            && KubeResource.IsSecret(kind.Text.Raw) ? (kind.Span, $"the manifest is a '{kind.Text.Raw}'") : null,
    };

    private static readonly ActionDescriptor Restore = new(KubernetesRestoreAction.ActionName,
        "Put back what kubernetes.patch or kubernetes.apply changed (their rollback): the changed fields, tested first, or delete an object the step created.", true,
        // No RB0330 rule here: the kind is copied from the step, which already reported it; run time refuses secrets anyway.
        [new("kind", ParameterType.String, true, "Kind of the object."),
         new("name", ParameterType.String, true, "Object name."), Namespace,
         new("api_version", ParameterType.String, false, "apiVersion of the kind (apps/v1), when kind alone is ambiguous."),
         new("undo", ParameterType.Any, true, "The step's undo output: a JSON patch, or {delete: {uid, resource_version}}.")],
        [O.Boolean("restored"), O.Boolean("deleted"), O.Text("resource_version")], "restore {kind}/{name} as it was before the step");

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
            new ActionDescriptor(KubernetesPatchAction.ActionName, "Patch any object but a secret (merge, strategic merge or JSON patch); the rollback puts back the fields it changed.", true,
                [new ParameterDescriptor("kind", ParameterType.String, true, "Kind as kubectl names it: deploy, cm, svc, statefulset …; never secrets.") with { Rule = SecretKind },
                 new("name", ParameterType.String, true, "Object name."), Namespace,
                 new("type", ParameterType.String, false, "merge (RFC 7386, default for a mapping), strategic (strategic merge) or json (RFC 6902, default for a list)."),
                 new("patch", ParameterType.Any, true, "The patch: a mapping (merge, strategic) or a list of operations (json), in the step as YAML or as JSON/YAML text.")],
                [O.Object("object"), O.Text("resource_version"), O.Boolean("changed"), O.Text("previous_resource_version"), O.List("undo")],
                "PATCH {kind}/{name} ({type}): {patch}")
            {
                DefaultRollback = new(KubernetesRestoreAction.ActionName, ["kind", "name", "namespace"], ImmutableDictionary<string, string>.Empty.Add("undo", "undo")),
            },
            new ActionDescriptor(KubernetesApplyAction.ActionName, "Server-side apply of one manifest (field manager runbook); the rollback deletes what it created or puts back what it changed.", true,
                [new ParameterDescriptor("manifest", ParameterType.Any, false, "The object: a mapping in the step, or its YAML or JSON as text.") with { Rule = SecretManifest },
                 new ParameterDescriptor("file", ParameterType.String, false, "A YAML or JSON manifest file inside the playbook's folder, instead of manifest.") with { IsFile = true },
                 Namespace,
                 new("force", ParameterType.Boolean, false, "Take over fields another field manager owns (default false: such a conflict fails the step).")],
                [O.Text("kind"), O.Text("api_version"), O.Text("name"), O.Text("namespace"), O.Boolean("created"), O.Boolean("changed"), O.Text("resource_version"),
                 O.Object("object"), O.Json("undo")],
                "server-side apply {manifest}{file}")
            {
                DefaultRollback = new(KubernetesRestoreAction.ActionName, [],
                    ImmutableDictionary.CreateRange(new Dictionary<string, string>
                    {
                        ["api_version"] = "api_version", ["kind"] = "kind", ["name"] = "name", ["namespace"] = "namespace", ["undo"] = "undo",
                    })),
            },
            Restore,
            new ActionDescriptor(KubernetesTopAction.ActionName, "CPU (millicores) and memory (bytes) of pods or nodes from the metrics API (metrics-server), per item and in total.", false,
                [new("kind", ParameterType.String, false, "pods (default) or nodes."),
                 new("selector", ParameterType.String, false, "Label selector, e.g. app=web."), Namespace,
                 new("sort_by", ParameterType.String, false, "name (default), cpu or memory (largest first).")],
                [O.List("items"), O.Integer("count"), O.Number("total_cpu"), O.Integer("total_memory")], "top {kind} {selector}"),
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
            new KubernetesPatchAction(api),
            new KubernetesApplyAction(api),
            new KubernetesRestoreAction(api),
            new KubernetesTopAction(api),
        ];
    }

    /// <summary>The kind a manifest's text declares, when the text parses; otherwise the action reports it at run time.</summary>
    private static string? ManifestKind(string text)
    {
        try
        {
            return ObjectText.From(text, "manifest")?["kind"] is System.Text.Json.Nodes.JsonValue kind && kind.TryGetValue<string>(out var k) ? k : null;
        }
        catch (ProviderException)
        {
            return null;
        }
    }
}
