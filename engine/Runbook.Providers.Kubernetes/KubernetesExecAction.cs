using Runbook.Execution.Actions;
using Runbook.Execution.Providers;

namespace Runbook.Providers.Kubernetes;

/// <summary>
/// kubernetes.exec: a command in a running pod of a deployment (as <c>kubectl exec deployment/x --</c>), without a
/// TTY; outputs stdout and exit_code. A string command runs under <c>sh -c</c>; a list runs as it is.
/// </summary>
internal sealed class KubernetesExecAction(KubeApi api, DeploymentBackend deployments, ProviderSettings settings) : IStepAction
{
    public string Name => "kubernetes.exec";

    public async ValueTask<StepOutcome> ExecuteAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        var service = settings.ServiceName(invocation.GetString("service") ?? string.Empty);
        var command = ContainerCommand.From(invocation.Get("command"));
        if (command.Refusal is not null)
        {
            return StepOutcome.Failure(command.Refusal, retryable: false);
        }

        try
        {
            var (pod, container) = await deployments.ExecTargetAsync(service, cancellationToken).ConfigureAwait(false);
            invocation.Log.Line(LogStream.Info, $"exec in pod/{pod} ({container})");
            string stdout = string.Empty, stderr = string.Empty;
            var exitCode = await api.CallAsync($"pod '{pod}'", (k, ns) => k.NamespacedPodExecAsync(pod, ns, container, command.Arguments, tty: false,
                async (stdin, output, error) =>
                {
                    await stdin.DisposeAsync().ConfigureAwait(false);
                    using var outReader = new StreamReader(output);
                    using var errReader = new StreamReader(error);
                    var reads = await Task.WhenAll(outReader.ReadToEndAsync(cancellationToken), errReader.ReadToEndAsync(cancellationToken)).ConfigureAwait(false);
                    (stdout, stderr) = (reads[0], reads[1]);
                }, cancellationToken), cancellationToken).ConfigureAwait(false);
            foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                invocation.Log.Line(LogStream.Stdout, line);
            }

            foreach (var line in stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                invocation.Log.Line(LogStream.Stderr, line);
            }

            var outputs = new Dictionary<string, object?> { ["stdout"] = stdout.TrimEnd('\n'), ["exit_code"] = (long)exitCode };
            return exitCode == 0
                ? StepOutcome.Success(outputs)
                : StepOutcome.Failure($"the command exited with {exitCode} in pod/{pod}", outputs, retryable: false);
        }
        catch (ProviderException ex)
        {
            return StepOutcome.Failure(ex.Message, retryable: ex.Retryable);
        }
    }
}
