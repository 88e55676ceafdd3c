using System.Text;
using System.Text.RegularExpressions;
using Runbook.Cli.Tests.Support;

namespace Runbook.Cli.Tests.EndToEnd;

/// <summary>
/// The README's "A five-minute tour", run as written: its commands are read out of README.md (so a change there
/// changes this test), RUN_ID is the id the exec prints, each command must end with the exit code its comment
/// promises (0 when it promises none). Only two things differ from a reader's shell: the journal lives in a temp
/// RUNBOOK_HOME, and /tmp/ledger.txt and /tmp/drafts are in that folder, so parallel runs never share them. The tour's
/// playbook uses --provider compose, but its steps are shell and approval only: it needs no Docker.
/// </summary>
public sealed partial class ReadmeTourTests : IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("runbook-tour-").FullName;

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void The_five_minute_tour_in_the_readme_works_word_for_word(CliTarget cli)
    {
        var tour = TourCommands(File.ReadAllText(Repo.PathOf("README.md")));
        Assert.Contains(tour, c => c.Words.Contains("resume")); // the tour still shows the approval round trip
        cli = cli.With("RUNBOOK_HOME", _home).With("RUNBOOK_JOURNAL", null);
        string? runId = null;
        var transcript = new StringBuilder();
        foreach (var (words, expectedExit) in tour)
        {
            if (words[0] == "export")
            {
                var (name, value) = (words[1].Split('=', 2)[0], words[1].Split('=', 2)[1]);
                cli = cli.With(name, value);
                continue;
            }

            Assert.Equal("./runbook", words[0]);
            var args = words.Skip(1)
                .Select(w => w.Replace("/tmp/ledger.txt", Ledger, StringComparison.Ordinal).Replace("/tmp/drafts", Drafts, StringComparison.Ordinal))
                .ToArray();
            Assert.True(runId is not null || !args.Contains("RUN_ID"), "the tour uses RUN_ID before any exec printed one");
            args = [.. args.Select(a => a == "RUN_ID" ? runId! : a)];

            var result = cli.Run(args);
            transcript.Append(FormattableString.Invariant($"$ runbook {string.Join(' ', args)}  → exit {result.ExitCode}\n{result.Out}{result.Error}\n"));
            Assert.True(result.ExitCode == expectedExit, $"expected exit {expectedExit}:\n{transcript}");
            if (args[0] == "exec")
            {
                runId = RunId().Match(result.Out).Groups[1].Value;
                Assert.True(runId.Length > 0, $"exec printed no run id:\n{transcript}");
            }

            if (args[0] == "resume")
            {
                Assert.True(result.Out.Contains("succeeded", StringComparison.Ordinal), $"resume after two approvals did not finish the run:\n{transcript}");
            }
        }

        Assert.True(File.Exists(Ledger) && File.ReadAllText(Ledger) == "change\n", $"the gated step did not run exactly once:\n{transcript}");
    }

    private string Ledger => Path.Combine(_home, "ledger.txt");

    private string Drafts => Path.Combine(_home, "drafts");

    /// <summary>The commands of the tour's first ```sh block: continued lines joined, comments dropped, "exit N" in a comment read as the expected exit.</summary>
    private static List<(string[] Words, int ExpectedExit)> TourCommands(string readme)
    {
        var section = readme.IndexOf("## A five-minute tour", StringComparison.Ordinal);
        Assert.True(section >= 0, "README.md has no '## A five-minute tour' section");
        var start = readme.IndexOf("```sh\n", section, StringComparison.Ordinal) + "```sh\n".Length;
        var block = readme[start..readme.IndexOf("\n```", start, StringComparison.Ordinal)];
        var commands = new List<(string[], int)>();
        var pending = new List<string>();
        var comments = new StringBuilder();
        foreach (var line in block.Split('\n'))
        {
            var (words, comment, continued) = Split(line);
            pending.AddRange(words);
            comments.Append(comment).Append(' ');
            if (continued)
            {
                continue;
            }

            if (pending.Count > 0)
            {
                var exit = ExitInComment().Match(comments.ToString());
                commands.Add(([.. pending], exit.Success ? int.Parse(exit.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0));
            }

            pending.Clear();
            comments.Clear();
        }

        return commands;
    }

    /// <summary>A shell line's words (with quotes), its comment, and whether it ends with a backslash.</summary>
    private static (List<string> Words, string Comment, bool Continued) Split(string line)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        char? quote = null;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quote is not null)
            {
                if (c == quote)
                {
                    quote = null;
                }
                else
                {
                    word.Append(c);
                }

                continue;
            }

            switch (c)
            {
                case '\'' or '"':
                    quote = c;
                    inWord = true;
                    break;
                case '#' when !inWord:
                    return (words, line[(i + 1)..], false);
                case '\\' when line[(i + 1)..].Trim().Length == 0:
                    Flush();
                    return (words, string.Empty, true);
                case ' ' or '\t':
                    Flush();
                    break;
                default:
                    word.Append(c);
                    inWord = true;
                    break;
            }
        }

        Assert.True(quote is null, $"unterminated quote in the README tour: {line}");
        Flush();
        return (words, string.Empty, false);

        void Flush()
        {
            if (inWord)
            {
                words.Add(word.ToString());
            }

            word.Clear();
            inWord = false;
        }
    }

    [GeneratedRegex(@"run (\d{8}-\d{6}-[0-9a-f]{6})")]
    private static partial Regex RunId();

    [GeneratedRegex(@"\bexit (\d+)")]
    private static partial Regex ExitInComment();

    public void Dispose() => Directory.Delete(_home, recursive: true);
}
