using Runbook.Language.Model;
using StackExchange.Redis;

namespace Runbook.Execution.Actions.Redis;

/// <summary>
/// redis.info: INFO, parsed into typed outputs: the hit rate computed from keyspace_hits and keyspace_misses
/// (null before any lookup), evictions, memory and its ratio to maxmemory (null without a limit), clients, the
/// keys per database, and every section as an object.
/// </summary>
internal sealed class RedisInfoAction : IStepAction
{
    public string Name => "redis.info";

    public async ValueTask<StepOutcome> ExecuteAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        var target = RedisTarget.From(invocation, out var problem);
        if (target is null)
        {
            return StepOutcome.Failure($"{Name}: {problem}", retryable: false);
        }

        string text;
        try
        {
            await using var connection = await target.ConnectAsync().ConfigureAwait(false);
            text = (await connection.GetDatabase(target.Database).ExecuteAsync("INFO").WaitAsync(cancellationToken).ConfigureAwait(false)).ToString() ?? string.Empty;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return StepOutcome.Failure(target.Describe(Name, ex), retryable: ex is not RedisServerException);
        }

        return StepOutcome.Success(Outputs(RedisInfo.Parse(text)));
    }

    internal static Dictionary<string, object?> Outputs(Dictionary<string, Dictionary<string, object?>> sections)
    {
        object? Field(string section, string name) => sections.GetValueOrDefault(section)?.GetValueOrDefault(name);
        long? Integer(string section, string name) => Field(section, name) as long?;

        var hits = Integer("stats", "keyspace_hits");
        var misses = Integer("stats", "keyspace_misses");
        var used = Integer("memory", "used_memory");
        var max = Integer("memory", "maxmemory");
        var keyspace = sections.GetValueOrDefault("keyspace") ?? [];
        var totalKeys = keyspace.Values.OfType<Dictionary<string, object?>>().Sum(db => db.GetValueOrDefault("keys") as long? ?? 0);

        return new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["hit_rate"] = hits + misses is > 0 ? (double)hits!.Value / (hits.Value + misses!.Value) : null,
            ["keyspace_hits"] = hits,
            ["keyspace_misses"] = misses,
            ["evicted_keys"] = Integer("stats", "evicted_keys"),
            ["expired_keys"] = Integer("stats", "expired_keys"),
            ["used_memory"] = used,
            ["used_memory_peak"] = Integer("memory", "used_memory_peak"),
            ["maxmemory"] = max,
            ["memory_ratio"] = max is > 0 && used is not null ? (double)used.Value / max.Value : null,
            ["maxmemory_policy"] = Field("memory", "maxmemory_policy") is { } policy ? Values.ToText(policy) : null,
            ["connected_clients"] = Integer("clients", "connected_clients"),
            ["blocked_clients"] = Integer("clients", "blocked_clients"),
            ["total_keys"] = totalKeys,
            ["keyspace"] = keyspace,
            ["redis_version"] = Field("server", "redis_version") is { } version ? Values.ToText(version) : null,
            ["role"] = Field("replication", "role") is { } role ? Values.ToText(role) : null,
            ["uptime_seconds"] = Integer("server", "uptime_in_seconds"),
            ["sections"] = sections.ToDictionary(s => s.Key, s => (object?)s.Value, StringComparer.Ordinal),
        };
    }
}

/// <summary>The step's <c>timeout</c> argument for connecting and each command (default 10 s).</summary>
internal static class RedisTimeout
{
    public static TimeSpan Of(StepInvocation invocation) =>
        Duration.TryParse(invocation.GetString("timeout") ?? "10s", out var d) ? d.Value : TimeSpan.FromSeconds(10);
}
