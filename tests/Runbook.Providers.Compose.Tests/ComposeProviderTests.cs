using System.Collections.Immutable;
using Runbook.Execution.Actions;
using Runbook.Execution.Providers;
using Runbook.Providers.Compose.Tests.Support;

using Runbook.Providers.Tests;

namespace Runbook.Providers.Compose.Tests;

[Collection(DockerCollection.Name)]
public sealed class ComposeProviderTests(DockerEngine docker) : ProviderConformance
{
    public const string Compose = """
        version: "2.4"
        services:
          web:
            image: rb-busybox:1
            network_mode: host
            command: ["httpd", "-f", "-p", "127.0.0.1:PORT", "-h", "/www"]
            healthcheck: { test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:PORT/health"], interval: 1s, retries: 5 }
          worker:
            image: rb-busybox:1
            network_mode: host
            command: ["sleep", "3600"]
          broken:
            image: rb-busybox:1
            network_mode: host
            command: ["sleep", "3600"]
            healthcheck: { test: ["CMD", "false"], interval: 1s, retries: 1 }
        """;

    private string? _project;

    protected override string Service => "worker";

    protected override string Unhealthy => "broken";

    protected override string Image1 => "rb-busybox:1";

    protected override string Image2 => "rb-busybox:2";

    protected override IReadOnlyDictionary<string, IStepAction>? Actions()
    {
        if (!docker.Ready())
        {
            return null;
        }

        _project ??= StartProject();
        return Create(_project, "rb" + Path.GetFileName(_project).ToLowerInvariant().Replace("-", string.Empty, StringComparison.Ordinal));
    }

    protected override IReadOnlyDictionary<string, IStepAction> ActionsAgainstAnUnreachableBackend()
    {
        var previous = Environment.GetEnvironmentVariable("DOCKER_HOST");
        Environment.SetEnvironmentVariable("DOCKER_HOST", "unix:///nonexistent/docker.sock");
        return new Unreachable(Create(_project!, "unreachable"), previous);
    }

    [Fact]
    public async Task Logs_exec_and_restart_work_on_real_containers()
    {
        if (Actions() is not { } actions)
        {
            return;
        }

        var exec = Assert.IsType<Succeeded>(await Run(actions, "compose.exec", ("service", "web"), ("command", "echo hello from $HOSTNAME")));
        Assert.IsType<Succeeded>(await Run(actions, "service.wait", ("service", "web"), ("timeout", "60s")));
        var restart = Assert.IsType<Succeeded>(await Run(actions, "service.restart", ("service", "web")));
        var logs = Assert.IsType<Succeeded>(await Run(actions, "service.logs", ("service", "web"), ("tail", 20L)));

        Assert.StartsWith("hello from", (string)exec.Outputs["stdout"]!, StringComparison.Ordinal);
        Assert.Equal("rb-busybox:1", restart.Outputs["revision"]);
        Assert.NotNull(logs.Outputs["text"]);
    }

    [Fact]
    public async Task Service_names_map_from_the_playbook_to_the_compose_project()
    {
        if (!docker.Ready())
        {
            return;
        }

        _project ??= StartProject();
        var settings = new ProviderSettings("compose", ImmutableDictionary<string, string>.Empty.Add("project", ProjectName(_project)),
            ImmutableDictionary<string, string>.Empty.Add("backend", "worker"), _project);
        var actions = new ComposeProvider().CreateActions(settings).ToDictionary(a => a.Name);

        var described = Assert.IsType<Succeeded>(await Run(actions, "service.describe", ("service", "backend")));

        Assert.Equal("rb-busybox:1", described.Outputs["image"]);
    }

    private string StartProject()
    {
        var folder = docker.NewProject(Compose);
        var up = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("docker-compose", ["-p", ProjectName(folder), "up", "-d"])
        {
            WorkingDirectory = folder,
            RedirectStandardError = true,
        })!;
        var error = up.StandardError.ReadToEnd();
        up.WaitForExit();
        Assert.True(up.ExitCode == 0, error);
        return folder;
    }

    private static string ProjectName(string folder) => "rb" + Path.GetFileName(folder).ToLowerInvariant().Replace("-", string.Empty, StringComparison.Ordinal);

    private static Dictionary<string, IStepAction> Create(string folder, string project) =>
        new ComposeProvider().CreateActions(new ProviderSettings("compose", ImmutableDictionary<string, string>.Empty.Add("project", project),
            ImmutableDictionary<string, string>.Empty, folder)).ToDictionary(a => a.Name);

    /// <summary>Actions that run while DOCKER_HOST points nowhere, restoring it afterwards.</summary>
    private sealed class Unreachable(Dictionary<string, IStepAction> actions, string? previous) : IReadOnlyDictionary<string, IStepAction>
    {
        public IStepAction this[string key] => new Restoring(actions[key], previous);

        public IEnumerable<string> Keys => actions.Keys;

        public IEnumerable<IStepAction> Values => actions.Values;

        public int Count => actions.Count;

        public bool ContainsKey(string key) => actions.ContainsKey(key);

        public bool TryGetValue(string key, out IStepAction value)
        {
            value = this[key];
            return true;
        }

        public IEnumerator<KeyValuePair<string, IStepAction>> GetEnumerator() => actions.GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    private sealed class Restoring(IStepAction inner, string? previous) : IStepAction
    {
        public string Name => inner.Name;

        public async ValueTask<StepOutcome> ExecuteAsync(StepInvocation invocation, CancellationToken cancellationToken)
        {
            try
            {
                return await inner.ExecuteAsync(invocation, cancellationToken);
            }
            finally
            {
                Environment.SetEnvironmentVariable("DOCKER_HOST", previous);
            }
        }
    }
}
