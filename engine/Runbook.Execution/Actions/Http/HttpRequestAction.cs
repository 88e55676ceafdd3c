namespace Runbook.Execution.Actions.Http;

/// <summary>http.request: send a request; fails on a status outside expect_status (when given) or on no answer.</summary>
internal sealed class HttpRequestAction : IStepAction
{
    public string Name => "http.request";

    public async ValueTask<StepOutcome> ExecuteAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        var (response, outputs, error) = await HttpExchange.SendAsync(invocation, TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        using (response)
        {
            if (response is null)
            {
                return StepOutcome.Failure(error!, outputs);
            }

            var status = (int)response.StatusCode;
            var expected = invocation.Get("expect_status") is null ? null : HttpExchange.ExpectedStatuses(invocation, 200);
            var ok = expected?.Contains(status) ?? response.IsSuccessStatusCode;
            return ok
                ? StepOutcome.Success(outputs)
                : StepOutcome.Failure($"{invocation.GetString("method") ?? "GET"} {invocation.GetString("url")} answered {status}: {Start(outputs)}", outputs, HttpExchange.Retryable(status));
        }
    }

    internal static string Start(IReadOnlyDictionary<string, object?> outputs) =>
        outputs.GetValueOrDefault("body") is string body ? (body.Length > 200 ? body[..200] + "…" : body) : string.Empty;
}
