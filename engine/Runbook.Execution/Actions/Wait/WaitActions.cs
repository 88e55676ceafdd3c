using Runbook.Language.Model;

namespace Runbook.Execution.Actions.Wait;

/// <summary>wait.sleep: wait a fixed time, on the engine's clock.</summary>
internal sealed class SleepAction : IStepAction
{
    public string Name => "wait.sleep";

    public async ValueTask<StepOutcome> ExecuteAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        if (!Duration.TryParse(invocation.GetString("duration") ?? string.Empty, out var duration))
        {
            return StepOutcome.Failure($"'{invocation.GetString("duration")}' is not a duration (write 30s, 5m …)", retryable: false);
        }

        await Task.Delay(duration.Value, invocation.Context.Time, cancellationToken).ConfigureAwait(false);
        return StepOutcome.Success();
    }
}

/// <summary>wait.until with url: poll an endpoint until it answers an expected status, or the timeout passes.</summary>
internal sealed class UntilAction : IStepAction
{
    public string Name => "wait.until";

    public async ValueTask<StepOutcome> ExecuteAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        if (invocation.GetString("url") is not { } url)
        {
            return StepOutcome.Failure("wait.until needs a condition or a url", retryable: false);
        }

        var interval = Duration.TryParse(invocation.GetString("interval") ?? "5s", out var i) ? i.Value : TimeSpan.FromSeconds(5);
        var timeout = Duration.TryParse(invocation.GetString("timeout") ?? "5m", out var t) ? t.Value : TimeSpan.FromMinutes(5);
        var expected = Http.HttpExchange.ExpectedStatuses(invocation, 200);
        var deadline = invocation.Context.Time.GetUtcNow() + timeout;
        for (var attempt = 1; ; attempt++)
        {
            var (response, _, error) = await Http.HttpExchange.SendAsync(invocation, interval, cancellationToken).ConfigureAwait(false);
            using (response)
            {
                if (response is not null && expected.Contains((int)response.StatusCode))
                {
                    return StepOutcome.Success(new Dictionary<string, object?> { ["attempts"] = (long)attempt });
                }

                invocation.Log.Line(LogStream.Info, $"{url}: {(response is null ? error : $"answered {(int)response.StatusCode}")} (poll {attempt})");
            }

            if (invocation.Context.Time.GetUtcNow() + interval > deadline)
            {
                return StepOutcome.Failure($"{url} did not answer {string.Join(" or ", expected)} within {t.Text}", new Dictionary<string, object?> { ["attempts"] = (long)attempt });
            }

            await Task.Delay(interval, invocation.Context.Time, cancellationToken).ConfigureAwait(false);
        }
    }
}
