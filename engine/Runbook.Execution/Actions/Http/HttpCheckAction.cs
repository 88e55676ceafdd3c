using Runbook.Language.Expressions.Evaluation;

namespace Runbook.Execution.Actions.Http;

/// <summary>http.check: a read-only probe — status, body text and JSON values must be as expected.</summary>
internal sealed class HttpCheckAction : IStepAction
{
    public string Name => "http.check";

    public async ValueTask<StepOutcome> ExecuteAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        var (response, outputs, error) = await HttpExchange.SendAsync(invocation, TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
        using (response)
        {
            if (response is null)
            {
                return StepOutcome.Failure(error!, outputs);
            }

            var url = invocation.GetString("url");
            var status = (int)response.StatusCode;
            var expected = HttpExchange.ExpectedStatuses(invocation, 200);
            if (!expected.Contains(status))
            {
                // A check only reads, so any other answer is worth asking again: the step's retry policy says how long to poll.
                return StepOutcome.Failure($"{url} answered {status}, expected {string.Join(" or ", expected)}: {HttpRequestAction.Start(outputs)}", outputs);
            }

            if (invocation.GetString("expect_body_contains") is { } text && !(outputs["body"] as string ?? string.Empty).Contains(text, StringComparison.Ordinal))
            {
                return StepOutcome.Failure($"{url} answered {status} but the body does not contain '{text}'", outputs);
            }

            if (invocation.Get("expect_json") is IReadOnlyDictionary<string, object?> wanted)
            {
                foreach (var (path, value) in wanted)
                {
                    var actual = Select(outputs.GetValueOrDefault("json"), path);
                    if (ExpressionValues.ToText(actual) != ExpressionValues.ToText(value))
                    {
                        return StepOutcome.Failure($"{url}: JSON '{path}' is {ExpressionValues.ToText(actual)}, expected {ExpressionValues.ToText(value)}", outputs);
                    }
                }
            }

            return StepOutcome.Success(outputs);
        }
    }

    /// <summary>A dotted path into parsed JSON: <c>checks.db.ok</c>, <c>items.0.name</c>.</summary>
    private static object? Select(object? json, string path)
    {
        foreach (var part in path.Split('.'))
        {
            json = json switch
            {
                IReadOnlyDictionary<string, object?> map => map.GetValueOrDefault(part),
                IReadOnlyList<object?> list when int.TryParse(part, out var i) && i >= 0 && i < list.Count => list[i],
                _ => null,
            };
        }

        return json;
    }
}
