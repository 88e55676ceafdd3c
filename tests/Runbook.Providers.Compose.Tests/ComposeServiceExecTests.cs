using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Runbook.Execution.Actions;
using Runbook.Execution.Providers;
using Runbook.Providers.Compose.Tests.Support;
using Runbook.Providers.Tests;

namespace Runbook.Providers.Compose.Tests;

/// <summary>service.exec on Compose, against the real engine: stdin piped through <c>compose exec -T</c>.</summary>
[Collection(DockerCollection.Name)]
public sealed class ComposeServiceExecTests(DockerEngine docker)
{
    private static readonly SemaphoreSlim Gate = new(1);
    private static (DockerEngine Engine, Dictionary<string, IStepAction> Actions)? _shared;
    private readonly ActionsContext _context = new();

    /// <summary>One project with the worker running, for the whole class.</summary>
    private async Task<Dictionary<string, IStepAction>?> ActionsAsync()
    {
        if (!docker.Ready())
        {
            return null;
        }

        await Gate.WaitAsync();
        try
        {
            if (_shared is { } shared && shared.Engine == docker)
            {
                return shared.Actions;
            }

            var folder = docker.NewProject(ComposeProviderTests.Compose);
            var project = "rbx" + Path.GetFileName(folder).ToLowerInvariant().Replace("-", string.Empty, StringComparison.Ordinal);
            using (var up = Process.Start(new ProcessStartInfo("docker-compose", ["-p", project, "up", "-d", "worker"]) { WorkingDirectory = folder, RedirectStandardError = true })!)
            {
                var error = await up.StandardError.ReadToEndAsync();
                await up.WaitForExitAsync();
                Assert.True(up.ExitCode == 0, error);
            }

            var actions = new ComposeProvider().CreateActions(new ProviderSettings("compose", ImmutableDictionary<string, string>.Empty.Add("project", project),
                ImmutableDictionary<string, string>.Empty, folder)).ToDictionary(a => a.Name);
            _shared = (docker, actions);
            return actions;
        }
        finally
        {
            Gate.Release();
        }
    }

    [Fact]
    public async Task Stdin_text_reaches_cat_in_the_container()
    {
        if (await ActionsAsync() is not { } actions)
        {
            return;
        }

        var outcome = Assert.IsType<Succeeded>(await Run(actions, "service.exec", ("service", "worker"), ("command", "cat"), ("stdin", "from the playbook\n")));

        Assert.Equal("from the playbook", outcome.Outputs["stdout"]);
        Assert.Equal(0L, outcome.Outputs["exit_code"]);
    }

    [Fact]
    public async Task A_large_binary_stdin_file_arrives_byte_for_byte()
    {
        if (await ActionsAsync() is not { } actions)
        {
            return;
        }

        var folder = Directory.CreateTempSubdirectory("runbook-stdin-");
        var bytes = new byte[(5 * 1024 * 1024) + 3];
        new Random(7).NextBytes(bytes);
        await File.WriteAllBytesAsync(Path.Combine(folder.FullName, "dump.bin"), bytes);
        var relative = Path.Combine(folder.Name, "dump.bin");

        var counted = Assert.IsType<Succeeded>(await Run(actions, "service.exec", ("service", "worker"), ("command", "wc -c"), ("stdin_file", relative)));
        var hashed = Assert.IsType<Succeeded>(await Run(actions, "service.exec", ("service", "worker"), ("command", new List<object?> { "sha256sum" }), ("stdin_file", relative)));

        Assert.Equal(bytes.Length.ToString(CultureInfo.InvariantCulture), ((string)counted.Outputs["stdout"]!).Trim());
        Assert.StartsWith(Convert.ToHexStringLower(SHA256.HashData(bytes)), (string)hashed.Outputs["stdout"]!, StringComparison.Ordinal);
        folder.Delete(recursive: true);
    }

    [Fact]
    public async Task A_non_zero_exit_fails_the_step_with_the_code_and_the_last_stderr_line()
    {
        if (await ActionsAsync() is not { } actions)
        {
            return;
        }

        var failed = Assert.IsType<Failed>(await Run(actions, "service.exec", ("service", "worker"), ("command", "echo out; echo broken >&2; exit 5")));

        Assert.Equal(5L, failed.Outputs["exit_code"]);
        Assert.Equal("out", failed.Outputs["stdout"]);
        Assert.Equal("service.exec: the command exited with 5 in service worker: broken", failed.Error);
    }

    [Fact]
    public async Task An_unknown_service_is_compose_refusing_not_an_exit_code()
    {
        if (await ActionsAsync() is not { } actions)
        {
            return;
        }

        var failed = Assert.IsType<Failed>(await Run(actions, "service.exec", ("service", "nosuch"), ("command", "true")));

        Assert.Contains("such service", failed.Error, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(failed.Outputs);
    }

    [Fact]
    public async Task A_container_argument_is_refused_with_why()
    {
        if (await ActionsAsync() is not { } actions)
        {
            return;
        }

        var failed = Assert.IsType<Failed>(await Run(actions, "service.exec", ("service", "worker"), ("command", "true"), ("container", "sidecar")));

        Assert.Contains("a compose service runs one container", failed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Compose_exec_is_an_alias_that_takes_stdin_too()
    {
        if (await ActionsAsync() is not { } actions)
        {
            return;
        }

        var outcome = Assert.IsType<Succeeded>(await Run(actions, "compose.exec", ("service", "worker"), ("command", "wc -c"), ("stdin", "12345")));

        Assert.Equal("5", ((string)outcome.Outputs["stdout"]!).Trim());
    }

    private Task<StepOutcome> Run(IReadOnlyDictionary<string, IStepAction> actions, string action, params (string Name, object? Value)[] arguments) =>
        actions[action].ExecuteAsync(_context.Invocation(action, arguments.ToDictionary(a => a.Name, a => a.Value)), CancellationToken.None).AsTask();
}
