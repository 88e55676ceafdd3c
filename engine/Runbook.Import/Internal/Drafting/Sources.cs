using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Runbook.Import.Internal.Markdown;
using Runbook.Import.Internal.Shell;

namespace Runbook.Import.Internal.Drafting;

/// <summary>The five phases, in the order they run.</summary>
internal enum Phase
{
    Assess,
    Gather,
    Communicate,
    Mitigate,
    Resolve,
}

internal enum SourceKind
{
    Command,
    Message,
}

/// <summary>
/// One command (or message template) of the markdown with what surrounds it: the comment that names it, the platform
/// variant it is (<c># AWS</c>), the notes before it, and the phase the page's headings or lists put it in.
/// </summary>
internal sealed record StepSource(
    SourceKind Kind,
    string Title,
    int Line,
    string Text,
    string? Provider,
    ImmutableArray<string> Notes,
    Phase? Hint,
    ISet<string> Assigned);

/// <summary>A section that becomes one playbook, with its commands in page order and what was left out.</summary>
internal sealed record PlaybookSource(
    Section Section,
    string Description,
    ImmutableArray<StepSource> Steps,
    ImmutableArray<(int Line, string Text)> Skipped,
    ImmutableArray<(int Line, string Text)> TrailingNotes,
    bool Flow);

/// <summary>Finds the sections that are procedures, and reads their shell blocks into step sources.</summary>
internal static partial class Sources
{
    public static ImmutableArray<PlaybookSource> Find(Section root)
    {
        var found = ImmutableArray.CreateBuilder<PlaybookSource>();
        Collect(root, found);
        return found.ToImmutable();
    }

    private static void Collect(Section section, ImmutableArray<PlaybookSource>.Builder found)
    {
        var isFlow = section.Children.Select(c => PhaseOf(c.Title)).OfType<Phase>().Distinct().Count() >= 2;
        var direct = section.Blocks.OfType<CodeBlock>().Any(HasCommands);
        if ((isFlow || direct) && section.Walk().Select(x => x.Block).OfType<CodeBlock>().Any(HasCommands))
        {
            found.Add(Read(section, isFlow));
            return;
        }

        foreach (var child in section.Children)
        {
            Collect(child, found);
        }
    }

    /// <summary>A shell block with at least one command that does more than set a variable.</summary>
    private static bool HasCommands(CodeBlock block) =>
        block.IsShell && ShellBlock.Split(block.Lines, block.Line + 1, block.Language == "console")
            .OfType<ShellCommand>().Any(c => !OnlyAssignment().IsMatch(c.Text.Trim()));

    /// <summary>The phase a heading or list item names by its first word ("Step 1: Assess &amp; Triage", "3. Communicate").</summary>
    public static Phase? PhaseOf(string title)
    {
        var text = Numbering().Replace(title, string.Empty).TrimStart();
        var word = FirstWord().Match(text) is { Success: true } m ? m.Value.ToLowerInvariant() : string.Empty;
        return word switch
        {
            "assess" or "assessment" or "triage" or "detect" or "detection" or "identify" => Phase.Assess,
            "gather" or "investigate" or "investigation" or "collect" or "diagnose" or "diagnosis" => Phase.Gather,
            "communicate" or "communication" or "notify" or "escalate" or "escalation" or "announce" => Phase.Communicate,
            "mitigate" or "mitigation" or "remediate" or "remediation" or "contain" or "containment" or "fix" => Phase.Mitigate,
            "resolve" or "resolution" or "verify" or "verification" or "validate" or "recover" or "recovery" or "post-incident"
                or "postmortem" or "post-mortem" or "close" or "follow-up" => Phase.Resolve,
            _ => null,
        };
    }

