using Runbook.Execution.Actions;
using Runbook.Providers.Aws.Tests.EcsServer;
using Runbook.Providers.Aws.Tests.Provider;
using Runbook.Providers.Tests;
using Runbook.Tests.Library;

namespace Runbook.Providers.Aws.Tests.Library;

/// <summary>
/// Every tests/library case for aws, run with `runbook exec` (JIT build and dist/runbook) against the ECS test
/// server: one server and one set of peers for the class, a fresh ECS cluster per case.
/// </summary>
public sealed class LibraryCaseTests(LibraryCaseTests.Backend backend) : IClassFixture<LibraryCaseTests.Backend>
{
    public static TheoryData<string, string> Cases() => LibraryRunner.Cases("aws");

    [Theory]
    [MemberData(nameof(Cases))]
    public Task The_library_case_runs_on_the_ecs_test_server_as_it_expects(string file, string target) =>
        backend.Runner.RunAsync(file, target);

    /// <summary>The ECS test server and the peers, shared by the class.</summary>
    public sealed class Backend : IAsyncLifetime
    {
        private EcsTestServer? _server;

        public Backend() => Runner = new("aws", () => World);

        public LibraryCaseRunner Runner { get; }

        public AwsWorld World => new(_server ?? throw new InvalidOperationException("the ECS test server has not started"));

        public async Task InitializeAsync() => _server = await EcsTestServer.StartAsync();

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
/// The standard fixture world in a fresh ECS cluster: service backend (task definition with
/// registry.example/backend:1, then deployed with :2 — the task definition before it is its previous revision —
/// 2 tasks, an error line in its log group) and service worker (registry.example/worker:1, 1 task). The child gets
/// the server's endpoint, region and keys as the environment would give them, HOME in the case's folder, and none
/// of this machine's AWS_ variables.
/// </summary>
public sealed class AwsWorld(EcsTestServer server) : ILibraryWorld
{
    public string Provider => "aws";

    public async Task<WorldInstance> SeedAsync(string folder)
    {
        var cluster = "lib-" + Guid.NewGuid().ToString("N")[..10];
        server.SeedService(cluster, "backend", "registry.example/backend:1", desiredCount: 2);
        server.SeedService(cluster, "worker", "registry.example/worker:1", desiredCount: 1);
        var environment = AwsTarget.Environment(server);
        var actions = AwsTarget.Actions(environment, AwsTarget.Settings(cluster, ("timeout", "60s")));
        var context = new ActionsContext();
        await Succeed(actions, context, "service.deploy", ("service", "backend"), ("image", "registry.example/backend:2"));
        await Succeed(actions, context, "service.wait", ("service", "backend"), ("timeout", "60s"));
        server.WriteServiceLog(cluster, "backend", "ERROR 502 upstream timed out (GET /api/orders)");
        var machine = System.Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(k => k.StartsWith("AWS_", StringComparison.Ordinal) || k.StartsWith("RUNBOOK_AWS_", StringComparison.Ordinal))
            .Select(k => (k, (string?)null));
        return new WorldInstance(
            [new("cluster", cluster), new("poll_interval", "200ms")],
            [.. machine, .. environment.Where(e => e.Key != "HOME").Select(e => (e.Key, e.Value)), ("HOME", folder)],
            () => Task.FromResult($"{server.Service(cluster, "backend")}\n{server.Service(cluster, "worker")}"));
    }

    private static async Task Succeed(IReadOnlyDictionary<string, IStepAction> actions, ActionsContext context, string action, params (string Name, object? Value)[] arguments)
    {
        var outcome = await actions[action].ExecuteAsync(context.Invocation(action, arguments.ToDictionary(a => a.Name, a => a.Value)), CancellationToken.None);
        if (outcome is not Succeeded)
        {
            throw new InvalidOperationException($"seeding the aws world: {action} did not succeed: {(outcome as Failed)?.Error}");
        }
    }
}
