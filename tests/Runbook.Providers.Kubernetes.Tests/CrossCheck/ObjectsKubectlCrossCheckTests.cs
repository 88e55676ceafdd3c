using System.Diagnostics;
using Runbook.Execution.Actions;
using Runbook.Providers.Kubernetes.Tests.Objects;
using Runbook.Providers.Kubernetes.Tests.Support;
using static Runbook.Providers.Kubernetes.Tests.Objects.ObjectBench;

namespace Runbook.Providers.Kubernetes.Tests.CrossCheck;

/// <summary>
/// kubectl against the test API server for what the object actions need: patch of each type (and a failing JSON
/// test), server-side apply with its dry run and field ownership, top pods and nodes — and what kubectl did is
/// what the provider sees, and the other way round.
/// </summary>
public sealed class ObjectsKubectlCrossCheckTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    private delegate (int ExitCode, string Out, string Error) KubectlRun(params string[] args);

    [Fact]
    public async Task Kubectl_patch_of_every_type_and_the_provider_agree_on_the_object()
    {
        if (!KubernetesTools.Instance.Ready())
        {
            return;
        }

        var bench = new ObjectBench(await Cluster.WithDeploymentAsync(fixture.Server, "web", "web:1", 1));
        bench.ConfigMap("app", ("a", "1"), ("b", "2"));
        var kubectl = Kubectl(bench);

        var merge = kubectl("patch", "configmap", "app", "--type", "merge", "-p", "{\"data\":{\"a\":\"merge\"}}");
        var json = kubectl("patch", "configmap", "app", "--type", "json", "-p", "[{\"op\":\"test\",\"path\":\"/data/a\",\"value\":\"merge\"},{\"op\":\"replace\",\"path\":\"/data/a\",\"value\":\"json\"}]");
        var failedTest = kubectl("patch", "configmap", "app", "--type", "json", "-p", "[{\"op\":\"test\",\"path\":\"/data/a\",\"value\":\"merge\"},{\"op\":\"remove\",\"path\":\"/data/a\"}]");
        var strategic = kubectl("patch", "deployment", "web", "--type", "strategic", "-p", "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"app\",\"env\":[{\"name\":\"MODE\",\"value\":\"safe\"}]}]}}}}");
        var dryRun = kubectl("patch", "configmap", "app", "--type", "merge", "--dry-run=server", "-p", "{\"data\":{\"b\":\"dry\"}}");
        var read = Assert.IsType<Succeeded>(await bench.Run("kubernetes.get", ("kind", "deploy"), ("name", "web")));
        Assert.IsType<Succeeded>(await bench.Run("kubernetes.patch", ("kind", "cm"), ("name", "app"), ("patch", Map(("data", Map(("b", "ours")))))));
        var ours = kubectl("get", "configmap", "app", "-o", "jsonpath={.data.a} {.data.b}");

        Assert.True(merge.ExitCode == 0 && merge.Out.Trim() == "configmap/app patched", merge.Out + merge.Error);
        Assert.True(json.ExitCode == 0, json.Error);
        Assert.NotEqual(0, failedTest.ExitCode);
        Assert.Contains("test failed", failedTest.Error, StringComparison.Ordinal);
        Assert.True(strategic.ExitCode == 0, strategic.Error);
        Assert.True(dryRun.ExitCode == 0, dryRun.Error);
        Assert.Equal("json ours", ours.Out);
        var container = Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(
            At(read.Outputs["object"], "spec", "template", "spec", "containers") is IEnumerable<object?> containers ? containers.First() : null);
        Assert.Equal("web:1", container["image"]);
        Assert.Equal("safe", Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(Assert.IsAssignableFrom<IEnumerable<object?>>(container["env"]).First())["value"]);
    }

    [Fact]
    public async Task Kubectl_server_side_apply_owns_its_fields_so_the_providers_apply_of_a_different_value_conflicts_naming_kubectl()
    {
        if (!KubernetesTools.Instance.Ready())
        {
            return;
        }

        var bench = new ObjectBench(Cluster.Fresh(fixture.Server));
        var kubectl = Kubectl(bench);
        var manifest = Path.Combine(bench.Cluster.Files.Directory, "flags.yaml");
        await File.WriteAllTextAsync(manifest, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: flags\ndata:\n  mode: safe\n");
        var dryManifest = Path.Combine(bench.Cluster.Files.Directory, "dry.yaml");
        await File.WriteAllTextAsync(dryManifest, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dry\ndata:\n  mode: safe\n");

        // --validate=false: kubectl's own schema check downloads /openapi/v3, which the test server does not serve;
        // the server-side apply itself (and its dry run) is what is checked here.
        var applied = kubectl("apply", "--server-side", "--validate=false", "-f", manifest);
        var dry = kubectl("apply", "--server-side", "--validate=false", "--dry-run=server", "-f", dryManifest);
        var conflict = Assert.IsType<Failed>(await bench.Run("kubernetes.apply", ("manifest", Map(("apiVersion", "v1"), ("kind", "ConfigMap"), ("metadata", Map(("name", "flags"))), ("data", Map(("mode", "fast")))))));
        var shared = Assert.IsType<Succeeded>(await bench.Run("kubernetes.apply", ("manifest", Map(("apiVersion", "v1"), ("kind", "ConfigMap"), ("metadata", Map(("name", "flags"))), ("data", Map(("mode", "safe"), ("extra", "ours")))))));
        var managers = kubectl("get", "configmap", "flags", "--show-managed-fields", "-o", "jsonpath={.metadata.managedFields[*].manager}");

        Assert.True(applied.ExitCode == 0 && applied.Out.Trim() == "configmap/flags serverside-applied", applied.Out + applied.Error);
        Assert.True(dry.ExitCode == 0, dry.Error);
        Assert.Null(bench.Stored("configmaps", "dry"));
        Assert.Contains("conflict with \"kubectl\"", conflict.Error, StringComparison.Ordinal);
        Assert.Equal(false, shared.Outputs["created"]);
        Assert.Equal("ours", bench.Data("flags", "extra"));
        Assert.Equal("kubectl runbook", managers.Out.Trim());
    }

    [Fact]
    public async Task Kubectl_top_and_the_provider_read_the_same_usage()
    {
        if (!KubernetesTools.Instance.Ready())
        {
            return;
        }

        var bench = new ObjectBench(await Cluster.WithDeploymentAsync(fixture.Server, "web", "web:1", 1));
        Assert.True(await bench.Cluster.Server.WaitUntilAsync(s => s.List(bench.Ns, "pods").Count == 1, TimeSpan.FromSeconds(10)));
        var pod = bench.Cluster.Server.List(bench.Ns, "pods")[0]["metadata"]!["name"]!.GetValue<string>();
        bench.Cluster.Server.SetPodUsage(bench.Ns, pod, ("app", "250m", "64Mi"), ("sidecar", "5m", "16Mi"));
        var node = bench.Ns + "-node";
        bench.Cluster.Server.AddNode(node, "4", "8Gi", "2", "4Gi", ("pool", bench.Ns));
        var kubectl = Kubectl(bench);

        var pods = kubectl("top", "pods", "-l", "app=web");
        var nodes = kubectl("top", "nodes", "-l", $"pool={bench.Ns}");
        var ourPods = Assert.IsType<Succeeded>(await bench.Run("kubernetes.top", ("kind", "pods"), ("selector", "app=web")));
        var ourNodes = Assert.IsType<Succeeded>(await bench.Run("kubernetes.top", ("kind", "nodes"), ("selector", $"pool={bench.Ns}")));

        Assert.True(pods.ExitCode == 0, pods.Error);
        Assert.Matches($@"{pod}\s+255m\s+80Mi", pods.Out);
        Assert.True(nodes.ExitCode == 0, nodes.Error);
        Assert.Matches($@"{node}\s+2000m\s+50%\s+4096Mi\s+50%", nodes.Out);
        Assert.Equal(255.0, (double)ourPods.Outputs["total_cpu"]!, 6);
        Assert.Equal(80L * 1024 * 1024, ourPods.Outputs["total_memory"]);
        Assert.Equal(2000.0, (double)ourNodes.Outputs["total_cpu"]!, 6);
        Assert.Equal(4L * 1024 * 1024 * 1024, ourNodes.Outputs["total_memory"]);
    }

    private static object? At(object? value, params string[] keys) =>
        keys.Aggregate(value, (current, key) => current is IReadOnlyDictionary<string, object?> map ? map.GetValueOrDefault(key) : null);

    private static KubectlRun Kubectl(ObjectBench bench)
    {
        var config = bench.Cluster.Kubeconfig();
        return args =>
        {
            var start = new ProcessStartInfo(KubernetesTools.Instance.Kubectl["kubectl"]) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in (string[])["--kubeconfig", config, "--cache-dir", System.IO.Path.Combine(bench.Cluster.Files.Directory, "kubectl-cache"), .. args])
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
        };
    }
}