    private static PlaybookSource Read(Section section, bool isFlow)
    {
        var steps = ImmutableArray.CreateBuilder<StepSource>();
        var skipped = ImmutableArray.CreateBuilder<(int, string)>();
        var description = new List<string>();
        var notes = new List<string>();
        var trailing = ImmutableArray.CreateBuilder<(int, string)>();
        Phase? hint = null;
        Section? current = null;
        var headed = new Dictionary<Section, Phase?>(ReferenceEqualityComparer.Instance);
        HeadedPhases(section, null, headed);
        foreach (var (owner, block) in section.Walk())
        {
            if (!ReferenceEquals(owner, current))
            {
                // A sub-heading's phase holds for everything under it, even when the heading itself has no text
                // ("### Step 4: Mitigate" → "#### Database Issues" → its commands).
                current = owner;
                hint = headed[owner] ?? hint;
            }

            switch (block)
            {
                case ParagraphBlock paragraph when ReferenceEquals(owner, section) && description.Count < 3:
                    description.Add(paragraph.Text);
                    break;
                case ListItemBlock { Ordered: true } item when PhaseOf(item.Text) is { } listed:
                    hint = listed;
                    break;
                case CodeBlock code when code.IsShell:
                    ReadShell(code, owner, hint, steps, notes);
                    break;
                case CodeBlock code:
                    skipped.Add((code.Line, $"a {(code.Language.Length == 0 ? "plain" : code.Language)} block ({code.Lines.Length} lines) is configuration or code, not commands: it was not imported"));
                    break;
            }
        }

        foreach (var note in notes)
        {
            trailing.Add((0, note));
        }

        return new PlaybookSource(section, string.Join("\n\n", description), steps.ToImmutable(), skipped.ToImmutable(), trailing.ToImmutable(), isFlow || steps.Any(s => s.Hint is not null));
    }

    private static void HeadedPhases(Section section, Phase? inherited, Dictionary<Section, Phase?> phases)
    {
        phases[section] = inherited;
        foreach (var child in section.Children)
        {
            HeadedPhases(child, PhaseOf(child.Title) ?? inherited, phases);
        }
    }

    /// <summary>
    /// Reads one shell block. A run of comments directly before a command names it: its first comment that is not a
    /// platform label (<c># AWS</c>, <c># Azure: …</c>); the run's other comments are notes. A comment run without a
    /// command is a note, or a message template when it says so or starts like one ("🚨 INCIDENT: …").
    /// </summary>
    private static void ReadShell(CodeBlock code, Section owner, Phase? hint, ImmutableArray<StepSource>.Builder steps, List<string> notes)
    {
        var lines = ShellBlock.Split(code.Lines, code.Line + 1, code.Language == "console");
        var assigned = Placeholders.AssignedIn(string.Join('\n', code.Lines));
        var title = owner.Title;
        string? provider = null;
        var run = new List<ShellComment>();
        var prefix = new List<string>();
        var prefixLine = 0;

        void EndRun(bool beforeCommand)
        {
            if (run.Count == 0)
            {
                return;
            }

            var texts = run.Select(c => c.Text).ToList();
            var templateAt = texts.FindIndex(t => TemplateLabel().IsMatch(t) || MessageStart().IsMatch(t));
            var labels = texts.Select(Variant).ToList();
            var titled = texts.Select((t, i) => (t, i)).Where(x => labels[x.i] is null && (templateAt < 0 || x.i < templateAt)).Select(x => x.t).ToList();
            if (labels.LastOrDefault(l => l is not null) is { } label)
            {
                provider = label.Length == 0 ? null : label;
            }

            if (titled.Count > 0 && (beforeCommand || templateAt >= 0))
            {
                title = Clean(titled[0]);
                provider = labels.LastOrDefault(l => l is not null) is { Length: > 0 } p ? p : null;
                notes.AddRange(titled.Skip(1));
            }
            else if (titled.Count > 0)
            {
                notes.AddRange(titled);
            }

            if (templateAt >= 0)
            {
                var start = TemplateLabel().IsMatch(texts[templateAt]) ? templateAt + 1 : templateAt;
                var message = texts.Skip(start).ToList();
                if (message.Count > 0)
                {
                    steps.Add(new StepSource(SourceKind.Message, title, run[start < run.Count ? start : templateAt].Line, string.Join('\n', message),
                        null, [.. notes], hint, assigned));
                    notes.Clear();
                }
            }

            run.Clear();
        }

        foreach (var line in lines)
        {
            switch (line)
            {
                case ShellComment comment:
                    run.Add(comment);
                    break;
                case ShellBlank:
                    EndRun(beforeCommand: false);
                    break;
                case ShellCommand command when OnlyAssignment().IsMatch(command.Text.Trim()):
                    EndRun(beforeCommand: true);
                    prefixLine = prefix.Count == 0 ? command.Line : prefixLine;
                    prefix.Add(command.Text);
                    break;
                case ShellCommand command:
                    EndRun(beforeCommand: true);
                    var text = prefix.Count == 0 ? command.Text : string.Join('\n', prefix) + "\n" + command.Text;
                    steps.Add(new StepSource(SourceKind.Command, title, prefix.Count == 0 ? command.Line : prefixLine, text,
                        provider ?? null, [.. notes], hint, assigned));
                    notes.Clear();
                    prefix.Clear();
                    break;
            }
        }

        EndRun(beforeCommand: false);
        if (prefix.Count > 0)
        {
            steps.Add(new StepSource(SourceKind.Command, title, prefixLine, string.Join('\n', prefix), provider, [.. notes], hint, assigned));
            notes.Clear();
        }
    }

