using System.Text.Json.Nodes;
using Runbook.Execution.Actions;
using Runbook.Providers.Kubernetes.Tests.Support;
using Runbook.Providers.Tests;

namespace Runbook.Providers.Kubernetes.Tests.Objects;

/// <summary>The object actions pointed at a fresh namespace of the shared test API server, and shorthands for their results.</summary>
internal sealed class ObjectBench(Cluster cluster)
{
    public ActionsContext Context { get; } = new();

    public Cluster Cluster { get; } = cluster;

    public string Ns => Cluster.Namespace;

    public IReadOnlyDictionary<string, IStepAction> Actions { get; set; } = cluster.Actions();

    public Task<StepOutcome> Run(string action, params (string Name, object? Value)[] arguments) => Run(Actions, action, arguments);

    public Task<StepOutcome> Run(IReadOnlyDictionary<string, IStepAction> actions, string action, params (string Name, object? Value)[] arguments) =>
        actions[action].ExecuteAsync(Context.Invocation(action, arguments.ToDictionary(a => a.Name, a => a.Value)), CancellationToken.None).AsTask();

    public Task<StepOutcome> RunIn(string workingDirectory, string action, params (string Name, object? Value)[] arguments) =>
        Actions[action].ExecuteAsync(Context.Invocation(action, arguments.ToDictionary(a => a.Name, a => a.Value)) with
        {
            Context = Context.Invocation(action, new Dictionary<string, object?>()).Context with { WorkingDirectory = workingDirectory },
        }, CancellationToken.None).AsTask();

    public Task<DryRunPreview> Preview(string action, params (string Name, object? Value)[] arguments) =>
        ((IDryRunPreview)Actions[action]).PreviewAsync(Context.Invocation(action, arguments.ToDictionary(a => a.Name, a => a.Value)), CancellationToken.None).AsTask();

    /// <summary>A ConfigMap with the given data, made by someone other than runbook (kubectl create).</summary>
    public JsonObject ConfigMap(string name, params (string Key, string Value)[] data) =>
        Cluster.Server.CreateObject(Ns, "configmaps", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = name },
            ["data"] = new JsonObject([.. data.Select(d => KeyValuePair.Create(d.Key, (JsonNode?)d.Value))]),
        });

    public JsonObject? Stored(string resource, string name) => Cluster.Server.Get(Ns, resource, name);

    public string? Data(string configMap, string key) => Stored("configmaps", configMap)?["data"]?[key]?.GetValue<string>();

    public string Version(string resource, string name) => Stored(resource, name)!["metadata"]!["resourceVersion"]!.GetValue<string>();

    public static Dictionary<string, object?> Map(params (string Key, object? Value)[] entries) => entries.ToDictionary(e => e.Key, e => e.Value);

    public static List<object?> List(params object?[] items) => [.. items];
}
