using Runbook.Providers.Kubernetes.Tests.Support;
using Runbook.Tests;

namespace Runbook.Providers.Kubernetes.Tests.Objects;

/// <summary>
/// `runbook exec` with kubernetes.apply, kubernetes.patch and kubernetes.top, from the JIT build and the native binary:
/// a dry run answered by the server changes nothing; a failing step rolls the patch and the apply back.
/// </summary>
public sealed class ObjectEndToEndTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    private const string Playbook = """
        apiVersion: runbook/v1
        kind: Playbook
        name: objects
        phases:
          assess:
            - id: usage
              uses: kubernetes.top
              with: { kind: pods, selector: app=web }
          mitigate:
            - id: flags
              uses: kubernetes.apply
              with:
                manifest:
                  apiVersion: v1
                  kind: ConfigMap
                  metadata: { name: feature-flags }
                  data: { checkout: "off", note: "it's \"off\"; $(id) `id`" }
            - id: tune
              uses: kubernetes.patch
              with:
                kind: deployment
                name: web
                patch: { metadata: { annotations: { incident: INC-42 } } }
            - id: show
              run: echo "cpu=$CPU created=$CREATED changed=$CHANGED"
              env:
                CPU: "${{ steps.usage.outputs.total_cpu }}"
                CREATED: "${{ steps.flags.outputs.created }}"
                CHANGED: "${{ steps.tune.outputs.changed }}"
              mutates: false
            - id: verify
              run: exit 1
              mutates: false
        """;

    public static TheoryData<string> Targets() => RunbookBinary.Targets();

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task A_dry_run_changes_nothing_and_a_failing_step_deletes_the_applied_object_and_undoes_the_patch(string target)
    {
        var cluster = await Cluster.WithDeploymentAsync(fixture.Server, "web", "web:1", 1);
        Assert.True(await cluster.Server.WaitUntilAsync(s => s.List(cluster.Namespace, "pods").Count == 1, TimeSpan.FromSeconds(10)));
        var pod = cluster.Server.List(cluster.Namespace, "pods")[0]["metadata"]!["name"]!.GetValue<string>();
        cluster.Server.SetPodUsage(cluster.Namespace, pod, ("app", "125m", "32Mi"));
        var folder = cluster.Files.Directory;
        File.WriteAllText(Path.Combine(folder, "objects.yaml"), Playbook);
        File.WriteAllText(Path.Combine(folder, "runbook.yaml"), $"environments:\n  dev:\n    provider: kubernetes\n    kubeconfig: {cluster.Kubeconfig()}\n");
        var annotationsBefore = cluster.Server.Get(cluster.Namespace, "deployments", "web")!["metadata"]!["annotations"]!.ToJsonString();

        var dryRun = RunbookBinary.Run(target, folder, [("KUBECONFIG", null)], [], "exec", "objects.yaml", "--env", "dev", "--dry-run", "--journal", "j.db");
        var afterDryRun = (cluster.Server.Get(cluster.Namespace, "configmaps", "feature-flags"),
            cluster.Server.Get(cluster.Namespace, "deployments", "web")!["metadata"]!["annotations"]!.ToJsonString());
        var exec = RunbookBinary.Run(target, folder, [("KUBECONFIG", null)], [], "exec", "objects.yaml", "--env", "dev", "--journal", "j.db");

        Assert.True(dryRun.Out.Contains("would create configmap 'feature-flags'", StringComparison.Ordinal), dryRun.Out);
        Assert.True(dryRun.Out.Contains("would patch deployment 'web' (merge; the server's dry run)", StringComparison.Ordinal), dryRun.Out);
        Assert.Null(afterDryRun.Item1);
        Assert.Equal(annotationsBefore, afterDryRun.Item2);
        Assert.True(exec.ExitCode == 1, exec.Out);
        Assert.True(exec.Out.Contains("cpu=125 created=true changed=true", StringComparison.Ordinal), exec.Out);
        Assert.True(exec.Out.Contains("rolled back: tune, flags", StringComparison.Ordinal), exec.Out); // newest first
        Assert.Null(cluster.Server.Get(cluster.Namespace, "configmaps", "feature-flags"));
        Assert.Equal(annotationsBefore, cluster.Server.Get(cluster.Namespace, "deployments", "web")!["metadata"]!["annotations"]!.ToJsonString());
        Assert.Contains(cluster.Server.Requests, r => r.Method == "PATCH" && r.Path.EndsWith($"/namespaces/{cluster.Namespace}/configmaps/feature-flags", StringComparison.Ordinal)
            && r.ContentType?.StartsWith("application/apply-patch+yaml", StringComparison.Ordinal) == true);
        Assert.Contains(cluster.Server.Requests, r => r.Method == "DELETE" && r.Path.EndsWith($"/namespaces/{cluster.Namespace}/configmaps/feature-flags", StringComparison.Ordinal));
    }
}
