using System.Collections.Immutable;
using Runbook.Execution.Actions;
using Runbook.Execution.Providers;
using Runbook.Providers.Compose.Tests.Support;
using Runbook.Providers.Tests;

namespace Runbook.Providers.Compose.Tests;

/// <summary>
/// compose.exec against hostile values (<see cref="ExecCommandMatrix"/>) in a real busybox container: a value
/// that ran would leave the marker file in the container, which a second exec looks for.
/// </summary>
[Collection(DockerCollection.Name)]
public sealed class ComposeExecInjectionTests(DockerEngine docker)
{
    public static TheoryData<string, string> Cases() => ExecCommandMatrix.Cases();

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_value_in_an_exec_command_never_runs_and_legitimate_uses_work(string context, string payload)
    {
        Assert.True(docker.Unavailable is null,
            $"the Docker engine is unavailable ({docker.Unavailable}); run tests/Runbook.Providers.Compose.Tests/setup-docker.sh as root to install and start it");
        var actions = Project.Actions(docker);
        var marker = $"/tmp/runbook-exec-mark-{Guid.NewGuid():N}";
        var value = payload.Replace("MARK", marker, StringComparison.Ordinal);
        var log = new ActionsContext();

        var outcome = await actions["compose.exec"].ExecuteAsync(log.Invocation("compose.exec", new Dictionary<string, object?>
        {
            ["service"] = "worker",
            ["command"] = ExecCommandMatrix.Command(context, value),
        }), CancellationToken.None);
        var probe = Assert.IsType<Succeeded>(await actions["compose.exec"].ExecuteAsync(log.Invocation("compose.exec", new Dictionary<string, object?>
        {
            ["service"] = "worker",
            ["command"] = new List<object?> { "sh", "-c", "if [ -e \"$1\" ]; then echo marked; else echo clean; fi", "sh", marker },
        }), CancellationToken.None));

        ExecCommandMatrix.Verify(context, value, outcome, Values.ToText(probe.Outputs["stdout"]) == "marked");
    }

    /// <summary>One busybox worker for the whole matrix, started on first use (the engine's fixture removes it).</summary>
    private static class Project
    {
        private static readonly Lock Gate = new();
        private static Dictionary<string, IStepAction>? _actions;
        private static string? _folder;

        public static Dictionary<string, IStepAction> Actions(DockerEngine docker)
        {
            lock (Gate)
            {
                if (_actions is not null)
                {
                    return _actions;
                }

                _folder = docker.NewProject(ComposeProviderTests.Compose);
                var project = "rbinject" + Path.GetFileName(_folder).ToLowerInvariant().Replace("-", string.Empty, StringComparison.Ordinal);
                using var up = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("docker-compose", ["-p", project, "up", "-d", "worker"])
                {
                    WorkingDirectory = _folder,
                    RedirectStandardError = true,
                })!;
                var error = up.StandardError.ReadToEnd();
                up.WaitForExit();
                Assert.True(up.ExitCode == 0, error);
                _actions = new ComposeProvider().CreateActions(new ProviderSettings("compose", ImmutableDictionary<string, string>.Empty.Add("project", project),
                    ImmutableDictionary<string, string>.Empty, _folder)).ToDictionary(a => a.Name);
                return _actions;
            }
        }
    }
}
