using Runbook.Language.Actions;
using Runbook.Language.Expressions.Evaluation;
using StackExchange.Redis;

namespace Runbook.Execution.Actions.Redis;

/// <summary>
/// redis.command: one command written as a list; each item goes to Redis as one argument, never split or parsed,
/// so a value cannot become a second command. The command is classified again here with the values the run
/// computed (<see cref="DataActions.RedisCommands"/>): a refused command is never sent, and a command that mutates
/// fails a step that does not (an assess or gather step, or one that says <c>mutates: false</c>).
/// </summary>
internal sealed class RedisCommandAction : IStepAction, IDryRunPreview
{
    public string Name => "redis.command";

    public async ValueTask<StepOutcome> ExecuteAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        if (Words(invocation, out var refusal) is not { } words)
        {
            return StepOutcome.Failure($"{Name}: {refusal}", retryable: false);
        }

        var target = RedisTarget.From(invocation, out var problem);
        if (target is null)
        {
            return StepOutcome.Failure($"{Name}: {problem}", retryable: false);
        }

        try
        {
            await using var connection = await target.ConnectAsync().ConfigureAwait(false);
            var result = await connection.GetDatabase(target.Database)
                .ExecuteAsync(words[0], [.. words.Skip(1)])
                .WaitAsync(cancellationToken).ConfigureAwait(false);
            return StepOutcome.Success(new Dictionary<string, object?> { ["result"] = ToValue(result) });
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return StepOutcome.Failure(target.Describe(Name, ex), retryable: ex is not RedisServerException);
        }
    }

    public ValueTask<DryRunPreview> PreviewAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        var words = Words(invocation, out var refusal);
        return ValueTask.FromResult(words is null
            ? new DryRunPreview($"would refuse: {refusal}")
            : new DryRunPreview($"would send {DataActions.RedisCommands.NameOf(words)} with {words.Count - 1} argument(s) to {Target(invocation)}"));
    }

    private static string Target(StepInvocation invocation) =>
        RedisTarget.Parse(invocation.GetString("connection"), TimeSpan.FromSeconds(1), out _)?.Display ?? "(no valid connection)";

    /// <summary>The command's words, or null with the reason the action will not send it.</summary>
    internal static List<string>? Words(StepInvocation invocation, out string? refusal)
    {
        refusal = null;
        if (invocation.Get("command") is not IReadOnlyList<object?> list || list.Count == 0)
        {
            refusal = "'command' must be a non-empty list: [GET, key] (each item is one argument)";
            return null;
        }

        if (list.Any(item => item is IReadOnlyList<object?> or IReadOnlyDictionary<string, object?> or null))
        {
            refusal = "each item of 'command' must be a single value (text or a number), not a list, a mapping or null";
            return null;
        }

        var words = list.Select(Values.ToText).ToList();
        var rule = DataActions.RedisCommands;
        var name = rule.NameOf(words);
        var mutates = ExpressionValues.Truthy(invocation.Get("__mutates"));
        switch (rule.Classify(words))
        {
            case CommandEffect.Refused:
                refusal = $"{name} is never sent: {rule.Refused[name]}";
                return null;
            case CommandEffect.Mutating or CommandEffect.Irreversible or CommandEffect.Unknown when !mutates:
                refusal = $"{name} changes data, and this step is read-only (an assess or gather step, or 'mutates: false'); refused before anything was sent";
                return null;
            default:
                return words;
        }
    }

    /// <summary>A Redis reply as a run value: integers as integers, bulk and simple strings as text, arrays as lists, nil as null.</summary>
    internal static object? ToValue(RedisResult result)
    {
        if (result.IsNull)
        {
            return null;
        }

        return result.Resp2Type switch
        {
            ResultType.Integer => (long)result,
            ResultType.Array => ((RedisResult[])result!).Select(ToValue).ToList(),
            _ => result.ToString(),
        };
    }
}
