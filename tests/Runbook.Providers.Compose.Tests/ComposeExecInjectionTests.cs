using System.Collections.Immutable;
using Runbook.Execution.Actions;
using Runbook.Execution.Providers;
using Runbook.Providers.Compose.Tests.Support;
using Runbook.Providers.Tests;

namespace Runbook.Providers.Compose.Tests;

/// <summary>
/// compose.exec against hostile values (<see cref="ExecCommandMatrix"/>) in a real busybox container whose /marks
/// is a folder of the test, so a value that ran would leave the marker file here. Each exec goes through the
/// compose CLI (a second or two), so this matrix takes a representative part of the table: every kind of
/// context, a subscript payload, a quote-breaking payload and an integer; the Kubernetes tests run the whole
/// table through the same command preparation.
/// </summary>
[Collection(DockerCollection.Name)]
public sealed class ComposeExecInjectionTests(DockerEngine docker)
{
    public static TheoryData<string, string> Cases() => ExecCommandMatrix.Cases(
        ["bare (data)", "single quotes (data)", "list (data)", "arithmetic", "eval", "the whole command"],
        ["a[$(touch MARK)]", "'; touch MARK; '"]);

    private const string Compose = """
        version: "2.4"
        services:
          worker:
            image: rb-busybox:1
            network_mode: host
            command: ["sleep", "3600"]
            volumes: ["./marks:/marks"]
        """;

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_value_in_an_exec_command_never_runs_and_legitimate_uses_work(string context, string payload)
    {
        Assert.True(docker.Unavailable is null,
            $"the Docker engine is unavailable ({docker.Unavailable}); run tests/Runbook.Providers.Compose.Tests/setup-docker.sh as root to install and start it");
        var (actions, marks) = Project.Actions(docker);
        var name = $"mark-{Guid.NewGuid():N}";
        var value = payload.Replace("MARK", "/marks/" + name, StringComparison.Ordinal);

        var outcome = await actions["compose.exec"].ExecuteAsync(new ActionsContext().Invocation("compose.exec", new Dictionary<string, object?>
        {
            ["service"] = "worker",
            ["command"] = ExecCommandMatrix.Command(context, value),
        }), CancellationToken.None);

        ExecCommandMatrix.Verify(context, value, outcome, File.Exists(Path.Combine(marks, name)));
    }

    /// <summary>One busybox worker for the whole matrix, started on first use (the engine's fixture removes it).</summary>
    private static class Project
    {
        private static readonly Lock Gate = new();
        private static (Dictionary<string, IStepAction> Actions, string Marks)? _project;

        public static (Dictionary<string, IStepAction> Actions, string Marks) Actions(DockerEngine docker)
        {
            lock (Gate)
            {
                if (_project is { } project1)
                {
                    return project1;
                }

                var folder = docker.NewProject(Compose);
                var marks = Directory.CreateDirectory(Path.Combine(folder, "marks")).FullName;
                var project = "rbinject" + Path.GetFileName(folder).ToLowerInvariant().Replace("-", string.Empty, StringComparison.Ordinal);
                using var up = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("docker-compose", ["-p", project, "up", "-d", "worker"])
                {
                    WorkingDirectory = folder,
                    RedirectStandardError = true,
                })!;
                var error = up.StandardError.ReadToEnd();
                up.WaitForExit();
                Assert.True(up.ExitCode == 0, error);
                var actions = new ComposeProvider().CreateActions(new ProviderSettings("compose", ImmutableDictionary<string, string>.Empty.Add("project", project),
                    ImmutableDictionary<string, string>.Empty, folder)).ToDictionary(a => a.Name);
                _project = (actions, marks);
                return (actions, marks);
            }
        }
    }
}
