using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Runbook.Providers.Kubernetes.Tests.Support;
using Runbook.Providers.Tests;
using Runbook.Tests;

namespace Runbook.Providers.Kubernetes.Tests;

/// <summary>
/// `runbook exec` on the kubernetes provider, from the JIT build and from the native binary (the client library
/// must work inside it): dry run, scale → wait → failure → rollback, KUBECONFIG, exec, and the in-cluster service account.
/// </summary>
public sealed partial class ExecEndToEndTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    private const string Describe = """
        apiVersion: runbook/v1
        kind: Playbook
        name: describe
        phases:
          assess:
            - id: web
              uses: service.describe
              with: { service: web }
            - id: check
              run: test "$IMAGE" = web:1
              env: { IMAGE: "${{ steps.web.outputs.image }}" }
              mutates: false
            - id: up
              uses: service.wait
              with: { service: web, timeout: 30s }
            - id: hello
              uses: kubernetes.exec
              with: { service: web, command: "echo hello from $HOSTNAME" }
              mutates: false
        """;

    /// <summary>Both builds, always: without the native binary its cases fail, naming the command that builds it.</summary>
    public static TheoryData<string> Targets() => RunbookBinary.Targets();

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Dry_run_changes_nothing_then_scale_wait_and_a_failure_roll_back_and_the_journal_shows_the_previous_replicas(string target)
    {
        var cluster = await Cluster.WithDeploymentAsync(fixture.Server, "web", "web:1", 2);
        var folder = cluster.Files.Directory;
        File.WriteAllText(Path.Combine(folder, "playbook.yaml"), ProviderPlaybooks.ScaleThenFail);
        File.WriteAllText(Path.Combine(folder, "runbook.yaml"), $"""
            environments:
              staging:
                provider: kubernetes
                kubeconfig: {cluster.Kubeconfig()}
                services:
                  backend: web
            """);

        var dryRun = Run(target, folder, [], "exec", "playbook.yaml", "--env", "staging", "--dry-run", "--journal", "j.db");
        var generationAfterDryRun = cluster.Server.Get(cluster.Namespace, "deployments", "web")!["metadata"]!["generation"]!.GetValue<long>();
        var exec = Run(target, folder, [], "exec", "playbook.yaml", "--env", "staging", "--journal", "j.db");
        var runId = RunId().Match(exec.Out).Groups[1].Value;
        var show = Run(target, folder, [], "show", runId, "--journal", "j.db", "--format", "json");

        Assert.True(dryRun.ExitCode == 1, dryRun.Out); // the read-only verify step runs in a dry run too, and fails
        Assert.Contains("2 replicas → 3 replicas", dryRun.Out, StringComparison.Ordinal);
        Assert.Equal(1, generationAfterDryRun);
        Assert.True(exec.ExitCode == 1, exec.Out);
        Assert.Contains("rolled back: scale", exec.Out, StringComparison.Ordinal);
        Assert.Equal(2, cluster.Server.Get(cluster.Namespace, "deployments", "web")!["spec"]!["replicas"]!.GetValue<int>());
        using var journal = JsonDocument.Parse(show.Out);
        var scaled = journal.RootElement.GetProperty("events").EnumerateArray()
            .Single(e => e.GetProperty("kind").GetString() == "StepSucceeded" && e.GetProperty("step").GetString() == "scale");
        Assert.Equal(2, scaled.GetProperty("data").GetProperty("outputs").GetProperty("previous_replicas").GetInt64());
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Service_exec_pipes_a_stdin_file_from_the_playbooks_folder_into_the_pod(string target)
    {
        var cluster = await Cluster.WithDeploymentAsync(fixture.Server, "web", "web:1", 1);
        var folder = cluster.Files.Directory;
        Directory.CreateDirectory(Path.Combine(folder, "sql"));
        File.WriteAllText(Path.Combine(folder, "sql", "repair.sql"), "update jobs set state = 'queued';\nselect 1;\n");
        File.WriteAllText(Path.Combine(folder, "exec.yaml"), """
            apiVersion: runbook/v1
            kind: Playbook
            name: exec-stdin
            phases:
              gather:
                - id: up
                  uses: service.wait
                  with: { service: web, timeout: 30s }
                - id: lines
                  uses: service.exec
                  with: { service: web, command: "wc -l", stdin_file: sql/repair.sql }
                  mutates: false
                - id: show
                  run: echo "lines=$LINES"
                  env: { LINES: "${{ steps.lines.outputs.stdout }}" }
                  mutates: false
            """);
        File.WriteAllText(Path.Combine(folder, "runbook.yaml"), $"environments:\n  dev:\n    provider: kubernetes\n    kubeconfig: {cluster.Kubeconfig()}\n");

        var result = Run(target, folder, [], "exec", "exec.yaml", "--env", "dev", "--journal", "j.db");

        Assert.True(result.ExitCode == 0, result.Out);
        Assert.Matches(@"lines=\s*2", result.Out);
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task KUBECONFIG_with_several_files_is_read_when_no_kubeconfig_is_configured(string target)
    {
        var cluster = await Cluster.WithDeploymentAsync(fixture.Server, "web", "web:1", 1);
        var folder = cluster.Files.Directory;
        File.WriteAllText(Path.Combine(folder, "describe.yaml"), Describe);
        File.WriteAllText(Path.Combine(folder, "runbook.yaml"), "environments:\n  dev:\n    provider: kubernetes\n");
        var config = cluster.Kubeconfig();

        var result = Run(target, folder, [("KUBECONFIG", $"{Path.Combine(folder, "absent")}{Path.PathSeparator}{config}")], "exec", "describe.yaml", "--env", "dev", "--journal", "j.db");

        Assert.True(result.ExitCode == 0, result.Out);
        Assert.Contains("hello from web-", result.Out, StringComparison.Ordinal); // exec over the WebSocket works in this build too
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Inside_a_pod_the_service_account_is_used(string target)
    {
        var cluster = await Cluster.WithDeploymentAsync(fixture.Server, "web", "web:1", 1);
        var token = Guid.NewGuid().ToString("N");
        cluster.Server.AddToken(token, "system:serviceaccount:" + cluster.Namespace + ":runbook");
        var folder = cluster.Files.Directory;
        var account = Directory.CreateDirectory(Path.Combine(folder, "serviceaccount")).FullName;
        File.WriteAllText(Path.Combine(account, "token"), token);
        File.WriteAllText(Path.Combine(account, "ca.crt"), cluster.Server.CaCertificatePem);
        File.WriteAllText(Path.Combine(account, "namespace"), cluster.Namespace);
        File.WriteAllText(Path.Combine(folder, "describe.yaml"), Describe);
        File.WriteAllText(Path.Combine(folder, "runbook.yaml"), "environments:\n  cluster:\n    provider: kubernetes\n    in_cluster: \"true\"\n");

        // The service account lives at a fixed path; a private mount namespace puts one there for this process only.
        var mount = $"mount -t tmpfs runbook-test /run && mkdir -p /run/secrets/kubernetes.io && cp -r '{account}' /run/secrets/kubernetes.io/serviceaccount && exec \"$@\"";
        var result = Run(target, folder, [("KUBERNETES_SERVICE_HOST", "127.0.0.1"), ("KUBERNETES_SERVICE_PORT", cluster.Server.Url.Port.ToString(System.Globalization.CultureInfo.InvariantCulture))],
            ["unshare", "--mount", "sh", "-c", mount, "sh"], "exec", "describe.yaml", "--env", "cluster", "--journal", "j.db");

        Assert.True(result.ExitCode == 0, result.Out);
        Assert.Contains(cluster.Server.Requests, r => r.User == $"system:serviceaccount:{cluster.Namespace}:runbook");
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task The_librarys_kubernetes_playbook_runs_its_kubectl_procedures_end_to_end(string target)
    {
        var cluster = await Cluster.WithDeploymentAsync(fixture.Server, "api", "api:7", 2);
        var folder = cluster.Files.Directory;
        File.WriteAllText(Path.Combine(folder, "runbook.yaml"), $"environments:\n  prod:\n    provider: kubernetes\n    kubeconfig: {cluster.Kubeconfig()}\n");
        var playbook = Path.Combine(RepoRoot(), "playbooks", "kubernetes-api-recovery.yaml");

        // alice starts it and may not approve her own restart; bob approves, and the run resumes to the end.
        var started = Run(target, folder, [], "exec", playbook, "--env", "prod", "--yes", "--journal", "j.db");
        var runId = RunId().Match(started.Out).Groups[1].Value;
        var approved = Run(target, folder, [], "approve", runId, "restart", "--as", "bob", "--journal", "j.db");
        var resumed = Run(target, folder, [], "resume", runId, "--journal", "j.db");

        Assert.True(started.ExitCode == 3, started.Out);
        Assert.Contains("does not allow self-approval", started.Out, StringComparison.Ordinal);
        Assert.True(approved.ExitCode == 0, approved.Out);
        Assert.True(resumed.ExitCode == 0, resumed.Out);
        Assert.Contains("✔ restart", resumed.Out, StringComparison.Ordinal);
        Assert.Contains("✔ rollout", resumed.Out, StringComparison.Ordinal);
        Assert.Contains("○ undo skipped", resumed.Out, StringComparison.Ordinal);
        var annotations = cluster.Server.Get(cluster.Namespace, "deployments", "api")!["spec"]!["template"]!["metadata"]!["annotations"]!;
        Assert.NotNull(annotations["kubectl.kubernetes.io/restartedAt"]);
    }

    [GeneratedRegex(@"run (\d{8}-\d{6}-[0-9a-f]{6})")]
    private static partial Regex RunId();

    private static string RepoRoot() => RunbookBinary.RepoRoot();

    private static (int ExitCode, string Out) Run(string target, string folder, (string Name, string Value)[] environment, params string[] args) =>
        Run(target, folder, environment, [], args);

    private static (int ExitCode, string Out) Run(string target, string folder, (string Name, string Value)[] environment, string[] wrapper, params string[] args) =>
        RunbookBinary.Run(target, folder, [("KUBECONFIG", null), .. environment.Select(e => (e.Name, (string?)e.Value))], wrapper, args);
}
