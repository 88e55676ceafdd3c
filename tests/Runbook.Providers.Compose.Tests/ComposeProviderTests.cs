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

    protected override string DeniedResource => docker.Host;

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

    /// <summary>
    /// The real denial: `runbook exec` runs as the unprivileged user nobody against this engine's socket, which
    /// dockerd creates owned by root and closed to others, so the Docker CLI itself gets "permission denied". The
    /// step retries on retryable errors (attempts: 3), so the journal shows whether the engine took it for one.
    /// </summary>
    protected override async Task<(string Error, bool Retryable)> ScaleWithoutPermissionAsync()
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("the Compose tests run a private Linux Docker engine");
        }

        docker.Ready();
        _project ??= StartProject();
        var socket = new Uri(docker.Host).AbsolutePath;
        Assert.False(File.GetUnixFileMode(socket).HasFlag(UnixFileMode.OtherWrite), $"{socket} is open to everyone; the denial would not be real");
        var folder = Directory.CreateTempSubdirectory("runbook-denied-").FullName;
        File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead
            | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute);
        File.Copy(Path.Combine(_project, "docker-compose.yml"), Path.Combine(folder, "docker-compose.yml"));
        File.WriteAllText(Path.Combine(folder, "playbook.yaml"), $$"""
            apiVersion: runbook/v1
            kind: Playbook
            name: denied-scale
            phases:
              mitigate:
                - id: scale
                  uses: service.scale
                  with: { service: {{Service}}, replicas: 2 }
                  retry: { attempts: 3, interval: 1s }
            """);
        var journal = Path.Combine(folder, "j.db");
        var exec = await RunAsync("runuser", "-u", "nobody", "--", "env", $"HOME={folder}", $"DOTNET_CLI_HOME={folder}", $"DOCKER_HOST={docker.Host}", "NO_COLOR=1",
            "dotnet", Path.Combine(AppContext.BaseDirectory, "runbook.dll"), "exec", Path.Combine(folder, "playbook.yaml"), "--provider", "compose",
            "--set", $"file={Path.Combine(folder, "docker-compose.yml")}", "--set", $"project={ProjectName(_project)}", "--set", $"state_dir={Path.Combine(folder, "state")}",
            "--journal", journal);
        var show = await RunAsync("dotnet", Path.Combine(AppContext.BaseDirectory, "runbook.dll"), "show", "--journal", journal, "--format", "json",
            System.Text.RegularExpressions.Regex.Match(exec.Out, @"run (\d{8}-\d{6}-[0-9a-f]{6})").Groups[1].Value);
        Directory.Delete(folder, recursive: true);

        Assert.True(exec.ExitCode == 1, $"exec as nobody: exit {exec.ExitCode}\n{exec.Out}{exec.Error}");
        using var events = System.Text.Json.JsonDocument.Parse(show.Out);
        var failures = events.RootElement.GetProperty("events").EnumerateArray()
            .Where(e => e.GetProperty("kind").GetString() == "StepFailed").Select(e => e.GetProperty("data")).ToList();
        Assert.NotEmpty(failures);
        return (failures[^1].GetProperty("error").GetString()!, failures.Any(f => f.TryGetProperty("will_retry", out var w) && w.GetBoolean()));
    }

    private static async Task<(int ExitCode, string Out, string Error)> RunAsync(string program, params string[] args)
    {
        var start = new System.Diagnostics.ProcessStartInfo(program, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(deadline.Token);
        return (process.ExitCode, await output, await error);
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
