using System.Globalization;
using System.Text.RegularExpressions;
using Runbook.Cli.Composition;
using Runbook.Cli.Tests.Support;

namespace Runbook.Cli.Tests.EndToEnd;

/// <summary>
/// The markdown plan of every playbook of playbooks/ on every provider it is for (its providers:, else all five),
/// approved in Snapshots/library/PLAYBOOK.PROVIDER.md: a change to a playbook or to how plans are written shows up
/// as a reviewable diff. The plan is made from the repository root with the playbook's relative path and no
/// runbook.yaml, as `runbook plan playbooks/X.yaml --provider P --format markdown` prints it; it holds nothing of
/// this machine (paths, times). Accept new plans with tests/accept-snapshots.sh (or UPDATE_SNAPSHOTS=1).
/// </summary>
public sealed partial class LibraryPlanSnapshotTests
{
    private static readonly string[] AllProviders = ["compose", "kubernetes", "aws", "azure", "gcp"];

    private static string Folder => Path.Combine(Repo.Root, "tests", "Runbook.Cli.Tests", "EndToEnd", "Snapshots", "library");

    public static TheoryData<string, string> Pairs()
    {
        var data = new TheoryData<string, string>();
        foreach (var (playbook, provider) in PlaybookProviders())
        {
            data.Add(playbook, provider);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void The_markdown_plan_of_a_library_playbook_matches_its_approved_snapshot(string playbook, string provider)
    {
        var (exitCode, plan) = Plan(playbook, provider);

        Assert.True(exitCode == 0, plan);
        Snapshot.MatchFile(plan, Path.Combine(Folder, $"{playbook}.{provider}.md"));
    }

    [Fact]
    public void Every_approved_library_plan_belongs_to_a_playbook_and_a_provider_it_is_for()
    {
        var expected = PlaybookProviders().Select(p => $"{p.Playbook}.{p.Provider}.md").ToHashSet(StringComparer.Ordinal);
        var stale = Directory.Exists(Folder)
            ? Directory.GetFiles(Folder, "*.md").Select(Path.GetFileName).Where(f => !f!.Contains(".received.", StringComparison.Ordinal) && !expected.Contains(f)).ToList()
            : [];

        Assert.True(stale.Count == 0, $"approved plans with no playbook or provider behind them (delete them): {string.Join(", ", stale)}");
    }

    [Fact]
    public void No_approved_library_plan_holds_a_path_or_a_time_of_the_machine_that_made_it()
    {
        var home = Environment.GetEnvironmentVariable("HOME") ?? "/root";
        var leaks = new List<string>();
        foreach (var file in Directory.GetFiles(Folder, "*.md").Where(f => !f.Contains(".received.", StringComparison.Ordinal)))
        {
            var text = File.ReadAllText(file);
            foreach (var marker in new[] { Repo.Root, Path.GetTempPath().TrimEnd('/'), home, "/work/", "/tmp/" })
            {
                if (text.Contains(marker, StringComparison.Ordinal))
                {
                    leaks.Add($"{Path.GetFileName(file)}: {marker}");
                }
            }

            if (Timestamp().Match(text) is { Success: true } at)
            {
                leaks.Add($"{Path.GetFileName(file)}: {at.Value}");
            }
        }

        Assert.True(leaks.Count == 0, string.Join('\n', leaks));
    }

    [Fact]
    public void A_plan_made_twice_is_the_same_text()
    {
        var first = Plan("high-error-rate", "gcp");
        var second = Plan("high-error-rate", "gcp");

        Assert.Equal(first, second);
    }

    [Fact]
    public void A_changed_plan_fails_writes_the_received_file_and_shows_the_changed_lines()
    {
        var folder = Directory.CreateTempSubdirectory("runbook-snapshot-").FullName;
        try
        {
            var approved = Path.Combine(folder, "x.compose.md");
            File.WriteAllText(approved, "## Plan\n\n| 1 | step `a` |\n| 2 | step `b` |\n");

            var failure = Assert.ThrowsAny<Exception>(() => Snapshot.MatchFile("## Plan\n\n| 1 | step `a` |\n| 2 | step `c` |\n", approved, update: false));

            Assert.Contains("-   4: | 2 | step `b` |", failure.Message, StringComparison.Ordinal);
            Assert.Contains("+   4: | 2 | step `c` |", failure.Message, StringComparison.Ordinal);
            Assert.Equal("## Plan\n\n| 1 | step `a` |\n| 2 | step `c` |\n", File.ReadAllText(Path.Combine(folder, "x.compose.received.md")));
            Assert.Equal("## Plan\n\n| 1 | step `a` |\n| 2 | step `b` |\n", File.ReadAllText(approved)); // never approved by itself
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Each playbook of playbooks/ (by name) with each provider it is for: its providers: list, else every provider.</summary>
    internal static IEnumerable<(string Playbook, string Provider)> PlaybookProviders()
    {
        foreach (var file in Directory.GetFiles(Path.Combine(Repo.Root, "playbooks"), "*.yaml").Order(StringComparer.Ordinal))
        {
            // The top-level providers: list, flow ([a, b]) or block (- a); the playbooks themselves are checked by validate.
            var text = File.ReadAllText(file).ReplaceLineEndings("\n");
            var flow = FlowProviders().Match(text);
            var block = BlockProviders().Match(text);
            var providers = flow.Success ? flow.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                : block.Success ? block.Groups[1].Captures.Select(c => c.Value).ToArray()
                : AllProviders;
            foreach (var provider in providers.Select(p => p.Trim('"', '\'')))
            {
                yield return (Path.GetFileNameWithoutExtension(file), provider);
            }
        }
    }

    /// <summary>
    /// The plan as the binary prints it (the same entry point, in this process): its stdout, or stdout and stderr when
    /// it failed. A required input without a default is given as its own name (image=image: a value most patterns accept),
    /// so the plan shows where it goes.
    /// </summary>
    private static (int ExitCode, string Plan) Plan(string playbook, string provider)
    {
        // In this process the playbook is named by its full path (relative paths resolve against the test's folder); the
        // repository's root is then cut from the output, which leaves what `runbook plan playbooks/X.yaml` prints at the root.
        List<string> args = ["plan", Path.Combine(Repo.Root, "playbooks", $"{playbook}.yaml"), "--provider", provider, "--format", "markdown"];
        while (true)
        {
            using var stdout = new StringWriter(CultureInfo.InvariantCulture);
            using var stderr = new StringWriter(CultureInfo.InvariantCulture);
            var exitCode = CommandLine.Run([.. args], new CliConsole(stdout, stderr, Color: false, Repo.Root));
            var missing = RequiredInput().Matches(stderr.ToString()).Select(m => m.Groups[1].Value).Where(n => !args.Contains($"{n}={ExampleValues.GetValueOrDefault(n, n)}")).ToList();
            if (exitCode == 0 || missing.Count == 0)
            {
                var text = exitCode == 0 ? stdout.ToString() : $"{stdout}{stderr}";
                return (exitCode, text.Replace(Repo.Root + "/", string.Empty, StringComparison.Ordinal));
            }

            args.AddRange(missing.SelectMany(n => new[] { "--input", $"{n}={ExampleValues.GetValueOrDefault(n, n)}" }));
        }
    }

    // Required inputs whose own name their pattern refuses (backup_path must end in .dump): a value a reader recognises.
    private static readonly Dictionary<string, string> ExampleValues = new(StringComparer.Ordinal)
    {
        ["backup_path"] = "backups/orders.dump",
    };

    [GeneratedRegex(@"input '([\w-]+)' is required and has no value")]
    private static partial Regex RequiredInput();

    [GeneratedRegex(@"^providers:[ \t]*\[([^\]]*)\]", RegexOptions.Multiline)]
    private static partial Regex FlowProviders();

    [GeneratedRegex(@"^providers:[ \t]*\n(?:[ \t]+-[ \t]*([\w-]+)[ \t]*\n)+", RegexOptions.Multiline)]
    private static partial Regex BlockProviders();

    [GeneratedRegex(@"\b20\d\d-[01]\d-[0-3]\dT[0-2]\d:[0-5]\d")]
    private static partial Regex Timestamp();
}
