using System.Text;
using Runbook.Language.Expressions.Evaluation;

namespace Runbook.Execution.Actions.Notify;

/// <summary>
/// Delivers a JSON payload with up to three attempts (backoff on 5xx, 429 and network errors). A failed
/// notification never fails the step unless it says <c>fail_on_error: true</c>: paging must not block mitigation.
/// Webhook URLs and keys are secrets, so no message here names them.
/// </summary>
internal static class NotificationSender
{
    public const int Attempts = 3;

    public static async Task<StepOutcome> SendAsync(StepInvocation invocation, string channel, string url, string payload, CancellationToken cancellationToken,
        Func<string, IReadOnlyDictionary<string, object?>>? readResponse = null, IReadOnlyDictionary<string, object?>? headers = null)
    {
        string? problem = null;
        for (var attempt = 1; attempt <= Attempts; attempt++)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(url)) { Content = new StringContent(payload, Encoding.UTF8, "application/json") };
                foreach (var (name, value) in headers ?? new Dictionary<string, object?>())
                {
                    request.Headers.TryAddWithoutValidation(name, ExpressionValues.ToText(value));
                }

                using var response = await invocation.Context.Http.SendAsync(request, cancellationToken).ConfigureAwait(false);
                var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    var outputs = new Dictionary<string, object?>(readResponse?.Invoke(body) ?? new Dictionary<string, object?>(), StringComparer.Ordinal)
                    {
                        ["delivered"] = true,
                        ["status"] = (long)(int)response.StatusCode,
                    };
                    invocation.Log.Line(LogStream.Info, $"{channel}: delivered");
                    return StepOutcome.Success(outputs);
                }

                problem = $"{channel} answered {(int)response.StatusCode}";
                if ((int)response.StatusCode is < 500 and not 429)
                {
                    break;
                }
            }
            catch (HttpRequestException ex)
            {
                problem = $"{channel} unreachable: {ex.HttpRequestError}";
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                problem = $"{channel} did not answer in time"; // the HTTP client's timeout, not the run's cancellation
            }
            catch (UriFormatException)
            {
                problem = $"{channel}: the webhook is not a valid URL";
                break;
            }

            if (attempt < Attempts)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt * attempt), invocation.Context.Time, cancellationToken).ConfigureAwait(false);
            }
        }

        var failOnError = ExpressionValues.Truthy(invocation.Get("fail_on_error"));
        invocation.Log.Line(LogStream.Info, $"{problem}; notification not delivered{(failOnError ? string.Empty : " (the run goes on)")}");
        return failOnError
            ? StepOutcome.Failure($"{problem}; notification not delivered", new Dictionary<string, object?> { ["delivered"] = false })
            : StepOutcome.Success(new Dictionary<string, object?> { ["delivered"] = false });
    }

    public static string Text(StepInvocation invocation) => invocation.GetString("text") ?? string.Empty;
}
