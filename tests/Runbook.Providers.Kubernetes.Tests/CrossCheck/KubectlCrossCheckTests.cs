using System.Diagnostics;
using System.Text.Json;
using Runbook.Execution.Actions;
using Runbook.Providers.Kubernetes.Tests.Support;
using Runbook.Providers.Tests;

namespace Runbook.Providers.Kubernetes.Tests.CrossCheck;

/// <summary>
/// kubectl itself against the test API server: its get, scale, rollout restart/undo/status/history, logs and events
/// work, and what it does is what our provider then sees (and the other way round). Oldest and newest pinned
/// kubectl as well as the default one.
/// </summary>
public sealed class KubectlCrossCheckTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    private readonly ActionsContext _context = new();

    private delegate (int ExitCode, string Out, string Error) KubectlRun(params string[] args);

    public static TheoryData<string> Versions() => ["kubectl", "kubectl.1.27", "kubectl.1.33"];

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Kubectl_and_the_provider_see_and_make_the_same_rollouts(string version)
    {
        if (!KubernetesTools.Instance.Ready())
        {
            return;
        }

        var (cluster, kubectl) = await SetUpAsync(version);
        var actions = cluster.Actions();

        var table = kubectl("get", "deployments");
        Assert.Matches(@"NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s+web\s+2/2\s+2\s+2\s+\d+s", table.Out);

        Assert.Equal("deployment.apps/web scaled", kubectl("scale", "deployment/web", "--replicas=3").Out.Trim());
        Assert.Contains("successfully rolled out", kubectl("rollout", "status", "deployment/web", "--timeout=30s").Out, StringComparison.Ordinal);
        var afterScale = Assert.IsType<Succeeded>(await Run(actions, "service.describe", ("service", "web")));
        Assert.Equal(3L, afterScale.Outputs["desired_replicas"]);
        Assert.Equal(3L, afterScale.Outputs["replicas"]);

        Assert.Equal("deployment.apps/web restarted", kubectl("rollout", "restart", "deployment/web").Out.Trim());
        Assert.Contains("successfully rolled out", kubectl("rollout", "status", "deployment/web", "--timeout=30s").Out, StringComparison.Ordinal);
        var afterRestart = Assert.IsType<Succeeded>(await Run(actions, "service.describe", ("service", "web")));
        Assert.Equal("2", afterRestart.Outputs["revision"]);

        // Our deploy, then kubectl's view of it.
        Assert.IsType<Succeeded>(await Run(actions, "service.deploy", ("service", "web"), ("image", "web:2")));
        Assert.IsType<Succeeded>(await Run(actions, "service.wait", ("service", "web"), ("timeout", "30s")));
        Assert.Equal("web:2", kubectl("get", "deployment", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}").Out);
        var history = kubectl("rollout", "history", "deployment/web").Out;
        Assert.Matches(@"(?m)^1\s", history);
        Assert.Matches(@"(?m)^3\s", history);

        // kubectl's undo, then ours.
        Assert.Equal("deployment.apps/web rolled back", kubectl("rollout", "undo", "deployment/web").Out.Trim());
        Assert.Contains("successfully rolled out", kubectl("rollout", "status", "deployment/web", "--timeout=30s").Out, StringComparison.Ordinal);
        var afterUndo = Assert.IsType<Succeeded>(await Run(actions, "service.describe", ("service", "web")));
        Assert.Equal("web:1", afterUndo.Outputs["image"]);
        Assert.Equal("4", afterUndo.Outputs["revision"]);
        Assert.Equal("deployment.apps/web rolled back", kubectl("rollout", "undo", "deployment/web", "--to-revision=3").Out.Trim());
        Assert.True(await cluster.Server.WaitUntilAsync(
            s => s.Get(cluster.Namespace, "deployments", "web")!["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.GetValue<string>() == "web:2", TimeSpan.FromSeconds(10)));
        Assert.IsType<Succeeded>(await Run(actions, "service.rollback", ("service", "web"), ("to", "4")));
        Assert.Equal("web:1", kubectl("get", "deployment", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}").Out);

        // The same object, field for field.
        using var fromKubectl = JsonDocument.Parse(kubectl("get", "deployment", "web", "-o", "json").Out);
        var stored = cluster.Server.Get(cluster.Namespace, "deployments", "web")!;
        Assert.Equal(stored["metadata"]!["uid"]!.GetValue<string>(), fromKubectl.RootElement.GetProperty("metadata").GetProperty("uid").GetString());
        Assert.Equal(stored["metadata"]!["generation"]!.GetValue<long>(), fromKubectl.RootElement.GetProperty("metadata").GetProperty("generation").GetInt64());
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Kubectl_reads_pods_logs_and_events_and_reports_a_stuck_rollout_and_a_forbidden_request(string version)
    {
        if (!KubernetesTools.Instance.Ready())
        {
            return;
        }

        var (cluster, kubectl) = await SetUpAsync(version);
        cluster.Server.NeverReady("web:bad");
        var pod = cluster.Server.List(cluster.Namespace, "pods")[0]["metadata"]!["name"]!.GetValue<string>();
        cluster.Server.AppendLog(cluster.Namespace, pod, "ERROR boom");

        var pods = kubectl("get", "pods", "-l", "app=web");
        var logs = kubectl("logs", "-l", "app=web", "--tail=1");
        var events = kubectl("get", "events", "--field-selector", "involvedObject.name=web");
        kubectl("set", "image", "deployment/web", "app=web:bad");
        var stuck = kubectl("rollout", "status", "deployment/web", "--timeout=3s");
        cluster.Server.Deny("eve", "get", "deployments");
        var denied = Kubectl(version, cluster.Kubeconfig("eve"), cluster.Files.Directory, "get", "deployment", "web");

        Assert.Matches(@"NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE", pods.Out);
        Assert.Equal(2, pods.Out.Split('\n').Count(l => l.Contains("Running", StringComparison.Ordinal)));
        Assert.Contains("ERROR boom", logs.Out, StringComparison.Ordinal);
        Assert.Contains("ScalingReplicaSet", events.Out, StringComparison.Ordinal);
        Assert.NotEqual(0, stuck.ExitCode);
        Assert.Contains("timed out", stuck.Out + stuck.Error, StringComparison.Ordinal);
        Assert.NotEqual(0, denied.ExitCode);
        Assert.Contains($"Error from server (Forbidden): deployments.apps \"web\" is forbidden: User \"eve\" cannot get resource \"deployments\" in API group \"apps\" in the namespace \"{cluster.Namespace}\"",
            denied.Error, StringComparison.Ordinal);
    }

    private async Task<(Cluster Cluster, KubectlRun Kubectl)> SetUpAsync(string version)
    {
        var cluster = await Cluster.WithDeploymentAsync(fixture.Server, "web", "web:1", 2);
        Assert.True(await cluster.Server.WaitUntilAsync(s => s.Get(cluster.Namespace, "deployments", "web")!["status"]!["availableReplicas"]?.GetValue<int>() == 2, TimeSpan.FromSeconds(10)));
        var config = cluster.Kubeconfig();
        (int ExitCode, string Out, string Error) Run(params string[] args)
        {
            var result = Kubectl(version, config, cluster.Files.Directory, args);
            Assert.True(result.ExitCode == 0 || args[0] is "rollout" && args.Contains("--timeout=3s"), $"{version} {string.Join(' ', args)} failed: {result.Error}");
            return result;
        }

        return (cluster, Run);
    }

    private static (int ExitCode, string Out, string Error) Kubectl(string version, string kubeconfig, string directory, params string[] args)
    {
        var start = new ProcessStartInfo(KubernetesTools.Instance.Kubectl[version]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])["--kubeconfig", kubeconfig, "--cache-dir", Path.Combine(directory, "kubectl-cache"), .. args])
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
        }

        return (process.ExitCode, output.Result, error.Result);
    }

    private Task<StepOutcome> Run(IReadOnlyDictionary<string, IStepAction> actions, string action, params (string Name, object? Value)[] arguments) =>
        actions[action].ExecuteAsync(_context.Invocation(action, arguments.ToDictionary(a => a.Name, a => a.Value)), CancellationToken.None).AsTask();
}
