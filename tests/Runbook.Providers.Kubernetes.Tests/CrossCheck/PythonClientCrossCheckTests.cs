using System.Diagnostics;
using System.Text.Json;
using Runbook.Execution.Actions;
using Runbook.Providers.Kubernetes.Tests.Support;
using Runbook.Providers.Tests;

namespace Runbook.Providers.Kubernetes.Tests.CrossCheck;

/// <summary>The official Python client reads, patches and watches the test API server, and our provider sees what it did.</summary>
public sealed class PythonClientCrossCheckTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    [Fact]
    public async Task The_python_client_reads_patches_and_watches_and_the_provider_sees_the_result()
    {
        if (!KubernetesTools.Instance.Ready())
        {
            return;
        }

        var cluster = await Cluster.WithDeploymentAsync(fixture.Server, "web", "web:1", 2);
        var start = new ProcessStartInfo(KubernetesTools.Python, [Path.Combine(AppContext.BaseDirectory, "CrossCheck", "python_client_check.py"), cluster.Kubeconfig(), cluster.Namespace])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var python = Process.Start(start)!;
        var output = python.StandardOutput.ReadToEndAsync();
        var error = python.StandardError.ReadToEndAsync();
        using (var limit = new CancellationTokenSource(TimeSpan.FromSeconds(90)))
        {
            await python.WaitForExitAsync(limit.Token);
        }

        Assert.True(python.ExitCode == 0, await error);
        using var seen = JsonDocument.Parse(await output);
        var root = seen.RootElement;
        var described = Assert.IsType<Succeeded>(await cluster.Actions()["service.describe"].ExecuteAsync(
            new ActionsContext().Invocation("service.describe", new Dictionary<string, object?> { ["service"] = "web" }), CancellationToken.None));

        Assert.Equal("web:1", root.GetProperty("read").GetProperty("image").GetString());
        Assert.Equal(2, root.GetProperty("read").GetProperty("replicas").GetInt32());
        Assert.Equal("1", root.GetProperty("read").GetProperty("revision").GetString());
        Assert.Equal(3, root.GetProperty("scaled_to").GetInt32());
        Assert.Equal("web:py", root.GetProperty("patched").GetProperty("image").GetString());
        Assert.Equal(1, root.GetProperty("patched").GetProperty("containers").GetInt32()); // merged by name, not appended
        Assert.Equal(3, root.GetProperty("patched").GetProperty("generation").GetInt32());
        Assert.True(root.GetProperty("rolled_out").GetBoolean(), root.ToString());
        Assert.Equal(["web:py", "web:py", "web:py"], root.GetProperty("pods").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal("web:py", described.Outputs["image"]);
        Assert.Equal(3L, described.Outputs["replicas"]);
        Assert.Equal("2", described.Outputs["revision"]);
        Assert.Contains(cluster.Server.Requests, r => r.Method == "PATCH" && r.Path.EndsWith("/deployments/web/scale", StringComparison.Ordinal) && r.Path.Contains(cluster.Namespace, StringComparison.Ordinal));
        Assert.Contains(cluster.Server.Requests, r => r.Query.Contains("watch=true", StringComparison.OrdinalIgnoreCase) && r.Path.Contains(cluster.Namespace, StringComparison.Ordinal));
    }
}
