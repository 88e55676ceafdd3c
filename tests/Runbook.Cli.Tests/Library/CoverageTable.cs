using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Runbook.Cli.Composition;
using Runbook.Language;
using Runbook.Language.Actions;

namespace Runbook.Cli.Tests.Library;

/// <summary>One row of a coverage table: where it is, and its five cells as written.</summary>
internal sealed record CoverageRow(string Runbook, int Line, string Heading, string Playbook, string Providers, string State, string Proof)
{
    /// <summary>How a problem names the row: the doc's line and its first cell, so the reader finds it at once.</summary>
    public string Name => $"docs/playbooks.md:{Line} ({Runbook}: {Heading} | {Playbook})";
}

/// <summary>One section of the page: the reference runbook it covers, its rows, and the headings it says are not procedures.</summary>
internal sealed record CoverageSection(string Runbook, int Line, ImmutableArray<CoverageRow> Rows, ImmutableArray<string> NotProcedures);

/// <summary>A heading of a reference runbook: its level and its path of normalised texts from the level-2 section down.</summary>
internal sealed record RunbookHeading(int Level, ImmutableArray<string> Path, bool IsLeaf)
{
    public string Key => string.Join(" › ", Path);
}

/// <summary>
/// Reads docs/playbooks.md and checks it against the repository: the playbooks it names, the providers they are for,
/// the run cases and tests it gives as proof, and (when the reference runbooks are at hand) the headings it names.
/// Every problem is returned as text naming the row, so one failing assertion lists them all.
/// </summary>
internal static partial class CoverageTable
{
    private static readonly string[] States = ["runs", "plan-only", "manual"];

    public static ImmutableArray<CoverageSection> Parse(string markdown)
    {
        var sections = ImmutableArray.CreateBuilder<CoverageSection>();
        string? runbook = null;
        var sectionLine = 0;
        var rows = ImmutableArray.CreateBuilder<CoverageRow>();
        var notProcedures = ImmutableArray.CreateBuilder<string>();
        var lines = markdown.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');

        void Close()
        {
            if (runbook is not null)
            {
                sections.Add(new CoverageSection(runbook, sectionLine, rows.ToImmutable(), notProcedures.ToImmutable()));
            }

            rows.Clear();
            notProcedures.Clear();
        }

        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.StartsWith("## ", StringComparison.Ordinal))
            {
                Close();
                var file = SectionFile().Match(line);
                runbook = file.Success ? file.Groups[1].Value : null;
                sectionLine = i + 1;
                continue;
            }

            if (runbook is null)
            {
                continue;
            }

            if (line.StartsWith("Not procedures:", StringComparison.Ordinal))
            {
                notProcedures.AddRange(line["Not procedures:".Length..].Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(NormaliseHeadingPath));
                continue;
            }

            if (!line.StartsWith('|') || line.StartsWith("|---", StringComparison.Ordinal) || line.StartsWith("| section", StringComparison.Ordinal))
            {
                continue;
            }

