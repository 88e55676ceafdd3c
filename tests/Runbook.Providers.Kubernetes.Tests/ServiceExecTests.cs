using System.Diagnostics;
using System.Security.Cryptography;
using Runbook.Execution.Actions;
using Runbook.Providers.Kubernetes.Tests.Support;
using Runbook.Providers.Tests;

namespace Runbook.Providers.Kubernetes.Tests;

/// <summary>
/// service.exec on Kubernetes: input over the exec WebSocket's stdin channel, closed with the v5 close signal, against
/// the test API server (which runs the command on this machine), and kubectl exec -i against the same server.
/// </summary>
public sealed class ServiceExecTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    private readonly ActionsContext _context = new();

    private async Task<(Cluster Cluster, IReadOnlyDictionary<string, IStepAction> Actions)> ClusterAsync()
    {
        var cluster = await Cluster.WithDeploymentAsync(fixture.Server, "web", "web:1", 1);
        var actions = cluster.Actions();
        Assert.IsType<Succeeded>(await Run(actions, "service.wait", ("service", "web"), ("timeout", "30s")));
        return (cluster, actions);
    }

    [Fact]
    public async Task Stdin_text_reaches_the_command_and_is_closed_so_cat_ends()
    {
        var (cluster, actions) = await ClusterAsync();

        var outcome = Assert.IsType<Succeeded>(await Run(actions, "service.exec", ("service", "web"), ("command", "cat"), ("stdin", "line one\nline two\n")));

        Assert.Equal("line one\nline two", outcome.Outputs["stdout"]);
        Assert.Equal(0L, outcome.Outputs["exit_code"]);
        var exec = Assert.Single(cluster.Server.Requests, r => r.Path.Contains(cluster.Namespace, StringComparison.Ordinal) && r.Path.EndsWith("/exec", StringComparison.Ordinal));
        Assert.True(exec.Query.Contains("stdin=true", StringComparison.OrdinalIgnoreCase) || exec.Query.Contains("stdin=1", StringComparison.Ordinal), exec.Query);
    }

    [Fact]
    public async Task A_large_binary_stdin_file_arrives_byte_for_byte()
    {
        var (_, actions) = await ClusterAsync();
        var folder = Directory.CreateTempSubdirectory("runbook-stdin-");
        var bytes = new byte[3 * 1024 * 1024 + 17];
        new Random(21).NextBytes(bytes);
        await File.WriteAllBytesAsync(Path.Combine(folder.FullName, "dump.bin"), bytes);
        var relative = Path.Combine(folder.Name, "dump.bin");

        var counted = Assert.IsType<Succeeded>(await Run(actions, "service.exec", ("service", "web"), ("command", "wc -c"), ("stdin_file", relative)));
        var hashed = Assert.IsType<Succeeded>(await Run(actions, "service.exec", ("service", "web"), ("command", new List<object?> { "sha256sum" }), ("stdin_file", relative)));

        Assert.Equal(bytes.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), ((string)counted.Outputs["stdout"]!).Trim());
        Assert.StartsWith(Convert.ToHexStringLower(SHA256.HashData(bytes)), (string)hashed.Outputs["stdout"]!, StringComparison.Ordinal);
        folder.Delete(recursive: true);
    }

    [Fact]
    public async Task Without_stdin_the_command_reads_end_of_input_at_once()
    {
        var (cluster, actions) = await ClusterAsync();

        var outcome = Assert.IsType<Succeeded>(await Run(actions, "service.exec", ("service", "web"), ("command", "wc -c")));

        Assert.Equal("0", ((string)outcome.Outputs["stdout"]!).Trim());
        var exec = Assert.Single(cluster.Server.Requests, r => r.Path.Contains(cluster.Namespace, StringComparison.Ordinal) && r.Path.EndsWith("/exec", StringComparison.Ordinal));
        Assert.DoesNotContain("stdin=true", exec.Query, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("stdin=1", exec.Query, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_non_zero_exit_fails_the_step_and_keeps_stdout_stderr_and_the_code()
    {
        var (_, actions) = await ClusterAsync();

        var failed = Assert.IsType<Failed>(await Run(actions, "service.exec", ("service", "web"), ("command", "cat; echo broken >&2; exit 4"), ("stdin", "partial")));

        Assert.Equal(4L, failed.Outputs["exit_code"]);
        Assert.Equal("partial", failed.Outputs["stdout"]);
        Assert.Equal("broken", failed.Outputs["stderr"]);
        Assert.Equal("service.exec: the command exited with 4 in pod/" + failed.Error.Split("pod/")[1].Split(':')[0] + ": broken", failed.Error);
    }

    [Fact]
    public async Task The_container_argument_names_the_container_in_the_exec_request()
    {
        var (cluster, actions) = await ClusterAsync();

        Assert.IsType<Succeeded>(await Run(actions, "service.exec", ("service", "web"), ("command", "true"), ("container", "sidecar")));

        Assert.Contains(cluster.Server.Requests, r => r.Path.Contains(cluster.Namespace, StringComparison.Ordinal) && r.Path.EndsWith("/exec", StringComparison.Ordinal) && r.Query.Contains("container=sidecar", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Kubernetes_exec_is_an_alias_that_takes_stdin_too()
    {
        var (_, actions) = await ClusterAsync();

        var outcome = Assert.IsType<Succeeded>(await Run(actions, "kubernetes.exec", ("service", "web"), ("command", "cat"), ("stdin", "same")));

        Assert.Equal("same", outcome.Outputs["stdout"]);
    }

    [Theory]
    [InlineData("../outside.sql", "leaves the playbook's folder")]
    [InlineData("/etc/passwd", "absolute path")]
    public async Task A_stdin_file_outside_the_folder_is_refused_before_anything_runs(string file, string reason)
    {
        var (cluster, actions) = await ClusterAsync();
        var before = cluster.Server.Requests.Count(r => r.Path.Contains(cluster.Namespace, StringComparison.Ordinal) && r.Path.EndsWith("/exec", StringComparison.Ordinal));

        var failed = Assert.IsType<Failed>(await Run(actions, "service.exec", ("service", "web"), ("command", "cat"), ("stdin_file", file)));

        Assert.Contains(reason, failed.Error, StringComparison.Ordinal);
        Assert.Equal(before, cluster.Server.Requests.Count(r => r.Path.Contains(cluster.Namespace, StringComparison.Ordinal) && r.Path.EndsWith("/exec", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Stdin_and_stdin_file_together_are_refused()
    {
        var (_, actions) = await ClusterAsync();

        var failed = Assert.IsType<Failed>(await Run(actions, "service.exec", ("service", "web"), ("command", "cat"), ("stdin", "a"), ("stdin_file", "b.txt")));

        Assert.Equal("service.exec: give stdin or stdin_file, not both", failed.Error);
    }

    [Fact]
    public async Task Kubectl_exec_i_sends_stdin_to_the_same_server_and_sees_what_service_exec_sees()
    {
        if (!KubernetesTools.Instance.Ready())
        {
            return;
        }

        var (cluster, actions) = await ClusterAsync();
        var input = string.Concat(Enumerable.Range(0, 20000).Select(i => $"row {i}\n"));

        var ours = Assert.IsType<Succeeded>(await Run(actions, "service.exec", ("service", "web"), ("command", "wc -l"), ("stdin", input)));
        var theirs = Kubectl(cluster, input, "exec", "-i", "deployment/web", "--", "sh", "-c", "wc -l");

        Assert.True(theirs.ExitCode == 0, theirs.Error);
        Assert.Equal("20000", theirs.Out.Trim());
        Assert.Equal(theirs.Out.Trim(), ((string)ours.Outputs["stdout"]!).Trim());
    }

    private static (int ExitCode, string Out, string Error) Kubectl(Cluster cluster, string stdin, params string[] args)
    {
        var start = new ProcessStartInfo(KubernetesTools.Instance.Kubectl["kubectl"]) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var arg in (string[])["--kubeconfig", cluster.Kubeconfig(), "--cache-dir", Path.Combine(cluster.Files.Directory, "kubectl-cache"), .. args])
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
        }

        return (process.ExitCode, output.Result, error.Result);
    }

    private Task<StepOutcome> Run(IReadOnlyDictionary<string, IStepAction> actions, string action, params (string Name, object? Value)[] arguments) =>
        actions[action].ExecuteAsync(_context.Invocation(action, arguments.ToDictionary(a => a.Name, a => a.Value)), CancellationToken.None).AsTask();
}
