using System.Runtime.CompilerServices;

namespace Runbook.Cli.Tests.Support;

/// <summary>
/// Approved-output tests for what people read. The approved text lives in Snapshots/NAME.verified.txt; a
/// mismatch writes NAME.received.txt beside it and fails. Run with UPDATE_SNAPSHOTS=1 to approve new output.
/// </summary>
internal static class Snapshot
{
    public static void Match(string actual, string name, [CallerFilePath] string callerFile = "")
    {
        var folder = Path.Combine(Path.GetDirectoryName(callerFile)!, "Snapshots");
        var verified = Path.Combine(folder, name + ".verified.txt");
        var received = Path.Combine(folder, name + ".received.txt");
        actual = actual.ReplaceLineEndings("\n");
        if (Environment.GetEnvironmentVariable("UPDATE_SNAPSHOTS") == "1")
        {
            Directory.CreateDirectory(folder);
            File.WriteAllText(verified, actual);
            File.Delete(received);
            return;
        }

        if (!File.Exists(verified))
        {
            File.WriteAllText(received, actual);
            Assert.Fail($"no approved snapshot {name}; review {received} and rename it to .verified.txt (or run with UPDATE_SNAPSHOTS=1)");
        }

        var expected = File.ReadAllText(verified);
        if (expected != actual)
        {
            File.WriteAllText(received, actual);
        }
        else
        {
            File.Delete(received);
        }

        Assert.Equal(expected, actual);
    }
}
