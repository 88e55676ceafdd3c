using Runbook.Cli.Tests.Support;

namespace Runbook.Cli.Tests;

public sealed class NativeBinaryTests
{
    [Fact]
    public void CI_tests_the_native_binary_too()
    {
        if (Environment.GetEnvironmentVariable("CI") != "true")
        {
            return;
        }

        Assert.True(CliTargets.NativePath is { } path && File.Exists(path),
            "CI=true but no native binary: run ./build.sh test, which publishes dist/runbook and sets RUNBOOK_NATIVE");
    }
}