            var cells = line.Trim().Trim('|').Split('|').Select(c => c.Trim()).ToArray();
            rows.Add(cells.Length == 5
                ? new CoverageRow(runbook, i + 1, cells[0], cells[1], cells[2], cells[3], cells[4])
                : new CoverageRow(runbook, i + 1, cells.Length > 0 ? cells[0] : string.Empty, $"<{cells.Length} cells, not 5>", string.Empty, string.Empty, string.Empty));
        }

        Close();
        return sections.ToImmutable();
    }

    /// <summary>The headings of a markdown document outside fenced code blocks, from level 2 down (the title is not a section).</summary>
    public static ImmutableArray<RunbookHeading> Headings(string markdown)
    {
        var found = new List<(int Level, ImmutableArray<string> Path)>();
        var stack = new List<(int Level, string Text)>();
        var fence = false;
        foreach (var raw in markdown.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            var line = raw.TrimEnd();
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal) || line.TrimStart().StartsWith("~~~", StringComparison.Ordinal))
            {
                fence = !fence;
                continue;
            }

            var match = fence ? Match.Empty : AtxHeading().Match(line);
            if (!match.Success)
            {
                continue;
            }

            var level = match.Groups[1].Value.Length;
            if (level < 2)
            {
                stack.Clear();
                continue;
            }

            stack.RemoveAll(h => h.Level >= level);
            stack.Add((level, NormaliseHeading(match.Groups[2].Value)));
            found.Add((level, [.. stack.Select(h => h.Text)]));
        }

        // A heading is a leaf when the next heading is not one of its children.
        return [.. found.Select((h, i) => new RunbookHeading(h.Level, h.Path, i + 1 == found.Count || found[i + 1].Level <= h.Level))];
    }

    /// <summary>Every problem of the page, each naming its row. <paramref name="readRunbook"/> gives a reference runbook's text, or null when it is not at hand.</summary>
    public static ImmutableArray<string> Check(ImmutableArray<CoverageSection> sections, string repositoryRoot, Func<string, string?> readRunbook)
    {
        var problems = ImmutableArray.CreateBuilder<string>();
        var playbooks = new Dictionary<string, PlaybookProviders?>(StringComparer.Ordinal);
        foreach (var section in sections)
        {
            var text = readRunbook(section.Runbook);
            var headings = text is null ? null : Headings(text).ToDictionary(h => h.Key, StringComparer.Ordinal);
            foreach (var row in section.Rows)
            {
                CheckRow(row, repositoryRoot, headings, playbooks, problems);
            }

            if (headings is not null)
            {
                foreach (var name in section.NotProcedures.Where(n => !headings.ContainsKey(n)))
                {
                    problems.Add($"docs/playbooks.md:{section.Line} ({section.Runbook}): 'Not procedures' names '{name}', which is not a heading of {section.Runbook}");
                }
            }
        }

        return problems.ToImmutable();
    }

    /// <summary>The leaf headings (level 3 and deeper) of a section's runbook that neither a row nor its 'Not procedures' line names.</summary>
    public static ImmutableArray<string> Uncovered(CoverageSection section, string runbookText)
    {
        var named = section.Rows.Select(r => NormaliseHeadingPath(r.Heading)).Concat(section.NotProcedures).ToHashSet(StringComparer.Ordinal);
        return [.. Headings(runbookText).Where(h => h.Level >= 3 && h.IsLeaf && !named.Contains(h.Key)).Select(h => h.Key)];
    }

    private static void CheckRow(CoverageRow row, string root, Dictionary<string, RunbookHeading>? headings, Dictionary<string, PlaybookProviders?> playbooks, ImmutableArray<string>.Builder problems)
    {
        void Problem(string what) => problems.Add($"{row.Name}: {what}");

        if (row.Playbook.StartsWith('<'))
        {
            Problem($"the row has {row.Playbook}; columns are section › heading | playbook | providers | state | proof");
            return;
        }

        if (headings is not null && !headings.ContainsKey(NormaliseHeadingPath(row.Heading)))
        {
            Problem($"'{row.Heading}' is not a heading of {row.Runbook} (write the section and the heading as the runbook does, joined by ' › ')");
        }

        if (!States.Contains(row.State, StringComparer.Ordinal))
        {
            Problem($"state '{row.State}' is not one of runs, plan-only, manual");
            return;
        }

        if (string.IsNullOrWhiteSpace(row.Proof) || row.Proof == "—")
        {
            Problem($"a {row.State} row needs its proof column: the cases or tests that run it, why it is plan-only, or what a person does");
        }

        var playbookName = PlaybookName().Match(row.Playbook);
        var providers = row.Providers == "—" ? [] : row.Providers.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (!playbookName.Success)
        {
            if (row.Playbook != "—")
            {
                Problem($"the playbook cell '{row.Playbook}' is neither `name.yaml` nor —");
            }
            else if (row.State != "manual")
            {
                Problem($"a {row.State} row must name its playbook");
            }
            else if (providers.Length > 0)
            {
                Problem("a row without a playbook lists no providers (write —)");
            }

            return;
        }

        var file = playbookName.Groups[1].Value;
        if (!playbooks.TryGetValue(file, out var forProviders))
        {
            var path = Path.Combine(root, "playbooks", file);
            var loaded = File.Exists(path) ? PlaybookLoader.LoadFile(path, ProviderRegistry.Catalog) : null;
            forProviders = loaded is { IsValid: true } ? PlaybookProviders.For(loaded.Playbook!, ProviderRegistry.Catalog) : null;
            playbooks[file] = forProviders;
            if (loaded is null)
            {
                Problem($"playbooks/{file} does not exist");
            }
            else if (forProviders is null)
            {
                Problem($"playbooks/{file} does not validate ({loaded.Diagnostics.FirstOrDefault(d => d.IsError)?.Message})");
            }
        }

        if (forProviders is null)
        {
            return;
        }

        if (providers.Length == 0)
        {
            Problem($"a row with a playbook lists the providers it {(row.State == "runs" ? "runs" : "is checked")} on");
        }

        foreach (var provider in providers.Where(p => !forProviders.Includes(p)))
        {
            Problem($"lists provider '{provider}', but {file} is for {forProviders.Describe()}");
        }

        if (row.State == "runs")
        {
            CheckProof(row, file, providers, root, Problem);
        }
    }

    private static void CheckProof(CoverageRow row, string playbook, string[] providers, string root, Action<string> problem)
    {
        var quoted = Quoted().Matches(row.Proof).Select(m => m.Groups[1].Value).ToList();
        var cases = quoted.Where(q => q.StartsWith("tests/library/", StringComparison.Ordinal)).ToList();
        var tests = quoted.Where(q => TestName().IsMatch(q)).ToList();
        if (cases.Count == 0 && tests.Count == 0)
        {
            problem("a runs row names the run cases (`tests/library/….yaml`) or the tests (`Class.Method`) that run it; this one names none");
            return;
        }

        var covered = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in cases)
        {
            var full = Path.GetFullPath(Path.Combine(root, name));
            var folder = Path.GetFullPath(Path.Combine(root, "tests", "library")) + Path.DirectorySeparatorChar;
            if (!full.StartsWith(folder, StringComparison.Ordinal) || !CaseFileName().IsMatch(Path.GetFileName(full)))
            {
                problem($"'{name}' is not a run case name (tests/library/<playbook>.<provider>[.<variant>].yaml)");
                continue;
            }

            if (!File.Exists(full))
            {
                problem($"run case {name} does not exist");
                continue;
            }

            var text = File.ReadAllText(full);
            var casePlaybook = TopLevel(text, "playbook");
            var caseProvider = TopLevel(text, "provider");
            if (casePlaybook != $"playbooks/{playbook}")
            {
                problem($"run case {name} runs '{casePlaybook}', not playbooks/{playbook}");
            }

            if (Path.GetFileName(full).Split('.')[1] != caseProvider)
            {
                problem($"run case {name} says provider '{caseProvider}', but its name says {Path.GetFileName(full).Split('.')[1]}");
            }

            if (caseProvider is null || !providers.Contains(caseProvider, StringComparer.Ordinal))
            {
                problem($"run case {name} runs on '{caseProvider}', which the row does not list");
            }
            else
            {
                covered.Add(caseProvider);
            }
        }

        if (cases.Count > 0)
        {
            foreach (var provider in providers.Where(p => !covered.Contains(p)))
            {
                problem($"lists provider '{provider}' but names no run case on it (never claim what is not proven)");
            }
        }

        foreach (var test in tests.Where(t => !TestExists(root, t)))
        {
            problem($"test {test} does not exist under tests/");
        }
    }

    /// <summary>A test named Class.Method exists when some .cs file under tests/ declares the class and the method.</summary>
    private static bool TestExists(string root, string name)
    {
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        var (type, method) = (name[..dot], name[(dot + 1)..]);
        return Directory.EnumerateFiles(Path.Combine(root, "tests"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(File.ReadAllText)
            .Any(t => Regex.IsMatch(t, $@"\bclass {Regex.Escape(type)}\b") && Regex.IsMatch(t, $@"\b(void|Task) {Regex.Escape(method)}\("));
    }

    private static string? TopLevel(string yaml, string key)
    {
        var match = Regex.Match(yaml, $@"^{key}:\s*(\S+)", RegexOptions.Multiline);
        return match.Success ? match.Groups[1].Value.Trim('"', '\'') : null;
    }

    /// <summary>'🔴 Critical (P0)' and 'Critical  (P0)' are the same heading: leading emoji and spacing do not count.</summary>
    public static string NormaliseHeading(string text)
    {
        var start = 0;
        while (start < text.Length && !char.IsLetterOrDigit(text[start]))
        {
            start++;
        }

        return Whitespace().Replace(text[start..].Trim(), " ");
    }

    public static string NormaliseHeadingPath(string path) =>
        string.Join(" › ", path.Split('›').Select(p => NormaliseHeading(p.Trim())));

    [GeneratedRegex(@"`([a-z0-9-]+\.md)`")]
    private static partial Regex SectionFile();

    [GeneratedRegex(@"^(#{1,6})\s+(.+?)\s*#*$")]
    private static partial Regex AtxHeading();

    [GeneratedRegex(@"^`([a-z0-9][a-z0-9-]*\.yaml)`$")]
    private static partial Regex PlaybookName();

    [GeneratedRegex(@"`([^`]+)`")]
    private static partial Regex Quoted();

    [GeneratedRegex(@"^[A-Z][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex TestName();

    [GeneratedRegex(@"^[a-z0-9][a-z0-9-]*\.(compose|kubernetes|aws|azure|gcp)(\.[a-z0-9-]+)?\.yaml$")]
    private static partial Regex CaseFileName();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
