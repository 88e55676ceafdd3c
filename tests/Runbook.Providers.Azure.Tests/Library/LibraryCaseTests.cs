using Runbook.Execution.Actions;
using Runbook.Providers.Azure.Tests.ArmServer;
using Runbook.Providers.Azure.Tests.EndToEnd;
using Runbook.Providers.Azure.Tests.Provider;
using Runbook.Providers.Tests;
using Runbook.Tests.Library;

namespace Runbook.Providers.Azure.Tests.Library;

/// <summary>
/// Every tests/library case for azure, run with `runbook exec` (JIT build and dist/runbook) against the ARM test
/// server with the binary's own credential (the environment's service principal, through the Entra ID stand-in):
/// one server and one set of peers for the class, a fresh resource group per case.
/// </summary>
public sealed class LibraryCaseTests(LibraryCaseTests.Backend backend) : IClassFixture<LibraryCaseTests.Backend>
{
    public static TheoryData<string, string> Cases() => LibraryRunner.Cases("azure");

    [Theory]
    [MemberData(nameof(Cases))]
    public Task The_library_case_runs_on_the_arm_test_server_as_it_expects(string file, string target) =>
        backend.Runner.RunAsync(file, target);

    /// <summary>The ARM test server with its identity stand-in, and the peers, shared by the class.</summary>
    public sealed class Backend : IAsyncLifetime
    {
        private AzureWorld? _azure;

        public Backend() => Runner = new("azure", () => World);

        public LibraryCaseRunner Runner { get; }

        internal AzureLibraryWorld World => new(_azure ?? throw new InvalidOperationException("the ARM test server has not started"));

        public async Task InitializeAsync() => _azure = await AzureWorld.StartAsync();

        public async Task DisposeAsync()
        {
            await Runner.DisposeAsync();
            if (_azure is not null)
            {
                await _azure.DisposeAsync();
            }
        }
    }
}

/// <summary>
/// The standard fixture world in a fresh resource group: container app backend in multiple-revision mode
/// (registry.example/backend:1, then deployed with :2 — the first revision is its previous — 2 replicas, an error line
/// in the new revision's log) and worker (registry.example/worker:1, 1 replica). The child authenticates as the
/// environment's service principal, trusts the test CAs through SSL_CERT_FILE, and sees none of this machine's
/// AZURE_ variables.
/// </summary>
internal sealed class AzureLibraryWorld(AzureWorld azure) : ILibraryWorld
{
    public string Provider => "azure";

    public async Task<WorldInstance> SeedAsync(string folder)
    {
        var server = azure.Server;
        var group = ArmServerFixture.NewResourceGroup();
        server.SeedApp(group, "backend", "registry.example/backend:1", minReplicas: 2, maxReplicas: 2, multipleRevisions: true);
        server.SeedApp(group, "worker", "registry.example/worker:1");
        var actions = AzureTarget.Actions(server, AzureTarget.Settings(server, group, ("timeout", "60s")));
        var context = new ActionsContext();
        await Succeed(actions, context, "service.deploy", ("service", "backend"), ("image", "registry.example/backend:2"));
        await Succeed(actions, context, "service.wait", ("service", "backend"), ("timeout", "60s"));
        server.WriteLog(group, "backend", server.App(group, "backend").LatestRevision, "ERROR 502 upstream timed out (GET /api/orders)");
        var machine = System.Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(k => k.StartsWith("AZURE_", StringComparison.Ordinal) || k.StartsWith("RUNBOOK_AZURE_", StringComparison.Ordinal)
                || k.StartsWith("IDENTITY_", StringComparison.Ordinal) || k.StartsWith("MSI_", StringComparison.Ordinal))
            .Select(k => (k, (string?)null));
        return new WorldInstance(
            [new("subscription", server.Subscription), new("resource_group", group), new("endpoint", server.Endpoint.ToString()), new("poll_interval", "200ms")],
            [.. machine, .. azure.Environment().Where(e => !e.Name.StartsWith("RUNBOOK_AZURE_", StringComparison.Ordinal)), ("HOME", folder)],
            () => Task.FromResult($"{server.App(group, "backend")}\n{server.App(group, "worker")}"));
    }

    private static async Task Succeed(IReadOnlyDictionary<string, IStepAction> actions, ActionsContext context, string action, params (string Name, object? Value)[] arguments)
    {
        var outcome = await actions[action].ExecuteAsync(context.Invocation(action, arguments.ToDictionary(a => a.Name, a => a.Value)), CancellationToken.None);
        if (outcome is not Succeeded)
        {
            throw new InvalidOperationException($"seeding the azure world: {action} did not succeed: {(outcome as Failed)?.Error}");
        }
    }
}
