using Runbook.Execution.Actions;
using Runbook.Execution.Providers;

namespace Runbook.Providers.Compose;

/// <summary>compose.exec: a command in a service's container (no TTY); outputs stdout and exit_code.</summary>
internal sealed class ComposeExecAction(ComposeCli cli, ProviderSettings settings) : IStepAction
{
    public string Name => "compose.exec";

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
            var output = await cli.RunAsync(["exec", "-T", service, .. command.Arguments], cancellationToken).ConfigureAwait(false);
            foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                invocation.Log.Line(LogStream.Stdout, line);
            }

            return StepOutcome.Success(new Dictionary<string, object?> { ["stdout"] = output.TrimEnd('\n'), ["exit_code"] = 0L });
        }
        catch (ProviderException ex)
        {
            return StepOutcome.Failure(ex.Message, retryable: false);
        }
    }
}
