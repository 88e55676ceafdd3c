using System.Collections.Immutable;
using System.Diagnostics;
using Runbook.Execution.Actions;
using Runbook.Execution.Providers;
using Runbook.Providers.Compose.Tests.Support;
using Runbook.Providers.Tests;
using Runbook.Tests.Library;

namespace Runbook.Providers.Compose.Tests.Library;

/// <summary>
/// Every tests/library case for compose, run with `runbook exec` (JIT build and dist/runbook) against the real
/// Docker engine of the compose tests: one engine and one set of peers for the class, a compose project per case.
/// </summary>
[Collection(DockerCollection.Name)]
public sealed class LibraryCaseTests(DockerEngine docker, LibraryCaseTests.Peers peers) : IClassFixture<LibraryCaseTests.Peers>
{
    public static TheoryData<string, string> Cases() => LibraryRunner.Cases("compose");

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task The_library_case_runs_on_the_real_docker_engine_as_it_expects(string file, string target)
    {
        if (!docker.Ready())
        {
            return;
        }

        await peers.Runner(docker).RunAsync(file, target);
    }

    /// <summary>The runner and the peers the class's cases name, started once.</summary>
    public sealed class Peers : IAsyncLifetime
    {
        private LibraryCaseRunner? _runner;

        public LibraryCaseRunner Runner(DockerEngine docker) => _runner ??= new("compose", () => new ComposeWorld(docker));

        public Task InitializeAsync() => Task.CompletedTask;

        public async Task DisposeAsync()
        {
            if (_runner is not null)
            {
                await _runner.DisposeAsync();
            }
        }
    }
}

/// <summary>
/// The standard fixture world as a compose project of its own: service backend (rb-busybox:1, then deployed as
/// rb-busybox:2 — the image runbook recorded it replaced is its previous revision — scaled to 2 containers, each
/// printing an error line to its log) and worker (1 container). The environment names the compose file, the
/// project and the state folder the seeding used.
/// </summary>
public sealed class ComposeWorld(DockerEngine docker) : ILibraryWorld
{
    private const string Compose = """
        version: "2.4"
        services:
          backend:
            image: rb-busybox:1
            network_mode: host
            command: ["sh", "-c", "echo 'listening on :8080'; echo 'ERROR 502 upstream timed out (GET /api/orders)'; exec sleep 3600"]
          worker:
            image: rb-busybox:1
            network_mode: host
            command: ["sh", "-c", "echo 'worker started'; exec sleep 3600"]
        """;

    public string Provider => "compose";

    public async Task<WorldInstance> SeedAsync(string folder)
    {
        var project = "rblib" + Guid.NewGuid().ToString("N")[..10];
        var file = Path.Combine(folder, "docker-compose.yml");
        await File.WriteAllTextAsync(file, Compose);
        var settings = ImmutableDictionary<string, string>.Empty.Add("file", file).Add("project", project).Add("state_dir", Path.Combine(folder, "compose-state"));
        await ComposeAsync(folder, project, "up", "-d", "backend", "worker");
        var actions = new ComposeProvider().CreateActions(new ProviderSettings("compose", settings, ImmutableDictionary<string, string>.Empty, folder)).ToDictionary(a => a.Name);
        var context = new ActionsContext();
        await Succeed(actions, context, "service.deploy", ("service", "backend"), ("image", "rb-busybox:2"));
        await Succeed(actions, context, "service.scale", ("service", "backend"), ("replicas", 2L));
        await Succeed(actions, context, "service.wait", ("service", "backend"), ("timeout", "30s"));
        await Succeed(actions, context, "service.wait", ("service", "worker"), ("timeout", "30s"));
        return new WorldInstance(
            [.. settings],
            [("DOCKER_HOST", docker.Host)],
            async () => await ComposeAsync(folder, project, "ps"),
            async () => await ComposeAsync(folder, project, "down", "--timeout", "0"));
    }

    private async Task<string> ComposeAsync(string folder, string project, params string[] args)
    {
        var start = new ProcessStartInfo("docker-compose") { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])["-p", project, .. args])
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOCKER_HOST"] = docker.Host;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"docker-compose {string.Join(' ', args)} failed ({process.ExitCode}): {await error}");
        }

        return await output + await error;
    }

    private static async Task Succeed(IReadOnlyDictionary<string, IStepAction> actions, ActionsContext context, string action, params (string Name, object? Value)[] arguments)
    {
        var outcome = await actions[action].ExecuteAsync(context.Invocation(action, arguments.ToDictionary(a => a.Name, a => a.Value)), CancellationToken.None);
        if (outcome is not Succeeded)
        {
            throw new InvalidOperationException($"seeding the compose world: {action} did not succeed: {(outcome as Failed)?.Error}");
        }
    }
}
