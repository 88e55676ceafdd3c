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

    /// <summary>
    /// Compares <paramref name="actual"/> with the approved file <paramref name="approved"/> (e.g. Snapshots/library/x.kubernetes.md).
    /// A difference writes x.kubernetes.received.md beside it and fails showing the changed lines; a missing approved
    /// file fails the same way. UPDATE_SNAPSHOTS=1 (or tests/accept-snapshots.sh after a failing run) approves.
    /// </summary>
    public static void MatchFile(string actual, string approved, bool? update = null)
    {
        var received = Path.Combine(Path.GetDirectoryName(approved)!, Path.GetFileNameWithoutExtension(approved) + ".received" + Path.GetExtension(approved));
        actual = actual.ReplaceLineEndings("\n");
        if (update ?? Environment.GetEnvironmentVariable("UPDATE_SNAPSHOTS") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(approved)!);
            File.WriteAllText(approved, actual);
            File.Delete(received);
            return;
        }

        var expected = File.Exists(approved) ? File.ReadAllText(approved) : null;
        if (expected == actual)
        {
            File.Delete(received);
            return;
        }

        File.WriteAllText(received, actual);
        Assert.Fail(expected is null
            ? $"no approved snapshot {approved}; review {received}, then accept it with tests/accept-snapshots.sh"
            : $"{approved} differs from what the command prints now (written to {received}; accept with tests/accept-snapshots.sh):\n{Diff(expected, actual)}");
    }

    /// <summary>The changed lines, '-' approved and '+' now, each with its line number, from a longest common subsequence of lines.</summary>
    public static string Diff(string expected, string actual)
    {
        var a = expected.Split('\n');
        var b = actual.Split('\n');
        var common = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
        {
            for (var j = b.Length - 1; j >= 0; j--)
            {
                common[i, j] = a[i] == b[j] ? common[i + 1, j + 1] + 1 : Math.Max(common[i + 1, j], common[i, j + 1]);
            }
        }

        var lines = new List<string>();
        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y])
            {
                x++;
                y++;
            }
            else if (y < b.Length && (x == a.Length || common[x, y + 1] >= common[x + 1, y]))
            {
                lines.Add(FormattableString.Invariant($"+{y + 1,4}: {b[y]}"));
                y++;
            }
            else
            {
                lines.Add(FormattableString.Invariant($"-{x + 1,4}: {a[x]}"));
                x++;
            }
        }

        return string.Join('\n', lines);
    }
}
