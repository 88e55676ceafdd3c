using System.Diagnostics;
using System.Text.Json;
using Runbook.Providers.Compose.Tests.Support;

using Runbook.Providers.Tests;

namespace Runbook.Providers.Compose.Tests;

/// <summary>`runbook exec` end to end on the compose provider, against the real engine.</summary>
[Collection(DockerCollection.Name)]
public sealed class ComposeExecTests(DockerEngine docker)
{
    [Fact]
    public void Scale_wait_and_a_failure_roll_the_service_back_and_the_journal_shows_the_previous_replicas()
    {
        if (!docker.Ready())
        {
            return;
        }

        var folder = docker.NewProject(ComposeProviderTests.Compose);
        var project = "rbexec" + Path.GetFileName(folder).ToLowerInvariant().Replace("-", string.Empty, StringComparison.Ordinal);
        Run(folder, "docker-compose", "-p", project, "up", "-d", "worker");
        File.WriteAllText(Path.Combine(folder, "playbook.yaml"), ProviderPlaybooks.ScaleThenFail);
        File.WriteAllText(Path.Combine(folder, "runbook.yaml"), $"""
            environments:
              local:
                provider: compose
                project: {project}
                services:
                  backend: worker
            """);

        var exec = Run(folder, "dotnet", Runbook(), "exec", "playbook.yaml", "--env", "local", "--journal", "j.db");
        var runId = System.Text.RegularExpressions.Regex.Match(exec.Out, @"run (\d{8}-\d{6}-[0-9a-f]{6})").Groups[1].Value;
        var show = Run(folder, "dotnet", Runbook(), "show", runId, "--journal", "j.db", "--format", "json");
        var running = Run(folder, "docker-compose", "-p", project, "ps", "-q", "worker").Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(1, exec.ExitCode);
        Assert.Contains("rolled back: scale", exec.Out, StringComparison.Ordinal);
        Assert.Single(running);
        using var doc = JsonDocument.Parse(show.Out);
        var scaled = doc.RootElement.GetProperty("events").EnumerateArray()
            .Single(e => e.GetProperty("kind").GetString() == "StepSucceeded" && e.GetProperty("step").GetString() == "scale");
        Assert.Equal(1, scaled.GetProperty("data").GetProperty("outputs").GetProperty("previous_replicas").GetInt64());
    }

    private static string Runbook() => Path.Combine(AppContext.BaseDirectory, "runbook.dll");

    private static (int ExitCode, string Out) Run(string folder, string program, params string[] args)
    {
        var start = new ProcessStartInfo(program, args) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["NO_COLOR"] = "1";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, output.Result + error.Result);
    }
}
