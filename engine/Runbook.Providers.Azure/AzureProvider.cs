using System.Collections.Immutable;
using Azure.Core;
using Runbook.Execution.Actions;
using Runbook.Execution.Providers;
using Runbook.Language.Actions;

namespace Runbook.Providers.Azure;

/// <summary>Azure Container Apps: the service interface over Microsoft.App/containerApps and their revisions, through Azure Resource Manager.</summary>
public sealed class AzureProvider : IPlatformProvider
{
    public static ProviderDescriptor Describe { get; } = new(
        "azure",
        "Azure Container Apps through Azure Resource Manager (Microsoft.App 2026-01-01); credentials as az finds them.",
        [],
        [.. ServiceActions.NamesWithoutExec],
        ImmutableDictionary.CreateRange(new Dictionary<string, string>
        {
            ["service.describe"] = "GET containerApps/{service} + GET containerApps/{service}/revisions",
            ["service.history"] = "GET containerApps/{service}/revisions, newest first",
            ["service.logs"] = "GET containerApps/{service}/revisions/(serving)/replicas, POST getAuthtoken, the replicas' logStreamEndpoint (last {tail})",
            ["service.scale"] = "PATCH containerApps/{service} template.scale minReplicas=maxReplicas={replicas}",
            ["service.restart"] = "POST containerApps/{service}/revisions/(serving traffic)/restart",
            ["service.deploy"] = "PATCH containerApps/{service} template.containers image={image} (a new revision)",
            ["service.rollback"] = "multiple mode: POST containerApps/{service}/revisions/{to}/activate + PATCH ingress.traffic {to}=100%; single mode: PATCH containerApps/{service} with {to}'s template",
            ["service.wait"] = "GET containerApps/{service} + revisions until its revision is provisioned, running and healthy (timeout {timeout}); writes have followed their Azure-AsyncOperation",
        }))
    {
        Unsupported = ImmutableDictionary<string, UnsupportedAction>.Empty.Add(ServiceActions.ExecName, new(
            "Container Apps has no exec runbook can drive: az containerapp exec opens an interactive console only",
            "run it yourself with 'az containerapp exec --name <app> --resource-group <group> --command \"<command>\"', or use a run: step")),
    };

    private readonly Func<string, string?> _environment;
    private readonly HttpMessageHandler? _handler;
    private readonly TokenCredential? _credential;

    public AzureProvider()
        : this(Environment.GetEnvironmentVariable)
    {
    }

    /// <summary>For tests: the environment to read instead of the process's, the HTTP handler to send through, the credential to use.</summary>
    internal AzureProvider(Func<string, string?> environment, HttpMessageHandler? handler = null, TokenCredential? credential = null, TimeProvider? time = null)
    {
        _environment = environment;
        _handler = handler;
        _credential = credential;
        Time = time ?? TimeProvider.System;
    }

    internal TimeProvider Time { get; }

    public ProviderDescriptor Descriptor => Describe;

    public IReadOnlyList<(string Key, string Meaning, string? Default)> Settings { get; } =
    [
        ("subscription", "the Azure subscription id of the container apps (like --subscription)", "$AZURE_SUBSCRIPTION_ID"),
        ("resource_group", "the resource group of the container apps (like --resource-group)", null),
        ("endpoint", "the Azure Resource Manager endpoint (sovereign clouds)", "https://management.azure.com/"),
        ("audience", "the token audience of that endpoint", "the endpoint's"),
        ("tenant_id", "the Microsoft Entra tenant to get tokens from", "the credential's"),
        ("client_id", "the user-assigned managed identity or workload identity client", "the credential's"),
        ("container", "the container whose image service.deploy sets and whose logs service.logs reads", "the first container"),
        ("poll_interval", "how often service.wait asks ARM, and a write polls its operation when ARM gives no Retry-After", "5s"),
        ("timeout", "how long one ARM call may take before it is retried", "30s"),
    ];

    public IReadOnlyList<IStepAction> CreateActions(ProviderSettings settings) =>
        ServiceStepActions.Over(new LazyServiceBackend<ContainerAppsBackend>(() => Build(settings)), settings);

    internal ContainerAppsBackend Build(ProviderSettings settings)
    {
        var target = ArmTarget.Resolve(settings, _environment);
        var credential = _credential ?? AzureCredentials.Create(settings, _environment, target, _handler, Time);
        var timeout = Duration(settings, "timeout", TimeSpan.FromSeconds(30));
        var poll = Duration(settings, "poll_interval", TimeSpan.FromSeconds(5));
        var arm = new ArmClient(ArmPipeline.Create(credential, target.Scope, _handler, timeout), target, Time, poll);
        var logs = new ContainerAppLogs(ArmPipeline.CreateAnonymous(_handler, timeout), Time);
        return new ContainerAppsBackend(arm, logs, settings.Get("container"), poll);
    }

    private static TimeSpan Duration(ProviderSettings settings, string key, TimeSpan fallback)
    {
        if (settings.Get(key) is not { } text)
        {
            return fallback;
        }

        return Runbook.Language.Model.Duration.TryParse(text, out var duration) && duration.Value > TimeSpan.Zero
            ? duration.Value
            : throw new ProviderException(ProviderErrorKind.Failed, $"the azure setting '{key}' is '{text}': give a duration such as 500ms, 5s or 1m");
    }
}
