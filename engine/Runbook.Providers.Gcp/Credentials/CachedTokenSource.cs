namespace Runbook.Providers.Gcp.Credentials;

/// <summary>An access token and the moment it stops working.</summary>
internal sealed record AccessToken(string Value, DateTimeOffset ExpiresAt);

/// <summary>
/// Fetches a token on first use and again only when the one held is near its expiry: five minutes before it (as
/// Google's libraries do), or halfway through its life when it lives less than ten minutes, so a short-lived token is
/// not fetched for every request. Concurrent callers share one fetch.
/// </summary>
internal sealed class CachedTokenSource(Func<CancellationToken, Task<AccessToken>> fetch, TimeProvider time) : IAccessTokenSource, IDisposable
{
    private static readonly TimeSpan RefreshBefore = TimeSpan.FromMinutes(5);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (string Token, DateTimeOffset RefreshAt)? _held;

    public async ValueTask<string> GetTokenAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = time.GetUtcNow();
            if (_held is { } held && now < held.RefreshAt)
            {
                return held.Token;
            }

            var fetched = await fetch(cancellationToken).ConfigureAwait(false);
            var lifetime = fetched.ExpiresAt - now;
            var margin = lifetime < 2 * RefreshBefore ? lifetime / 2 : RefreshBefore;
            _held = (fetched.Value, fetched.ExpiresAt - margin);
            return fetched.Value;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();
}
