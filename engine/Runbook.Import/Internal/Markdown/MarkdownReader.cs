using System.Collections.Immutable;
using System.Text.RegularExpressions;

namespace Runbook.Import.Internal.Markdown;

/// <summary>
/// A reader for the CommonMark subset runbooks use: ATX headings, fenced code blocks with their info string, bulleted
/// and numbered list items, pipe tables and paragraphs. Anything else (HTML, block quotes, setext headings) reads as
/// prose. No package: the subset is small, and a page's structure is all the importer needs.
/// </summary>
internal static partial class MarkdownReader
{
    public static ImmutableArray<MarkdownBlock> Read(string text)
    {
        var lines = text.Split('\n');
        var blocks = ImmutableArray.CreateBuilder<MarkdownBlock>();
        var paragraph = new List<string>();
        var paragraphLine = 0;

        void EndParagraph()
        {
            if (paragraph.Count > 0)
            {
                blocks.Add(new ParagraphBlock(paragraphLine, string.Join(' ', paragraph)));
                paragraph.Clear();
            }
        }

        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            var number = i + 1;
            if (Fence().Match(line) is { Success: true } fence)
            {
                EndParagraph();
                var marker = fence.Groups["fence"].Value;
                var info = fence.Groups["info"].Value.Trim();
                var language = info.Split(' ', 2)[0].Trim('{', '}', '.').ToLowerInvariant();
                var code = ImmutableArray.CreateBuilder<string>();
                var indent = fence.Groups["indent"].Value.Length;
                i++;
                // An unclosed fence runs to the end of the page, as CommonMark says.
                for (; i < lines.Length; i++)
                {
                    var inner = lines[i].TrimEnd('\r');
                    if (IsClosingFence(inner, marker))
                    {
                        break;
                    }

                    code.Add(StripIndent(inner, indent));
                }

                blocks.Add(new CodeBlock(number, language, code.ToImmutable()));
                continue;
            }

            if (Heading().Match(line) is { Success: true } heading)
            {
                EndParagraph();
                var title = ClosingHashes().Replace(heading.Groups["text"].Value, string.Empty).Trim();
                blocks.Add(new HeadingBlock(number, heading.Groups["hashes"].Length, title));
                continue;
            }

            if (line.TrimStart().StartsWith('|') && i + 1 < lines.Length && TableDelimiter().IsMatch(lines[i + 1].TrimEnd('\r')))
            {
                EndParagraph();
                var rows = ImmutableArray.CreateBuilder<ImmutableArray<string>>();
                rows.Add(Cells(line));
                i += 2;
                for (; i < lines.Length && lines[i].TrimStart().StartsWith('|'); i++)
                {
                    rows.Add(Cells(lines[i].TrimEnd('\r')));
                }

                i--;
                blocks.Add(new TableBlock(number, rows.ToImmutable()));
                continue;
            }

            if (ListItem().Match(line) is { Success: true } item)
            {
                EndParagraph();
                blocks.Add(new ListItemBlock(number, char.IsAsciiDigit(item.Groups["marker"].Value[0]), item.Groups["text"].Value.Trim()));
                continue;
            }

            if (string.IsNullOrWhiteSpace(line))
            {
                EndParagraph();
                continue;
            }

            if (paragraph.Count == 0)
            {
                paragraphLine = number;
            }

            paragraph.Add(line.Trim());
        }

        EndParagraph();
        return blocks.ToImmutable();
    }

    private static bool IsClosingFence(string line, string marker)
    {
        var trimmed = line.Trim();
        return trimmed.Length >= marker.Length && trimmed.All(c => c == marker[0]) && line.Length - line.TrimStart().Length <= 3;
    }

    private static string StripIndent(string line, int indent)
    {
        var strip = 0;
        while (strip < indent && strip < line.Length && line[strip] == ' ')
        {
            strip++;
        }

        return line[strip..];
    }

    private static ImmutableArray<string> Cells(string line)
    {
        var trimmed = line.Trim();
        if (trimmed.StartsWith('|'))
        {
            trimmed = trimmed[1..];
        }

        if (trimmed.EndsWith('|'))
        {
            trimmed = trimmed[..^1];
        }

        return [.. trimmed.Split('|').Select(c => c.Trim())];
    }

    [GeneratedRegex(@"^(?<indent> {0,3})(?<fence>`{3,}|~{3,})(?<info>[^`]*)$")]
    private static partial Regex Fence();

    [GeneratedRegex(@"^ {0,3}(?<hashes>#{1,6})(?:[ \t]+(?<text>.*))?$")]
    private static partial Regex Heading();

    [GeneratedRegex(@"[ \t]+#+[ \t]*$")]
    private static partial Regex ClosingHashes();

    [GeneratedRegex(@"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")]
    private static partial Regex TableDelimiter();

    [GeneratedRegex(@"^\s*(?<marker>[-*+]|\d{1,9}[.)])\s+(?<text>.*)$")]
    private static partial Regex ListItem();
}
