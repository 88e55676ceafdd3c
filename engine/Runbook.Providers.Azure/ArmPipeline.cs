using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Runbook.Providers.Azure;

/// <summary>
/// The Azure.Core pipeline every ARM call goes through: the bearer token for the target's scope, Azure.Core's retry
/// policy (which waits as long as ARM's <c>Retry-After</c> asks, else backs off exponentially) widened to 409 Conflict,
/// and Azure.Core's request logging, which redacts every header and query parameter not on its allow-list (the
/// Authorization header is never written).
/// </summary>
internal static class ArmPipeline
{
    public static HttpPipeline Create(TokenCredential credential, string scope, HttpMessageHandler? handler, TimeSpan attemptTimeout) =>
        HttpPipelineBuilder.Build(Options(handler, attemptTimeout), new BearerTokenAuthenticationPolicy(credential, scope));

    /// <summary>A pipeline without ARM's token: the log stream takes the app's own short-lived token (getAuthToken) instead.</summary>
    public static HttpPipeline CreateAnonymous(HttpMessageHandler? handler, TimeSpan attemptTimeout) =>
        HttpPipelineBuilder.Build(Options(handler, attemptTimeout));

    private static ArmClientOptions Options(HttpMessageHandler? handler, TimeSpan attemptTimeout)
    {
        var options = new ArmClientOptions
        {
            RetryPolicy = new ArmRetryPolicy(MaxRetries, new ArmDelayStrategy()),
        };
        options.Retry.NetworkTimeout = attemptTimeout;
        options.Diagnostics.ApplicationId = "runbook";
        options.Diagnostics.IsDistributedTracingEnabled = false;
        if (handler is not null)
        {
            options.Transport = new HttpClientTransport(new HttpClient(handler, disposeHandler: false));
        }

        return options;
    }

    /// <summary>Retries after the first attempt: as many as Azure.Core's default (3), which is also what az does.</summary>
    public const int MaxRetries = 3;

    private sealed class ArmClientOptions : ClientOptions;

    /// <summary>
    /// Azure.Core's retry decisions (408, 429, 500, 502, 503, 504, network failures and timeouts) plus 409 Conflict:
    /// ARM answers 409 while another operation on the same app is still going (ContainerAppOperationInProgress), which
    /// a later attempt gets past.
    /// </summary>
    private sealed class ArmRetryPolicy(int retries, DelayStrategy delay) : RetryPolicy(retries, delay)
    {
        private const string Retries = "runbook.retries";

        private readonly int _maxRetries = retries;

        protected override bool ShouldRetry(HttpMessage message, Exception? exception) =>
            Counted(message, base.ShouldRetry(message, exception) || IsConflict(message, exception));

        protected override async ValueTask<bool> ShouldRetryAsync(HttpMessage message, Exception? exception) =>
            Counted(message, await base.ShouldRetryAsync(message, exception).ConfigureAwait(false) || IsConflict(message, exception));

        private static bool IsConflict(HttpMessage message, Exception? exception) =>
            exception is null && message.HasResponse && message.Response.Status == 409;

        // The base counts its own retries (internally); a 409 it would not retry is counted here, so that a lasting
        // conflict ends after maxRetries like any other failure instead of being retried for ever.
        private bool Counted(HttpMessage message, bool retry)
        {
            if (!retry)
            {
                return false;
            }

            var done = message.TryGetProperty(Retries, out var value) && value is int count ? count : 0;
            message.SetProperty(Retries, done + 1);
            return done < _maxRetries;
        }
    }

    /// <summary>
    /// Exponential backoff from 0.8 s (Azure.Core's default) up to 30 s; Azure.Core's DelayStrategy takes the larger of
    /// that and what the response's Retry-After / retry-after-ms / x-ms-retry-after-ms ask.
    /// </summary>
    private sealed class ArmDelayStrategy() : DelayStrategy(TimeSpan.FromSeconds(30), 0.2)
    {
        protected override TimeSpan GetNextDelayCore(Response? response, int retryNumber) =>
            TimeSpan.FromMilliseconds(800 * Math.Pow(2, Math.Max(0, retryNumber - 1)));
    }
}
