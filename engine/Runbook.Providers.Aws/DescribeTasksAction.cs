using System.Globalization;
using Runbook.Execution.Actions;
using Runbook.Execution.Providers;

namespace Runbook.Providers.Aws;

/// <summary>
/// aws.ecs.describe_tasks: what on-call reads when tasks crash-loop (aws ecs list-tasks + describe-tasks): each
/// task's status, stop code and stopped reason, and each container's exit code and reason. Stopped tasks are
/// included by default (ECS keeps them for about an hour), newest first.
/// </summary>
internal sealed class DescribeTasksAction(LazyServiceBackend<EcsServiceBackend> backend, ProviderSettings settings) : IStepAction
{
    public string Name => "aws.ecs.describe_tasks";

    public async ValueTask<StepOutcome> ExecuteAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        var service = settings.ServiceName(invocation.GetString("service") ?? string.Empty);
        try
        {
            var includeStopped = invocation.GetString("stopped") is not ("false" or "False");
            var tasks = (await (await backend.BackendAsync(cancellationToken).ConfigureAwait(false)).TasksAsync(service, includeStopped, cancellationToken).ConfigureAwait(false))
                .OrderByDescending(t => t.StoppedAt ?? t.StartedAt ?? 0).ToList();
            foreach (var task in tasks)
            {
                var exits = string.Join(", ", (task.Containers ?? []).Where(c => c.ExitCode is not null)
                    .Select(c => $"{c.Name} exited {c.ExitCode!.Value.ToString(CultureInfo.InvariantCulture)}{(c.Reason is { Length: > 0 } r ? $" ({r})" : string.Empty)}"));
                invocation.Log.Line(task.LastStatus == "STOPPED" ? LogStream.Stderr : LogStream.Stdout,
                    $"{Id(task.TaskArn)} {task.LastStatus}{(task.StoppedReason is { Length: > 0 } reason ? $": {reason}" : string.Empty)}{(exits.Length > 0 ? $" [{exits}]" : string.Empty)}");
            }

            return StepOutcome.Success(new Dictionary<string, object?>
            {
                ["tasks"] = tasks.Select(t => (object?)new Dictionary<string, object?>
                {
                    ["task_id"] = Id(t.TaskArn),
                    ["task_arn"] = t.TaskArn,
                    ["task_definition"] = t.TaskDefinitionArn,
                    ["last_status"] = t.LastStatus,
                    ["desired_status"] = t.DesiredStatus,
                    ["health"] = t.HealthStatus,
                    ["stop_code"] = t.StopCode,
                    ["stopped_reason"] = t.StoppedReason,
                    ["containers"] = (t.Containers ?? []).Select(c => (object?)new Dictionary<string, object?>
                    {
                        ["name"] = c.Name,
                        ["image"] = c.Image,
                        ["last_status"] = c.LastStatus,
                        ["exit_code"] = c.ExitCode is { } code ? (long)code : null,
                        ["reason"] = c.Reason,
                        ["health"] = c.HealthStatus,
                    }).ToList(),
                }).ToList(),
                ["stopped_reasons"] = tasks.Select(t => t.StoppedReason).Where(r => r is { Length: > 0 }).Distinct(StringComparer.Ordinal).Cast<object?>().ToList(),
                ["count"] = (long)tasks.Count,
            });
        }
        catch (ProviderException ex)
        {
            return StepOutcome.Failure(ex.Message, retryable: ex.Retryable);
        }
    }

    private static string Id(string? arn) => arn is null ? "?" : arn[(arn.LastIndexOf('/') + 1)..];
}
