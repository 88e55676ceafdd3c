using System.Text.Json.Nodes;
using Runbook.Execution.Actions;
using Runbook.Providers.Kubernetes.Tests.ApiServer;
using Runbook.Providers.Kubernetes.Tests.Support;
using Runbook.Providers.Tests;
using Runbook.Tests;
using Runbook.Tests.Library;

namespace Runbook.Providers.Kubernetes.Tests.Library;

/// <summary>
/// Every tests/library case for kubernetes, run with `runbook exec` (JIT build and dist/runbook) against the
/// Kubernetes test API server: one server and one set of peers for the class, a fresh namespace per case.
/// </summary>
public sealed class LibraryCaseTests(LibraryCaseTests.Backend backend) : IClassFixture<LibraryCaseTests.Backend>
{
    public static TheoryData<string, string> Cases() => LibraryRunner.Cases("kubernetes");

    [Theory]
    [MemberData(nameof(Cases))]
    public Task The_library_case_runs_on_the_kubernetes_test_api_server_as_it_expects(string file, string target) =>
        backend.Runner.RunAsync(file, target);

    /// <summary>The API server, the world seeded on it and the peers, shared by the class.</summary>
    public sealed class Backend : IAsyncLifetime
    {
        private KubeApiServer? _server;

        public Backend() => Runner = new("kubernetes", () => World);

        public LibraryCaseRunner Runner { get; }

        public KubernetesWorld World => new(_server ?? throw new InvalidOperationException("the API server has not started"));

        public async Task InitializeAsync() => _server = await KubeApiServer.StartAsync();

        public async Task DisposeAsync()
        {
            await Runner.DisposeAsync();
            if (_server is not null)
            {
                await _server.DisposeAsync();
            }
        }
    }
}

/// <summary>
/// The standard fixture world in a fresh namespace: deployment backend (registry.example/backend:1 deployed, then
/// :2 — revision 2 running, revision 1 its previous — 2 replicas, each pod with an error line in its log) and
/// deployment worker (registry.example/worker:1, 1 replica); the environment's kubeconfig is alice's client
/// certificate with that namespace.
/// </summary>
public sealed class KubernetesWorld(KubeApiServer server) : ILibraryWorld
{
    public string Provider => "kubernetes";

    public async Task<WorldInstance> SeedAsync(string folder)
    {
        var cluster = Cluster.Fresh(server);
        await server.CreateDeploymentAsync(cluster.Namespace, "backend", "registry.example/backend:1", 2);
        await server.CreateDeploymentAsync(cluster.Namespace, "worker", "registry.example/worker:1", 1);
        var actions = cluster.Actions();
        var context = new ActionsContext();
        await Succeed(actions, context, "service.deploy", ("service", "backend"), ("image", "registry.example/backend:2"));
        await Succeed(actions, context, "service.wait", ("service", "backend"), ("timeout", "30s"));
        await Succeed(actions, context, "service.wait", ("service", "worker"), ("timeout", "30s"));
        foreach (var pod in server.List(cluster.Namespace, "pods").Where(p => p["metadata"]?["labels"]?["app"]?.GetValue<string>() == "backend"))
        {
            server.AppendLog(cluster.Namespace, pod["metadata"]!["name"]!.GetValue<string>(), "ERROR 502 upstream timed out (GET /api/orders)");
        }

        var kubeconfig = cluster.Kubeconfig();
        return new WorldInstance([new("kubeconfig", kubeconfig)], [], () => Task.FromResult(Describe(cluster.Namespace)));
    }

    private string Describe(string ns) => string.Join('\n', server.List(ns, "deployments").Select(d =>
        $"deployment {d["metadata"]!["name"]}: revision {d["metadata"]?["annotations"]?[Controller.RevisionAnnotation]}, image {d["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]}, "
        + $"replicas {d["spec"]!["replicas"]}, status {d["status"]?.ToJsonString()}"));

    private static async Task Succeed(IReadOnlyDictionary<string, IStepAction> actions, ActionsContext context, string action, params (string Name, object? Value)[] arguments)
    {
        var outcome = await actions[action].ExecuteAsync(context.Invocation(action, arguments.ToDictionary(a => a.Name, a => a.Value)), CancellationToken.None);
        if (outcome is not Succeeded)
        {
            throw new InvalidOperationException($"seeding the kubernetes world: {action} did not succeed: {(outcome as Failed)?.Error}");
        }
    }
}
