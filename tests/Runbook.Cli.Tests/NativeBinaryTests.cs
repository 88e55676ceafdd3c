using Runbook.Cli.Tests.Support;

namespace Runbook.Cli.Tests;

public sealed class NativeBinaryTests
{
    /// <summary>Every end-to-end theory runs on the JIT build and on the native binary; without the binary half of them would not run.</summary>
    [Fact]
    public void The_end_to_end_tests_run_against_the_native_binary_too()
    {
        if (CliTargets.NativePath is not { } path || !File.Exists(path))
        {
            Runbook.Tests.TestDependency.Missing("The native binary (dist/runbook, or RUNBOOK_NATIVE)",
                CliTargets.NativePath is { } named ? $"{named} does not exist" : "it was not built",
                "./build.sh publish   (./build.sh test publishes it and sets RUNBOOK_NATIVE)");
        }
    }
}
