using System.Collections.Immutable;
using Runbook.Execution.Actions;
using Runbook.Execution.Providers;
using Runbook.Providers.Kubernetes.Tests.ApiServer;

namespace Runbook.Providers.Kubernetes.Tests.Support;

/// <summary>A namespace of its own on the shared test API server, and the provider's actions pointed at it.</summary>
internal sealed class Cluster(KubeApiServer server, string ns)
{
    public KubeApiServer Server { get; } = server;

    public string Namespace { get; } = ns;

    public KubeconfigFile Files { get; } = KubeconfigFile.InTemp();

    public static Cluster Fresh(KubeApiServer server) => new(server, ApiServerFixture.NewNamespace());

    /// <summary>A fresh namespace holding one deployment (labels app=NAME, one container "app"), its ReplicaSet made.</summary>
    public static async Task<Cluster> WithDeploymentAsync(KubeApiServer server, string name, string image, int replicas)
    {
        var cluster = Fresh(server);
        await server.CreateDeploymentAsync(cluster.Namespace, name, image, replicas);
        return cluster;
    }

    /// <summary>A kubeconfig for <paramref name="user"/> (a client certificate), with this namespace as the context's.</summary>
    public string Kubeconfig(string user = "alice") => Files.ClientCertificate(Server, user, Namespace, fileName: $"{user}.config");

    public IReadOnlyDictionary<string, IStepAction> Actions(string? kubeconfig = null, params (string Key, string Value)[] settings) =>
        new KubernetesProvider().CreateActions(Settings(kubeconfig ?? Kubeconfig(), settings)).ToDictionary(a => a.Name);

    public ProviderSettings Settings(string kubeconfig, params (string Key, string Value)[] settings) =>
        new("kubernetes", ImmutableDictionary.CreateRange([new KeyValuePair<string, string>("kubeconfig", kubeconfig), .. settings.Select(s => new KeyValuePair<string, string>(s.Key, s.Value))]),
            ImmutableDictionary<string, string>.Empty, Files.Directory);
}
