using System.Text.RegularExpressions;
using Runbook.Language.Diagnostics;
using Runbook.Language.Text;

namespace Runbook.Import.Internal;

/// <summary>
/// The markdown's bytes as text, with the language's decoder (byte-order marks, NUL bytes, invalid UTF-8, size) and its
/// mis-encoding detector (<see cref="Mojibake"/>), reported in the import's own codes and words.
/// </summary>
internal static partial class RunbookText
{
    public static SourceText? Decode(string path, ReadOnlySpan<byte> bytes, DiagnosticBag diagnostics)
    {
        var language = new DiagnosticBag();
        var source = SourceDecoder.Decode(path, bytes, language);
        foreach (var d in language.Items)
        {
            switch (d.Code)
            {
                case "RB0002":
                    diagnostics.Add(Descriptors.ImportBinary, d.Span, "the file contains NUL bytes: it is binary, not a markdown runbook",
                        "point runbook import at the runbook's .md file");
                    break;
                case "RB0003":
                    diagnostics.Add(Descriptors.ImportInvalidEncoding, d.Span, d.Message.Replace("the file looks like", "the runbook looks like", StringComparison.Ordinal),
                        "re-save the runbook as UTF-8, e.g. iconv -f cp1252 -t utf-8 RUNBOOK.md > RUNBOOK.utf8.md");
                    break;
                case "RB0011":
                    diagnostics.Add(Descriptors.ImportTooLarge, d.Span, d.Message.Replace("playbooks are limited", "runbooks are limited", StringComparison.Ordinal),
                        "import the runbook's procedures from a smaller file, one page per team or service");
                    break;
            }
        }

        if (source is null)
        {
            return null;
        }

        if (string.IsNullOrWhiteSpace(source.Text))
        {
            diagnostics.Add(Descriptors.ImportEmpty, SourceSpan.At(path, 1, 1), "the runbook is empty: there is nothing to import",
                "point runbook import at a markdown runbook with headings and ```bash blocks");
            return null;
        }

        var repair = Mojibake.Repair(source.Text);
        if (repair.Unrepairable is { } at)
        {
            var found = Mojibake.Find(source.Text);
            diagnostics.Add(Descriptors.ImportUnrepairableEncoding, source.Span(at, at + 1),
                $"the runbook is UTF-8 that was read as a legacy code page{(found is { } f ? $" ('{source.Text.Substring(f.Offset, f.Length)}' for '{f.Repaired}')" : string.Empty)}, "
                + $"but '{source.Text[at]}' here is not part of any UTF-8 character: a byte was lost, or the text mixes two encodings, so it cannot be repaired safely",
                "take the runbook from its original (UTF-8) source, or fix the garbled characters by hand");
            return null;
        }

        if (repair.Count > 0 && Mojibake.Find(source.Text) is { } first)
        {
            // A character that lost a byte is unknown: tolerable in a diagram or a comment (the warning names the lines),
            // not in a command or a name.
            var blocks = Markdown.MarkdownReader.Read(repair.Text!);
            foreach (var offset in repair.Lost)
            {
                var position = source.PositionOf(offset);
                if (InImportedText(blocks, position.Line))
                {
                    diagnostics.Add(Descriptors.ImportUnrepairableEncoding, source.Span(offset, offset + 1),
                        $"the runbook is UTF-8 that was read as a legacy code page, and the character here lost a byte on the way ('{source.Text[offset]}…'): "
                        + "it stands in a command or a heading, and which character it was cannot be known",
                        "take the runbook from its original (UTF-8) source, or fix the garbled characters on this line by hand");
                    return null;
                }
            }

            var lostNote = repair.Lost.Count == 0 ? string.Empty
                : $"; {repair.Lost.Count} character{(repair.Lost.Count == 1 ? string.Empty : "s")} had lost a byte and read as \uFFFD (line{(repair.Lost.Count == 1 ? string.Empty : "s")} {string.Join(", ", repair.Lost.Select(o => source.PositionOf(o).Line).Distinct())}), none in a command or heading";
            diagnostics.Add(Descriptors.ImportRepairedEncoding, source.Span(first.Offset, first.Offset + first.Length),
                $"the runbook is UTF-8 that was read as a legacy code page; repaired {repair.Count} garbled run{(repair.Count == 1 ? string.Empty : "s")} "
                + $"(the first: '{source.Text.Substring(first.Offset, first.Length)}' is '{first.Repaired}'){lostNote}",
                "re-save the original as UTF-8 without converting it, so the next import needs no repair");
            source = new SourceText(path, repair.Text!);
        }

        if (LooksLikeOtherFormat(source.Text) is { } other)
        {
            diagnostics.Add(Descriptors.ImportNotMarkdown, SourceSpan.At(path, 1, 1), $"this is {other}, not a markdown runbook",
                other.Contains("playbook", StringComparison.Ordinal) ? "it is already a playbook: check it with runbook validate" : "point runbook import at the runbook's .md file");
            return null;
        }

        return source;
    }

    /// <summary>Whether a line is one the drafts run or are named by: a command line of a shell block (not a comment), or a heading.</summary>
    private static bool InImportedText(IEnumerable<Markdown.MarkdownBlock> blocks, int line) => blocks.Any(b => b switch
    {
        Markdown.CodeBlock code => code.IsShell && line > code.Line && line <= code.Line + code.Lines.Length
            && !code.Lines[line - code.Line - 1].TrimStart().StartsWith('#'),
        Markdown.HeadingBlock heading => heading.Line == line,
        _ => false,
    });

    private static string? LooksLikeOtherFormat(string text)
    {
        var start = text.TrimStart();
        var firstLine = text.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0 && !l.StartsWith('#'));
        if (firstLine is not null && PlaybookYaml().IsMatch(firstLine))
        {
            return "a YAML playbook";
        }

        if (start.StartsWith("<!DOCTYPE", StringComparison.OrdinalIgnoreCase) || start.StartsWith("<html", StringComparison.OrdinalIgnoreCase))
        {
            return "an HTML page";
        }

        if (start.StartsWith('{') || (start.StartsWith('[') && !start.StartsWith("[!", StringComparison.Ordinal) && !MarkdownLink().IsMatch(start)))
        {
            return "JSON";
        }

        return null;
    }

    [GeneratedRegex(@"^(apiVersion|kind|phases):")]
    private static partial Regex PlaybookYaml();

    [GeneratedRegex(@"^\[[^\]\n]+\]\(")]
    private static partial Regex MarkdownLink();
}
