namespace Runbook.Providers.Gcp.Tests.Identity;

/// <summary>A clock the test moves by hand; shared by the credentials under test and the stand-in that checks their JWTs.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
