using System.Diagnostics.CodeAnalysis;

namespace Runbook.Tests;

/// <summary>
/// The one rule for a test whose dependency (Docker, PostgreSQL, kubectl, the native binary, …) is missing: the
/// test fails, saying what is missing and the command that installs it. It never passes without running, with or
/// without CI=true; a green suite means every test ran. Linked into every test project.
/// </summary>
public static class TestDependency
{
    /// <summary>Installs every test dependency on Debian (as root); setup scripts the tests run install their own part.</summary>
    public const string InstallAll = "sudo .ci/install-test-dependencies";

    /// <summary>Fails the current test: <paramref name="what"/> is unavailable because <paramref name="why"/>; <paramref name="fix"/> is the command to run.</summary>
    [DoesNotReturn]
    public static void Missing(string what, string why, string fix)
    {
        Assert.Fail($"{what} is not available, so this test cannot run: {why}\nRun: {fix}\n"
            + "(a test whose dependency is missing fails; it never counts as passed)");
        throw new System.Diagnostics.UnreachableException();
    }

    /// <summary>Fails the current test when <paramref name="unavailable"/> says why a dependency is missing; true otherwise.</summary>
    public static bool Require(string what, string? unavailable, string fix)
    {
        if (unavailable is not null)
        {
            Missing(what, unavailable, fix);
        }

        return true;
    }
}
