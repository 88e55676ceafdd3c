using System.Collections.Immutable;
using System.Text;
using Runbook.Import.Internal;
using Runbook.Import.Internal.Drafting;
using Runbook.Import.Internal.Markdown;
using Runbook.Language;
using Runbook.Language.Actions;
using Runbook.Language.Diagnostics;
using Runbook.Language.Text;

namespace Runbook.Import;

/// <summary>What an import is for: where the drafts will live (their paths in diagnostics) and the provider to favour.</summary>
/// <param name="OutputDirectory">The folder the drafts are written to; the checker sees each draft at its path there.</param>
/// <param name="ProviderHint">When given: per-platform variants keep only this provider's commands, and each draft is checked on it.</param>
public sealed record ImportOptions(string OutputDirectory, ProviderDescriptor? ProviderHint = null);

/// <summary>
/// <c>runbook import</c>: a markdown runbook in, draft playbooks out. Sections with shell commands become playbooks, the
/// commands steps (actions where a provider covers them), and each draft is checked by the language's own loader
/// before it is returned; what the checker rejects falls back step by step, down to a step done by hand. Pure:
/// reads the runbook, writes nothing (see <see cref="DraftWriter"/>), same input, same output.
/// </summary>
public static class Importer
{
    /// <summary>Drafts are small; a runbook larger than the language's file limit is the wrong file.</summary>
    public static ImportResult ImportFile(string path, ActionCatalog catalog, ImportOptions options)
    {
        byte[] bytes;
        try
        {
            var info = new FileInfo(path);
            if (info.Exists && info.Length > SourceDecoder.MaxFileBytes)
            {
                var bag = new DiagnosticBag();
                bag.Add(Descriptors.ImportTooLarge, SourceSpan.None(path),
                    $"the runbook is {info.Length / 1024 / 1024.0:0.0} MiB; runbooks are limited to {SourceDecoder.MaxFileBytes / 1024 / 1024} MiB",
                    "import the runbook's procedures from a smaller file, one page per team or service");
                return new ImportResult(path, bag.ToSortedList().ToImmutableArray(), []);
            }

            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            var bag = new DiagnosticBag();
            bag.Add(Descriptors.ImportUnreadable, SourceSpan.None(path), $"cannot read the runbook: {ex.Message}", "check the path and its permissions");
            return new ImportResult(path, [.. bag.Items], []);
        }

        return Import(path, bytes, catalog, options);
    }

    public static ImportResult Import(string path, ReadOnlySpan<byte> bytes, ActionCatalog catalog, ImportOptions options)
    {
        var diagnostics = new DiagnosticBag();
        var source = RunbookText.Decode(path, bytes, diagnostics);
        if (source is null)
        {
            return new ImportResult(path, [.. diagnostics.ToSortedList()], []);
        }

        var blocks = MarkdownReader.Read(source.Text);
        if (!blocks.Any(b => b is HeadingBlock or CodeBlock or ListItemBlock or TableBlock))
        {
            diagnostics.Add(Descriptors.ImportNotMarkdown, SourceSpan.At(path, 1, 1),
                "no heading, list, table or fenced code block: this does not read as a markdown runbook",
                "point runbook import at a markdown runbook: sections (## headings) with their commands in ```bash blocks");
            return new ImportResult(path, [.. diagnostics.ToSortedList()], []);
        }

        var sources = Sources.Find(Section.Tree(blocks));
        if (sources.IsEmpty)
        {
            var firstCode = blocks.OfType<CodeBlock>().FirstOrDefault();
            diagnostics.Add(Descriptors.ImportNoCommands, firstCode is null ? SourceSpan.At(path, 1, 1) : SourceSpan.At(path, firstCode.Line, 1),
                firstCode is null
                    ? "the runbook has no fenced code blocks, so there are no commands to turn into steps"
                    : $"no shell commands: the fenced blocks are not marked as shell (this one says '{(firstCode.Language.Length == 0 ? "nothing" : firstCode.Language)}') or hold only comments and variables",
                "put each procedure's commands in a block that starts with ```bash (or sh, shell, console)");
            return new ImportResult(path, [.. diagnostics.ToSortedList()], []);
        }

        var fileName = Path.GetFileName(path);
        var names = new HashSet<string>(StringComparer.Ordinal);
        var drafts = ImmutableArray.CreateBuilder<DraftPlaybook>();
        foreach (var playbook in sources)
        {
            var name = UniqueName(Slug(playbook.Section.Heading is null ? Path.GetFileNameWithoutExtension(path) : playbook.Section.Title), names);
            var draftPath = Path.Combine(options.OutputDirectory, name + ".yaml");
            if (Draft(playbook, path, name, fileName, draftPath, catalog, options, diagnostics) is { } draft)
            {
                drafts.Add(draft);
            }
        }

        return new ImportResult(path, [.. diagnostics.ToSortedList()], drafts.ToImmutable());
    }

    /// <summary>Emits a draft, checks it, and lets each step the checker rejects fall back one level, until it validates.</summary>
    private static DraftPlaybook? Draft(PlaybookSource playbook, string markdownPath, string name, string fileName, string draftPath, ActionCatalog catalog, ImportOptions options,
        DiagnosticBag diagnostics)
    {
        var fallbacks = new Dictionary<int, Fallback>();
        for (var attempt = 0; attempt < 64; attempt++)
        {
            var emission = new DraftEmitter(playbook, name, fileName, catalog, options.ProviderHint?.Name, fallbacks).Emit();
            var loaded = PlaybookLoader.Load(new SourceText(draftPath, emission.Yaml), catalog, options.ProviderHint);
            var errors = loaded.Diagnostics.Where(d => d.IsError).ToList();
            if (errors.Count == 0)
            {
                return new DraftPlaybook(name + ".yaml", name, playbook.Section.Title, playbook.Section.Line, emission.Yaml, emission.Summary, [.. loaded.Diagnostics]);
            }

            var changed = false;
            foreach (var error in errors)
            {
                var step = emission.StepLines.Where(r => r.Start <= error.Span.Line && error.Span.Line <= r.End).Select(r => (int?)r.SourceLine).FirstOrDefault();
                if (step is { } line && (fallbacks.TryGetValue(line, out var level) ? level : Fallback.None) is var current && current < Fallback.ByHand)
                {
                    fallbacks[line] = current + 1;
                    changed = true;
                }
            }

            if (!changed)
            {
                var first = errors[0];
                diagnostics.Add(Descriptors.ImportDraftInvalid, SourceSpan.At(markdownPath, playbook.Section.Line, 1),
                    $"the draft for section \"{playbook.Section.Title}\" (line {playbook.Section.Line}) does not validate: {first}; it was not written",
                    "this is a bug in runbook import: please report it with the section of the runbook");
                return null;
            }
        }

        return null;
    }

    private static string UniqueName(string name, HashSet<string> names)
    {
        var unique = name;
        for (var i = 2; !names.Add(unique); i++)
        {
            unique = $"{name}-{i}";
        }

        return unique;
    }

    /// <summary>A playbook name from a heading: lower case, words joined by '-', without its number ("Step 1:", "Option 2:").</summary>
    public static string Slug(string title)
    {
        var text = Sources.Clean(title);
        var result = new StringBuilder();
        foreach (var c in text.ToLowerInvariant())
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                result.Append(c);
            }
            else if (result.Length > 0 && result[^1] != '-')
            {
                result.Append('-');
            }

            if (result.Length >= 60)
            {
                break;
            }
        }

        var slug = result.ToString().Trim('-');
        return slug.Length == 0 ? "procedure" : slug;
    }
}
