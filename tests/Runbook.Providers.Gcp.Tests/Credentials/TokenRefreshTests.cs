using Runbook.Providers.Gcp.Tests.Identity;

namespace Runbook.Providers.Gcp.Tests.Credentials;

/// <summary>A token is fetched once and fetched again only shortly before it expires; the stand-in's clock is the test's.</summary>
public sealed class TokenRefreshTests : IAsyncLifetime, IDisposable
{
    private readonly CredentialScope _scope = new();
    private readonly HttpClient _http = new();
    private readonly ManualClock _clock = new(DateTimeOffset.UtcNow);
    private GoogleIdentityStandIn _google = null!;

    public async Task InitializeAsync()
    {
        _google = await GoogleIdentityStandIn.StartAsync(_clock);
        _scope.Set("GOOGLE_APPLICATION_CREDENTIALS", _scope.File("key.json", _google.ServiceAccountKeyFile("ci@p.iam.gserviceaccount.com", "p")));
    }

    public async Task DisposeAsync() => await _google.DisposeAsync();

    public void Dispose()
    {
        _http.Dispose();
        _scope.Dispose();
    }

    private const string JwtBearer = "urn:ietf:params:oauth:grant-type:jwt-bearer";

    private async Task<IAccessTokenSource> TokensAsync() => (await GcpCredentials.ResolveAsync(_scope.Get, _http, _clock, CancellationToken.None)).Tokens;

    [Fact]
    public async Task An_hour_long_token_is_reused_for_fifty_four_minutes_and_replaced_in_the_last_five()
    {
        var tokens = await TokensAsync();

        var first = await tokens.GetTokenAsync(CancellationToken.None);
        _clock.Advance(TimeSpan.FromMinutes(54));
        var stillFirst = await tokens.GetTokenAsync(CancellationToken.None);
        _clock.Advance(TimeSpan.FromMinutes(2));
        var second = await tokens.GetTokenAsync(CancellationToken.None);

        Assert.Equal(first, stillFirst);
        Assert.NotEqual(first, second);
        Assert.NotNull(_google.PrincipalOf(second));
        Assert.Equal(2, _google.Grants(JwtBearer));
    }

    [Fact]
    public async Task A_short_lived_token_is_replaced_halfway_through_its_life_and_never_used_expired()
    {
        _google.TokenLifetimeSeconds = 60;
        var tokens = await TokensAsync();

        var first = await tokens.GetTokenAsync(CancellationToken.None);
        _clock.Advance(TimeSpan.FromSeconds(29));
        var reused = await tokens.GetTokenAsync(CancellationToken.None);
        _clock.Advance(TimeSpan.FromSeconds(2));
        var second = await tokens.GetTokenAsync(CancellationToken.None);
        _clock.Advance(TimeSpan.FromSeconds(59));
        var third = await tokens.GetTokenAsync(CancellationToken.None);

        Assert.Equal(first, reused);
        Assert.NotEqual(first, second);
        Assert.NotEqual(second, third);
        Assert.Null(_google.PrincipalOf(first)); // expired by now: the stand-in would refuse it
        Assert.NotNull(_google.PrincipalOf(third));
        Assert.Equal(3, _google.Grants(JwtBearer));
    }

    [Fact]
    public async Task Callers_asking_at_once_share_one_fetch()
    {
        var tokens = await TokensAsync();

        var all = await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ => await tokens.GetTokenAsync(CancellationToken.None)));

        Assert.Single(all.Distinct());
        Assert.Equal(1, _google.Grants(JwtBearer));
    }

    [Fact]
    public async Task A_JWT_signed_at_a_clock_far_from_the_servers_is_refused_as_Google_refuses_it()
    {
        var tokens = await TokensAsync();
        await using var skewed = await GoogleIdentityStandIn.StartAsync(new ManualClock(_clock.GetUtcNow().AddHours(2)));
        _scope.Set("GOOGLE_APPLICATION_CREDENTIALS", _scope.File("skewed.json", skewed.ServiceAccountKeyFile("ci@p.iam.gserviceaccount.com", "p")));
        var skewedTokens = await TokensAsync();

        var error = await Assert.ThrowsAsync<Runbook.Execution.Providers.ProviderException>(async () => await skewedTokens.GetTokenAsync(CancellationToken.None));

        Assert.Contains("Check your iat and exp values", error.Message, StringComparison.Ordinal);
        Assert.NotNull(_google.PrincipalOf(await tokens.GetTokenAsync(CancellationToken.None)));
    }
}
