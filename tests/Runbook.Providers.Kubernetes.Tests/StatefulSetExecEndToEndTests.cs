using System.Text.Json;
using System.Text.RegularExpressions;
using Runbook.Providers.Kubernetes.Tests.Support;
using Runbook.Tests;

namespace Runbook.Providers.Kubernetes.Tests;

/// <summary>
/// `runbook exec` on a StatefulSet named in runbook.yaml as { kind: statefulset, name: … }, from the JIT build and the
/// native binary: exec in pod 0, scale with hpa: adjust, a failing step, and a rollback that restores the replicas and
/// the HPA's bounds exactly; and a bad service mapping stopped with file:line:col and the fix.
/// </summary>
public sealed partial class StatefulSetExecEndToEndTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    private const string ScaleUnderHpaThenFail = """
        apiVersion: runbook/v1
        kind: Playbook
        name: scale-database
        providers: [kubernetes]
        phases:
          gather:
            - id: before
              uses: service.describe
              with: { service: database }
            - id: primary
              uses: service.exec
              with: { service: database, command: "echo primary is $HOSTNAME" }
              mutates: false
          mitigate:
            - id: scale
              uses: service.scale
              with: { service: database, replicas: 8, hpa: adjust }
              rollback:
                uses: service.scale
                with:
                  service: database
                  replicas: ${{ steps.scale.outputs.previous_replicas }}
                  hpa_min_replicas: ${{ steps.scale.outputs.previous_hpa_min_replicas }}
                  hpa_max_replicas: ${{ steps.scale.outputs.previous_hpa_max_replicas }}
            - id: wait
              uses: service.wait
              with: { service: database, timeout: 60s }
          resolve:
            - id: verify
              run: echo "connections still refused" >&2; exit 1
              mutates: false
        """;

    public static TheoryData<string> Targets() => RunbookBinary.Targets();

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Scale_with_hpa_adjust_then_a_failing_step_rolls_back_the_replicas_and_the_hpa_bounds_exactly(string target)
    {
        var cluster = Cluster.Fresh(fixture.Server);
        await cluster.Server.CreateStatefulSetAsync(cluster.Namespace, "postgres", "postgres:15", 3);
        await cluster.Server.CreateAutoscalerAsync(cluster.Namespace, "postgres", "StatefulSet", "postgres", 2, 5);
        var folder = cluster.Files.Directory;
        File.WriteAllText(Path.Combine(folder, "playbook.yaml"), ScaleUnderHpaThenFail);
        File.WriteAllText(Path.Combine(folder, "runbook.yaml"), $"""
            environments:
              prod:
                provider: kubernetes
                kubeconfig: {cluster.Kubeconfig()}
                services:
                  database: {"{"} kind: statefulset, name: postgres {"}"}
            """);
        Assert.True(await cluster.Server.WaitUntilAsync(s => s.Get(cluster.Namespace, "statefulsets", "postgres")!["status"]?["readyReplicas"]?.GetValue<int>() == 3, TimeSpan.FromSeconds(20)));

        var dryRun = Run(target, folder, "exec", "playbook.yaml", "--env", "prod", "--dry-run", "--journal", "j.db");
        var hpaAfterDryRun = cluster.Server.Get(cluster.Namespace, "horizontalpodautoscalers", "postgres")!["spec"]!["maxReplicas"]!.GetValue<int>();
        var exec = Run(target, folder, "exec", "playbook.yaml", "--env", "prod", "--journal", "j.db");
        var runId = RunId().Match(exec.Out).Groups[1].Value;
        var show = Run(target, folder, "show", runId, "--journal", "j.db", "--format", "json");

        Assert.Contains("3 replicas (HPA postgres: 2-5) → 8 replicas (HPA postgres bounds moved to include them)", dryRun.Out, StringComparison.Ordinal);
        Assert.Equal(5, hpaAfterDryRun);
        Assert.True(exec.ExitCode == 1, exec.Out);
        Assert.Contains("primary is postgres-0", exec.Out, StringComparison.Ordinal);
        Assert.Contains("rolled back: scale", exec.Out, StringComparison.Ordinal);
        var hpa = cluster.Server.Get(cluster.Namespace, "horizontalpodautoscalers", "postgres")!["spec"]!;
        Assert.Equal(2, hpa["minReplicas"]!.GetValue<int>());
        Assert.Equal(5, hpa["maxReplicas"]!.GetValue<int>());
        Assert.Equal(3, cluster.Server.Get(cluster.Namespace, "statefulsets", "postgres")!["spec"]!["replicas"]!.GetValue<int>());
        using var journal = JsonDocument.Parse(show.Out);
        var events = journal.RootElement.GetProperty("events").EnumerateArray().ToList();
        var described = events.Single(e => e.GetProperty("kind").GetString() == "StepSucceeded" && e.GetProperty("step").GetString() == "before");
        Assert.Equal(5, described.GetProperty("data").GetProperty("outputs").GetProperty("hpa_max_replicas").GetInt64());
        var scaled = events.Single(e => e.GetProperty("kind").GetString() == "StepSucceeded" && e.GetProperty("step").GetString() == "scale");
        Assert.Equal(8, scaled.GetProperty("data").GetProperty("outputs").GetProperty("hpa_max_replicas").GetInt64());
        Assert.Equal(5, scaled.GetProperty("data").GetProperty("outputs").GetProperty("previous_hpa_max_replicas").GetInt64());
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void A_service_mapping_with_a_kind_runbook_does_not_drive_stops_with_file_line_column_and_the_fix(string target)
    {
        var folder = Directory.CreateTempSubdirectory("runbook-sts-").FullName;
        File.WriteAllText(Path.Combine(folder, "playbook.yaml"), ScaleUnderHpaThenFail);
        File.WriteAllText(Path.Combine(folder, "runbook.yaml"), """
            environments:
              prod:
                provider: kubernetes
                services:
                  database: { kind: daemonset, name: postgres }
              local:
                provider: compose
                services:
                  database: { kind: statefulset, name: postgres }
            """);

        var badKind = Run(target, folder, "exec", "playbook.yaml", "--env", "prod", "--journal", "j.db");
        File.WriteAllText(Path.Combine(folder, "runbook.yaml"), "environments:\n  prod:\n    provider: kubernetes\n    services:\n      database: { kind: statefulset }\n");
        var noName = Run(target, folder, "exec", "playbook.yaml", "--env", "prod", "--journal", "j.db");

        Assert.Equal(2, badKind.ExitCode);
        Assert.Contains("runbook.yaml:5:25: environment 'prod', service 'database': kind 'daemonset' is not a workload runbook drives; write kind: deployment (the default) or kind: statefulset",
            badKind.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", badKind.Out, StringComparison.Ordinal);
        Assert.Equal(2, noName.ExitCode);
        Assert.Contains("runbook.yaml:5:17: environment 'prod', service 'database': needs 'name: <object name>'", noName.Out, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void A_service_mapping_on_a_provider_other_than_kubernetes_is_refused_naming_the_provider(string target)
    {
        var folder = Directory.CreateTempSubdirectory("runbook-sts-").FullName;
        File.WriteAllText(Path.Combine(folder, "playbook.yaml"), ProviderPlaybookForCompose);
        File.WriteAllText(Path.Combine(folder, "runbook.yaml"), "environments:\n  local:\n    provider: compose\n    services:\n      database: { kind: statefulset, name: postgres }\n");

        var refused = Run(target, folder, "exec", "playbook.yaml", "--env", "local", "--journal", "j.db");

        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("runbook.yaml:5:17: environment 'local', service 'database': a service given as a mapping (kind:, name:) is for the kubernetes provider; for compose, write 'database: <name on compose>'",
            refused.Out, StringComparison.Ordinal);
    }

    private const string ProviderPlaybookForCompose = """
        apiVersion: runbook/v1
        kind: Playbook
        name: describe-database
        phases:
          assess:
            - id: before
              uses: service.describe
              with: { service: database }
        """;

    [GeneratedRegex(@"run (\d{8}-\d{6}-[0-9a-f]{6})")]
    private static partial Regex RunId();

    private static (int ExitCode, string Out) Run(string target, string folder, params string[] args) =>
        RunbookBinary.Run(target, folder, [("KUBECONFIG", null)], [], args);
}
