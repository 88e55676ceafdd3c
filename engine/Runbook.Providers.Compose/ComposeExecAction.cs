using Runbook.Execution.Actions;
using Runbook.Execution.Providers;

namespace Runbook.Providers.Compose;

/// <summary>
/// service.exec (and its alias compose.exec): a command in a service's container through <c>compose exec -T</c>, no
/// TTY, with the stdin text or the stdin_file's bytes piped in; outputs stdout, stderr and exit_code. A non-zero exit
/// fails the step and keeps the outputs.
/// </summary>
internal sealed class ComposeExecAction(ComposeCli cli, ProviderSettings settings, string name) : IStepAction
{
    public string Name => name;

    public async ValueTask<StepOutcome> ExecuteAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        var service = settings.ServiceName(invocation.GetString("service") ?? string.Empty);
        var command = ContainerCommand.From(invocation.Get("command"));
        if (command.Refusal is not null)
        {
            return StepOutcome.Failure(command.Refusal, retryable: false);
        }

        if (invocation.GetString("container") is { } container)
        {
            return StepOutcome.Failure(
                $"{name}: a compose service runs one container, so 'container: {container}' names nothing here (remove it; container is for Kubernetes pods)", retryable: false);
        }

        var input = ExecInput.From(invocation);
        if (input.Refusal is not null)
        {
            return StepOutcome.Failure(input.Refusal, retryable: false);
        }

        try
        {
            var (exitCode, stdout, stderr) = await cli.ExecAsync(service, command.Arguments, input.Bytes, cancellationToken).ConfigureAwait(false);
            foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                invocation.Log.Line(LogStream.Stdout, line);
            }

            foreach (var line in stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                invocation.Log.Line(LogStream.Stderr, line);
            }

            var outputs = new Dictionary<string, object?> { ["stdout"] = stdout.TrimEnd('\n'), ["stderr"] = stderr.TrimEnd('\n'), ["exit_code"] = (long)exitCode };
            return exitCode == 0
                ? StepOutcome.Success(outputs)
                : StepOutcome.Failure($"{name}: the command exited with {exitCode} in service {service}{ExitHint(exitCode, stderr)}", outputs, retryable: false);
        }
        catch (ProviderException ex)
        {
            return StepOutcome.Failure(ex.Message, retryable: ex.Retryable);
        }
    }

    /// <summary>The last line the command printed to stderr, and what 126/127 mean (the container runtime's codes).</summary>
    internal static string ExitHint(int exitCode, string stderr)
    {
        var last = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        var meaning = exitCode switch
        {
            126 => " (126: the command is not executable)",
            127 => " (127: no such command in the container's PATH)",
            _ => string.Empty,
        };
        return meaning + (last is null ? string.Empty : $": {last}");
    }
}
