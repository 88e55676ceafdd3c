using System.Globalization;
using StackExchange.Redis;

namespace Runbook.Execution.Actions.Redis;

/// <summary>
/// redis.delete_keys: walks the keyspace with SCAN MATCH (never KEYS, which blocks the server) and deletes each
/// page with UNLINK (the memory is freed off the main thread), so a large pattern never stalls Redis. Outputs the
/// keys deleted and the keys matched. With <c>max_keys</c> it counts first and deletes nothing when more match.
/// A dry run counts what would go.
/// </summary>
internal sealed class RedisDeleteKeysAction : IStepAction, IDryRunPreview
{
    public string Name => "redis.delete_keys";

    public async ValueTask<StepOutcome> ExecuteAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        if (Arguments(invocation, out var problem) is not { } args)
        {
            return StepOutcome.Failure($"{Name}: {problem}", retryable: false);
        }

        try
        {
            await using var connection = await args.Target.ConnectAsync().ConfigureAwait(false);
            var database = connection.GetDatabase(args.Target.Database);
            if (args.MaxKeys is { } max)
            {
                var matching = await CountAsync(database, args, cancellationToken).ConfigureAwait(false);
                if (matching > max)
                {
                    return StepOutcome.Failure(
                        $"{Name}: {matching} keys match '{args.Pattern}' in {args.Target.Display}, more than max_keys ({max}); nothing was deleted",
                        new Dictionary<string, object?> { ["deleted"] = 0L, ["matched"] = matching }, retryable: false);
                }
            }

            long deleted = 0, matched = 0;
            await foreach (var page in ScanAsync(database, args, cancellationToken).ConfigureAwait(false))
            {
                matched += page.Length;
                if (page.Length > 0)
                {
                    deleted += (long)await database.ExecuteAsync("UNLINK", [.. page.Cast<object>()]).WaitAsync(cancellationToken).ConfigureAwait(false);
                }
            }

            invocation.Log.Line(LogStream.Info, $"deleted {deleted} keys matching '{args.Pattern}' in {args.Target.Display}");
            return StepOutcome.Success(new Dictionary<string, object?> { ["deleted"] = deleted, ["matched"] = matched });
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return StepOutcome.Failure(args.Target.Describe(Name, ex), retryable: ex is not RedisServerException);
        }
    }

    public async ValueTask<DryRunPreview> PreviewAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        if (Arguments(invocation, out var problem) is not { } args)
        {
            return new DryRunPreview($"would fail: {problem}");
        }

        try
        {
            await using var connection = await args.Target.ConnectAsync().ConfigureAwait(false);
            var count = await CountAsync(connection.GetDatabase(args.Target.Database), args, cancellationToken).ConfigureAwait(false);
            return new DryRunPreview($"would delete {count} keys matching '{args.Pattern}' in {args.Target.Display}");
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return new DryRunPreview($"would fail: {args.Target.Describe(Name, ex)}");
        }
    }

    private sealed record Args(RedisTarget Target, string Pattern, int BatchSize, long? MaxKeys);

    private static Args? Arguments(StepInvocation invocation, out string? problem)
    {
        var target = RedisTarget.From(invocation, out problem);
        if (target is null)
        {
            return null;
        }

        var pattern = invocation.GetString("pattern") ?? string.Empty;
        if (pattern.Length == 0 || pattern.All(c => c == '*'))
        {
            problem = $"pattern '{pattern}' matches every key; to empty the database use redis.command [FLUSHDB] with an approval";
            return null;
        }

        var batch = Number(invocation, "batch_size") ?? 500;
        if (batch is < 1 or > 100_000)
        {
            problem = $"'batch_size' must be from 1 to 100000, not {batch}";
            return null;
        }

        var max = Number(invocation, "max_keys");
        if (max is < 0)
        {
            problem = $"'max_keys' must not be negative, not {max}";
            return null;
        }

        return new Args(target, pattern, (int)batch, max);
    }

    private static long? Number(StepInvocation invocation, string name) =>
        invocation.GetString(name) is { } text && decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? (long)Math.Clamp(decimal.Truncate(value), long.MinValue, long.MaxValue)
            : null;

    /// <summary>Distinct keys matching: SCAN may return a key twice while the table grows, so a count dedupes.</summary>
    private static async Task<long> CountAsync(IDatabase database, Args args, CancellationToken cancellationToken)
    {
        var seen = new HashSet<RedisKey>();
        await foreach (var page in ScanAsync(database, args, cancellationToken).ConfigureAwait(false))
        {
            seen.UnionWith(page);
        }

        return seen.Count;
    }

    /// <summary>SCAN cursor MATCH pattern COUNT batch until the cursor comes back to 0, one page at a time.</summary>
    private static async IAsyncEnumerable<RedisKey[]> ScanAsync(IDatabase database, Args args, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var cursor = "0";
        do
        {
            var reply = (RedisResult[])(await database.ExecuteAsync("SCAN", cursor, "MATCH", args.Pattern, "COUNT", args.BatchSize).WaitAsync(cancellationToken).ConfigureAwait(false))!;
            cursor = reply[0].ToString()!;
            yield return (RedisKey[])reply[1]!;
        }
        while (cursor != "0");
    }
}
