using System.Diagnostics;
using Runbook.Execution.Actions;
using Runbook.Providers.Kubernetes.Tests.Support;
using Runbook.Providers.Tests;

namespace Runbook.Providers.Kubernetes.Tests.CrossCheck;

/// <summary>
/// kubectl against the test API server's StatefulSets, ControllerRevisions and HorizontalPodAutoscalers: its
/// scale, rollout restart/status/history/undo on statefulset/x, get controllerrevisions, create and get hpa and
/// patch hpa work, and what kubectl does is what the provider then sees (and the other way round).
/// </summary>
public sealed class KubectlWorkloadCrossCheckTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    private readonly ActionsContext _context = new();

    public static TheoryData<string> Versions() => ["kubectl", "kubectl.1.27", "kubectl.1.33"];

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Kubectl_and_the_provider_see_and_make_the_same_statefulset_rollouts(string version)
    {
        if (!KubernetesTools.Instance.Ready())
        {
            return;
        }

        var cluster = Cluster.Fresh(fixture.Server);
        await cluster.Server.CreateStatefulSetAsync(cluster.Namespace, "db", "db:1", 3);
        var actions = cluster.Actions();
        var kubectl = Kubectl(version, cluster);
        Assert.IsType<Succeeded>(await Run(actions, "service.wait", ("service", "statefulset/db"), ("timeout", "30s")));

        Assert.Matches(@"NAME\s+READY\s+AGE\s+db\s+3/3\s+\d+s", kubectl("get", "statefulsets").Out);

        Assert.Equal("statefulset.apps/db scaled", kubectl("scale", "statefulset/db", "--replicas=4").Out.Trim());
        Assert.Contains("partitioned roll out complete: 4 new pods have been updated", kubectl("rollout", "status", "statefulset/db", "--timeout=30s").Out, StringComparison.Ordinal);
        var afterScale = Assert.IsType<Succeeded>(await Run(actions, "service.describe", ("service", "statefulset/db")));
        Assert.Equal(4L, afterScale.Outputs["desired_replicas"]);
        Assert.Equal(4L, afterScale.Outputs["replicas"]);

        Assert.Equal("statefulset.apps/db restarted", kubectl("rollout", "restart", "statefulset/db").Out.Trim());
        Assert.Contains("partitioned roll out complete: 4 new pods have been updated", kubectl("rollout", "status", "statefulset/db", "--timeout=60s").Out, StringComparison.Ordinal);
        var afterRestart = Assert.IsType<Succeeded>(await Run(actions, "service.describe", ("service", "statefulset/db")));
        Assert.Equal("2", afterRestart.Outputs["revision"]);
        Assert.Equal(afterRestart.Outputs["update_revision"], afterRestart.Outputs["current_revision"]);

        // Our deploy, then kubectl's view of it.
        Assert.IsType<Succeeded>(await Run(actions, "service.deploy", ("service", "statefulset/db"), ("image", "db:2")));
        Assert.IsType<Succeeded>(await Run(actions, "service.wait", ("service", "statefulset/db"), ("timeout", "60s")));
        Assert.Equal("db:2", kubectl("get", "statefulset", "db", "-o", "jsonpath={.spec.template.spec.containers[0].image}").Out);
        var history = kubectl("rollout", "history", "statefulset/db").Out;
        Assert.Matches(@"(?m)^1\s", history);
        Assert.Matches(@"(?m)^3\s", history);
        Assert.Matches(@"db-\w+\s+statefulset\.apps/db\s+3\s", kubectl("get", "controllerrevisions").Out);

        // kubectl's undo (to the restart's revision, db:1), then ours back to db:2.
        Assert.Equal("statefulset.apps/db rolled back", kubectl("rollout", "undo", "statefulset/db").Out.Trim());
        Assert.Contains("partitioned roll out complete", kubectl("rollout", "status", "statefulset/db", "--timeout=60s").Out, StringComparison.Ordinal);
        var afterUndo = Assert.IsType<Succeeded>(await Run(actions, "service.describe", ("service", "statefulset/db")));
        Assert.Equal("db:1", afterUndo.Outputs["image"]);
        Assert.Equal("4", afterUndo.Outputs["revision"]);
        Assert.IsType<Succeeded>(await Run(actions, "service.rollback", ("service", "statefulset/db"), ("to", "3")));
        Assert.Equal("db:2", kubectl("get", "statefulset", "db", "-o", "jsonpath={.spec.template.spec.containers[0].image}").Out);
        Assert.Equal("statefulset.apps/db rolled back", kubectl("rollout", "undo", "statefulset/db", "--to-revision=4").Out.Trim());
        Assert.True(await cluster.Server.WaitUntilAsync(
            s => s.Get(cluster.Namespace, "statefulsets", "db")!["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.GetValue<string>() == "db:1", TimeSpan.FromSeconds(10)));
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Kubectl_and_the_provider_agree_on_the_hpa_and_the_server_refuses_a_min_above_the_max(string version)
    {
        if (!KubernetesTools.Instance.Ready())
        {
            return;
        }

        var cluster = Cluster.Fresh(fixture.Server);
        await cluster.Server.CreateStatefulSetAsync(cluster.Namespace, "db", "db:1", 3);
        var actions = cluster.Actions();
        var kubectl = Kubectl(version, cluster);
        var manifest = cluster.Files.WriteFile("hpa.yaml", """
            apiVersion: autoscaling/v2
            kind: HorizontalPodAutoscaler
            metadata:
              name: db-hpa
            spec:
              scaleTargetRef: { apiVersion: apps/v1, kind: StatefulSet, name: db }
              minReplicas: 2
              maxReplicas: 5
              metrics:
                - type: Resource
                  resource: { name: cpu, target: { type: Utilization, averageUtilization: 80 } }
            """);

        Assert.Contains("horizontalpodautoscaler.autoscaling/db-hpa created", kubectl("create", "-f", manifest, "--validate=false").Out, StringComparison.Ordinal);
        Assert.True(await cluster.Server.WaitUntilAsync(s => s.Get(cluster.Namespace, "horizontalpodautoscalers", "db-hpa")!["status"]?["currentReplicas"]?.GetValue<int>() == 3, TimeSpan.FromSeconds(10)));
        Assert.Matches(@"NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE\s+db-hpa\s+StatefulSet/db\s+.+?\s+2\s+5\s+3\s", kubectl("get", "hpa").Out);

        var described = Assert.IsType<Succeeded>(await Run(actions, "service.describe", ("service", "statefulset/db")));
        Assert.Equal("db-hpa", described.Outputs["hpa"]);
        Assert.Equal(2L, described.Outputs["hpa_min_replicas"]);
        Assert.Equal(5L, described.Outputs["hpa_max_replicas"]);

        Assert.IsType<Failed>(await Run(actions, "service.scale", ("service", "statefulset/db"), ("replicas", 8L)));
        Assert.IsType<Succeeded>(await Run(actions, "service.scale", ("service", "statefulset/db"), ("replicas", 8L), ("hpa", "adjust")));
        Assert.Equal("2 8", kubectl("get", "hpa", "db-hpa", "-o", "jsonpath={.spec.minReplicas} {.spec.maxReplicas}").Out);
        Assert.Equal("8", kubectl("get", "statefulset", "db", "-o", "jsonpath={.spec.replicas}").Out);

        var refused = kubectl("patch", "hpa", "db-hpa", "--type=merge", "-p", """{"spec":{"minReplicas":9}}""");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("spec.maxReplicas: Invalid value: 8: must be greater than or equal to `minReplicas`", refused.Error, StringComparison.Ordinal);
        Assert.Equal("2 8", kubectl("get", "hpa", "db-hpa", "-o", "jsonpath={.spec.minReplicas} {.spec.maxReplicas}").Out);

        // What the refusal protects against: kubectl scales past the HPA's max, and the HPA scales it back.
        Assert.Equal("statefulset.apps/db scaled", kubectl("scale", "statefulset/db", "--replicas=12").Out.Trim());
        Assert.True(await cluster.Server.WaitUntilAsync(s => s.Get(cluster.Namespace, "statefulsets", "db")!["spec"]!["replicas"]!.GetValue<int>() == 8, TimeSpan.FromSeconds(10)));
    }

    private delegate (int ExitCode, string Out, string Error) KubectlRun(params string[] args);

    private static KubectlRun Kubectl(string version, Cluster cluster)
    {
        var config = cluster.Kubeconfig();
        return args =>
        {
            var start = new ProcessStartInfo(KubernetesTools.Instance.Kubectl[version]) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in (string[])["--kubeconfig", config, "--cache-dir", Path.Combine(cluster.Files.Directory, "kubectl-cache"), .. args])
            {
                start.ArgumentList.Add(arg);
            }

            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(90)))
            {
                process.Kill(entireProcessTree: true);
            }

            var result = (process.ExitCode, output.Result, error.Result);
            Assert.True(result.ExitCode == 0 || args[0] == "patch", $"{version} {string.Join(' ', args)} failed: {result.Item3}");
            return result;
        };
    }

    private Task<StepOutcome> Run(IReadOnlyDictionary<string, IStepAction> actions, string action, params (string Name, object? Value)[] arguments) =>
        actions[action].ExecuteAsync(_context.Invocation(action, arguments.ToDictionary(a => a.Name, a => a.Value)), CancellationToken.None).AsTask();
}
