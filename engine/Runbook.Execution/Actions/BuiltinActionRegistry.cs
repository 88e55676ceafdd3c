namespace Runbook.Execution.Actions;

/// <summary>
/// Every built-in action, registered at compile time (no reflection). <c>approval</c> and <c>playbook.run</c>
/// belong to the executor; <c>service.*</c> to the providers.
/// </summary>
public static class BuiltinActionRegistry
{
    public static IReadOnlyList<IStepAction> Create() =>
    [
        new Shell.ShellAction(),
        new Http.HttpRequestAction(),
        new Http.HttpCheckAction(),
        new Sql.SqlQueryAction(),
        new Notify.ConsoleNotifyAction(),
        new Notify.SlackNotifyAction(),
        new Notify.TeamsNotifyAction(),
        new Notify.WebhookNotifyAction(),
        new Notify.PagerDutyNotifyAction(),
        new Wait.SleepAction(),
        new Wait.UntilAction(),
        new Assert.AssertAction(),
        .. Prometheus.MetricsActionSet.Create(),
        new Tls.TlsCheckAction(),
        new Postgres.PostgresBackupAction(),
        new Postgres.PostgresRestoreAction(),
        new Redis.RedisInfoAction(),
        new Redis.RedisCommandAction(),
        new Redis.RedisDeleteKeysAction(),
    ];
}
