using System.Collections.Immutable;
using Runbook.Execution.Actions;
using Runbook.Execution.Providers;
using Runbook.Language.Actions;
using O = Runbook.Language.Actions.OutputDescriptor;

namespace Runbook.Providers.Aws;

/// <summary>AWS ECS: the service interface over ECS services (ECS JSON 1.1 API signed with SigV4), CloudWatch Logs, and aws.ecs.describe_tasks.</summary>
public sealed class AwsProvider : IPlatformProvider
{
    public static ProviderDescriptor Describe { get; } = new(
        "aws",
        "AWS ECS services (ECS JSON 1.1 API signed with SigV4), CloudWatch Logs; credentials as the AWS CLI finds them.",
        [
            new("aws.ecs.describe_tasks", "The tasks of a service with their status, stopped reasons and container exit codes (aws ecs describe-tasks).", false,
                [new("service", ParameterType.String, true, "The ECS service, as the playbook names it."),
                 new("stopped", ParameterType.Boolean, false, "Include stopped tasks (the ones that crashed); default true.")],
                [O.List("tasks"), O.List("stopped_reasons"), O.Integer("count")], "ecs:ListTasks + ecs:DescribeTasks of {service}"),
        ],
        [.. ServiceActions.NamesWithoutExec],
        ImmutableDictionary.CreateRange(new Dictionary<string, string>
        {
            ["service.describe"] = "ecs:DescribeServices {service}, ecs:DescribeTaskDefinition, ecs:ListTasks + DescribeTasks",
            ["service.history"] = "ecs:ListTaskDefinitions of {service}'s family, newest first",
            ["service.logs"] = "logs:FilterLogEvents on {service}'s awslogs group (last {tail})",
            ["service.scale"] = "ecs:UpdateService {service} desiredCount={replicas}",
            ["service.restart"] = "ecs:UpdateService {service} forceNewDeployment=true",
            ["service.deploy"] = "ecs:DescribeTaskDefinition, ecs:RegisterTaskDefinition with image {image}, ecs:UpdateService {service}",
            ["service.rollback"] = "ecs:UpdateService {service} taskDefinition={to}",
            ["service.wait"] = "ecs:DescribeServices {service} until stable (services-stable, timeout {timeout})",
        }))
    {
        Unsupported = ImmutableDictionary<string, UnsupportedAction>.Empty.Add(ServiceActions.ExecName, new(
            "ECS runs no command in a task for runbook: exec goes through ECS Exec and the SSM agent, which need an interactive session",
            "run it yourself with 'aws ecs execute-command --cluster <cluster> --task <task> --container <container> --interactive --command \"<command>\"' (ECS Exec enabled on the service), or use a run: step")),
    };

    private readonly Func<string, string?> _environment;
    private readonly HttpMessageHandler? _handler;

    public AwsProvider()
        : this(Environment.GetEnvironmentVariable)
    {
    }

    /// <summary>For tests: the AWS_* environment to read instead of the process's, and the HTTP handler to send through.</summary>
    internal AwsProvider(Func<string, string?> environment, HttpMessageHandler? handler = null, TimeProvider? time = null)
    {
        _environment = environment;
        _handler = handler;
        Time = time ?? TimeProvider.System;
    }

    internal TimeProvider Time { get; }

    public ProviderDescriptor Descriptor => Describe;

    public IReadOnlyList<(string Key, string Meaning, string? Default)> Settings { get; } =
    [
        ("cluster", "the ECS cluster of the services", "default"),
        ("region", "the AWS region", "$AWS_REGION, else $AWS_DEFAULT_REGION, else the profile's region"),
        ("profile", "the profile in ~/.aws/config and ~/.aws/credentials (like --profile)", "$AWS_PROFILE, else the environment's keys, else default"),
        ("endpoint_url", "another ECS and CloudWatch Logs endpoint (like --endpoint-url)", "$AWS_ENDPOINT_URL_ECS / _CLOUDWATCH_LOGS, else $AWS_ENDPOINT_URL, else the regional endpoint"),
        ("container", "the container whose image service.deploy sets and whose logs service.logs reads", "the first essential container"),
        ("poll_interval", "how often service.wait asks ECS (DescribeServices) while a deployment goes on", "5s"),
        ("timeout", "how long one ECS or CloudWatch Logs call may take before it is retried", "30s"),
    ];

    public IReadOnlyList<IStepAction> CreateActions(ProviderSettings settings)
    {
        var backend = new LazyServiceBackend<EcsServiceBackend>(() => Build(settings));
        return [.. ServiceStepActions.Over(backend, settings), new DescribeTasksAction(backend, settings)];
    }

    internal EcsServiceBackend Build(ProviderSettings settings)
    {
        var connection = AwsConnection.Resolve(settings, _environment);
        var http = _handler is null ? new HttpClient() : new HttpClient(_handler, disposeHandler: false);
        http.Timeout = Timeout.InfiniteTimeSpan; // each attempt has its own timeout (the 'timeout' setting)
        var retry = RetryPolicy.Standard with { AttemptTimeout = Duration(settings, "timeout", RetryPolicy.Standard.AttemptTimeout) };
        var ecs = new AwsJsonClient(http, new AwsService(AwsConnection.Endpoint(settings, _environment, "ECS", "ecs", connection.Region),
            connection.Region, "ecs", "AmazonEC2ContainerServiceV20141113", "ECS"), connection.KeysAsync, Time, retry);
        var logs = new AwsJsonClient(http, new AwsService(AwsConnection.Endpoint(settings, _environment, "CLOUDWATCH_LOGS", "logs", connection.Region),
            connection.Region, "logs", "Logs_20140328", "CloudWatch Logs"), connection.KeysAsync, Time, retry);
        return new EcsServiceBackend(ecs, logs, settings.Get("cluster") ?? "default", settings.Get("container"),
            Duration(settings, "poll_interval", TimeSpan.FromSeconds(5)), Time);
    }

    private static TimeSpan Duration(ProviderSettings settings, string key, TimeSpan fallback)
    {
        if (settings.Get(key) is not { } text)
        {
            return fallback;
        }

        return Runbook.Language.Model.Duration.TryParse(text, out var duration) && duration.Value > TimeSpan.Zero
            ? duration.Value
            : throw new ProviderException(ProviderErrorKind.Failed, $"the aws setting '{key}' is '{text}': give a duration such as 500ms, 5s or 1m");
    }
}
