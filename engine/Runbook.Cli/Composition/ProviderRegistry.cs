using System.Collections.Immutable;
using Runbook.Execution.Providers;
using Runbook.Language.Actions;
using Runbook.Providers.Compose;

namespace Runbook.Cli.Composition;

/// <summary>
/// The providers this binary knows, registered at compile time (no reflection, so the native binary stays
/// trim-safe). Each declares the service actions it supports and how it words them in a plan.
/// </summary>
internal static class ProviderRegistry
{
    private static readonly ImmutableHashSet<string> AllServiceActions = [.. ServiceActions.All.Select(a => a.Name)];

    public static ImmutableArray<ProviderDescriptor> All { get; } =
    [
        ComposeProvider.Describe,
        new("kubernetes", "Kubernetes deployments through the API server (kubeconfig or in-cluster).",
            [
                new("kubernetes.get", "Read any object as JSON.", false,
                    [new("kind", ParameterType.String, true, "Resource kind, e.g. pods."), new("name", ParameterType.String, false, "Object name."),
                     new("selector", ParameterType.String, false, "Label selector.")], ["items", "object"], "GET {kind} {name} {selector}"),
                new("kubernetes.events", "Events for an object, oldest first.", false,
                    [new("kind", ParameterType.String, true, "Resource kind."), new("name", ParameterType.String, true, "Object name.")], ["events"],
                    "list events of {kind}/{name}"),
                new("kubernetes.exec", "Run a command in a pod of the deployment.", true,
                    [new("service", ParameterType.String, true, "The deployment."), new("command", ParameterType.Any, true, "Command and arguments.")],
                    ["stdout", "exit_code"], "exec in a pod of {service}: {command}"),
            ],
            AllServiceActions,
            ImmutableDictionary.CreateRange(new Dictionary<string, string>
            {
                ["service.describe"] = "GET deployments/{service} and its ReplicaSets",
                ["service.logs"] = "GET pods of {service} by selector, then /log?tailLines={tail}",
                ["service.scale"] = "PATCH deployments/{service}/scale replicas={replicas}",
                ["service.restart"] = "PATCH deployments/{service} template annotation restartedAt (rollout restart)",
                ["service.deploy"] = "PATCH deployments/{service} container image {image}",
                ["service.rollback"] = "PATCH deployments/{service} template to revision {to} (rollout undo)",
                ["service.wait"] = "watch deployments/{service} until rolled out (timeout {timeout})",
            })),
        new("aws", "AWS ECS services (ECS JSON 1.1 API signed with SigV4), CloudWatch Logs.", [], AllServiceActions,
            ImmutableDictionary.CreateRange(new Dictionary<string, string>
            {
                ["service.describe"] = "ecs:DescribeServices {service}",
                ["service.logs"] = "logs:FilterLogEvents for {service} (last {tail})",
                ["service.scale"] = "ecs:UpdateService {service} desiredCount={replicas}",
                ["service.restart"] = "ecs:UpdateService {service} forceNewDeployment=true",
                ["service.deploy"] = "ecs:RegisterTaskDefinition with {image}, ecs:UpdateService {service}",
                ["service.rollback"] = "ecs:UpdateService {service} taskDefinition={to}",
            })),
        new("azure", "Azure Container Apps through Azure Resource Manager.", [], AllServiceActions,
            ImmutableDictionary.CreateRange(new Dictionary<string, string>
            {
                ["service.describe"] = "GET containerApps/{service}",
                ["service.scale"] = "PATCH containerApps/{service} template.scale minReplicas={replicas}",
                ["service.restart"] = "POST containerApps/{service}/revisions/(active)/restart",
                ["service.rollback"] = "activate revision {to} of {service}, traffic 100%",
            })),
        new("gcp", "Google Cloud Run services (Cloud Run Admin API v2).", [], AllServiceActions,
            ImmutableDictionary.CreateRange(new Dictionary<string, string>
            {
                ["service.describe"] = "services.get {service}",
                ["service.scale"] = "services.patch {service} scaling.minInstanceCount={replicas}",
                ["service.rollback"] = "services.patch {service} traffic 100% to revision {to}",
            })),
    ];

    public static ActionCatalog Catalog { get; } = ActionCatalog.Create(All);

    /// <summary>The providers that execute here; the others plan and validate only, for now.</summary>
    public static ImmutableArray<IPlatformProvider> Platforms { get; } = [new ComposeProvider()];

    public static IPlatformProvider? Platform(string name) => Platforms.FirstOrDefault(p => p.Descriptor.Name == name);
}