    /// <summary>The provider a platform label names: "aws", "azure", "gcp", "compose", "kubernetes"; "" for a label without one ("Cloud"); null when it is no label.</summary>
    public static string? Variant(string comment)
    {
        var m = VariantLabel().Match(comment);
        if (!m.Success)
        {
            return null;
        }

        return m.Groups["name"].Value.ToLowerInvariant() switch
        {
            "aws" => "aws",
            "azure" => "azure",
            "gcp" or "google cloud" => "gcp",
            "docker" or "docker compose" or "docker-compose" or "compose" => "compose",
            "kubernetes" or "k8s" => "kubernetes",
            _ => string.Empty,
        };
    }

    /// <summary>A comment as a step name: without its list number ("3. ") or "Step 2:".</summary>
    public static string Clean(string comment) => Numbering().Replace(comment, string.Empty).Trim().TrimEnd(':').Trim();

    [GeneratedRegex(@"^(?:step\s+\d+\s*[:.-]\s*|option\s+\d+\s*[:.-]\s*|\d+[.)]\s+|[-*]\s+)", RegexOptions.IgnoreCase)]
    private static partial Regex Numbering();

    [GeneratedRegex(@"^[A-Za-z][A-Za-z-]*")]
    private static partial Regex FirstWord();

    [GeneratedRegex(@"^(?<name>AWS|Azure|GCP|Google Cloud|Docker Compose|Docker-Compose|Docker|Compose|Kubernetes|K8s|Cloud|On-prem|Local)\b(?:\s+[A-Za-z][A-Za-z0-9]*){0,3}\s*(?:[:(].*)?$", RegexOptions.IgnoreCase)]
    private static partial Regex VariantLabel();

    [GeneratedRegex(@"^(message\s+)?template\s*:?\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex TemplateLabel();

    /// <summary>A line that starts a message: a symbol (an emoji) then a word in capitals and a colon ("🚨 INCIDENT: …").</summary>
    [GeneratedRegex(@"^[^\w\s#\[\]\-(]{1,4}\s*[A-Z]{3,}[A-Z ]*:")]
    private static partial Regex MessageStart();

    [GeneratedRegex(@"^(?:export\s+)?[A-Za-z_][A-Za-z0-9_]*=(?:""[^""$`]*""|'[^']*'|[^\s;&|$`""'<>()]*)$")]
    private static partial Regex OnlyAssignment();
}
