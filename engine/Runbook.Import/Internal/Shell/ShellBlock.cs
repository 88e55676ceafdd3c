using System.Collections.Immutable;
using System.Text;

namespace Runbook.Import.Internal.Shell;

/// <summary>A line of a shell block as the importer sees it: a comment, a blank line, or a whole command.</summary>
internal abstract record ShellLine(int Line);

internal sealed record ShellComment(int Line, string Text) : ShellLine(Line);

internal sealed record ShellBlank(int Line) : ShellLine(Line);

/// <summary>A command as written, over one or more lines (continuations, open quotes, here-documents joined).</summary>
internal sealed record ShellCommand(int Line, int EndLine, string Text) : ShellLine(Line);

/// <summary>
/// Splits a shell code block into comments, blank lines and commands. A command ends at a line break outside
/// quotes, a trailing backslash and a here-document's body; so <c>psql -c "</c> … <c>"</c> is one command.
/// </summary>
internal static class ShellBlock
{
    public static ImmutableArray<ShellLine> Split(ImmutableArray<string> lines, int firstLine, bool console)
    {
        var result = ImmutableArray.CreateBuilder<ShellLine>();
        var command = new StringBuilder();
        var start = 0;
        var state = new ScanState();
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            var number = firstLine + i;
            if (command.Length == 0)
            {
                var trimmed = line.Trim();
                if (trimmed.Length == 0)
                {
                    result.Add(new ShellBlank(number));
                    continue;
                }

                if (trimmed.StartsWith('#'))
                {
                    result.Add(new ShellComment(number, trimmed.TrimStart('#').Trim()));
                    continue;
                }

                if (console && (trimmed.StartsWith("$ ", StringComparison.Ordinal) || trimmed == "$"))
                {
                    line = trimmed[1..].TrimStart();
                }
                else if (console)
                {
                    // Output shown in a console block, not a command.
                    continue;
                }

                start = number;
            }
            else
            {
                command.Append('\n');
            }

            command.Append(line);
            state.Scan(line);
            if (!state.Continues)
            {
                result.Add(new ShellCommand(start, number, command.ToString()));
                command.Clear();
                state = new ScanState();
            }
        }

        if (command.Length > 0)
        {
            result.Add(new ShellCommand(start, firstLine + lines.Length - 1, command.ToString()));
        }

        return result.ToImmutable();
    }

    /// <summary>Quote, continuation and here-document state across the lines of one command.</summary>
    private sealed class ScanState
    {
        private char? _quote;
        private bool _continued;
        private readonly Queue<string> _heredocs = new();
        private string? _inHeredoc;
        private int _parens;

        public bool Continues => _quote is not null || _continued || _inHeredoc is not null || _heredocs.Count > 0 || _parens > 0;

        public void Scan(string line)
        {
            _continued = false;
            if (_inHeredoc is { } terminator)
            {
                if (line.Trim() == terminator)
                {
                    _inHeredoc = _heredocs.Count > 0 ? _heredocs.Dequeue() : null;
                }

                return;
            }

            for (var i = 0; i < line.Length; i++)
            {
                var c = line[i];
                if (_quote == '\'')
                {
                    if (c == '\'')
                    {
                        _quote = null;
                    }

                    continue;
                }

                if (c == '\\')
                {
                    if (i == line.Length - 1)
                    {
                        _continued = true;
                    }

                    i++;
                    continue;
                }

                if (_quote == '"')
                {
                    if (c == '"')
                    {
                        _quote = null;
                    }

                    continue;
                }

                switch (c)
                {
                    case '\'' or '"':
                        _quote = c;
                        break;
                    case '#' when i == 0 || char.IsWhiteSpace(line[i - 1]):
                        i = line.Length;
                        break;
                    case '(':
                        _parens++;
                        break;
                    case ')' when _parens > 0:
                        _parens--;
                        break;
                    case '<' when i + 1 < line.Length && line[i + 1] == '<' && (i + 2 >= line.Length || line[i + 2] != '<'):
                        var word = HeredocWord(line, i + 2, out var end);
                        if (word.Length > 0)
                        {
                            _heredocs.Enqueue(word);
                        }

                        i = end - 1;
                        break;
                }
            }

            if (_quote is null && !_continued && _heredocs.Count > 0)
            {
                _inHeredoc = _heredocs.Dequeue();
            }
        }

        private static string HeredocWord(string line, int at, out int end)
        {
            var i = at;
            if (i < line.Length && line[i] == '-')
            {
                i++;
            }

            while (i < line.Length && line[i] == ' ')
            {
                i++;
            }

            var word = new StringBuilder();
            while (i < line.Length && (char.IsAsciiLetterOrDigit(line[i]) || line[i] is '_' or '\'' or '"'))
            {
                if (line[i] is not ('\'' or '"'))
                {
                    word.Append(line[i]);
                }

                i++;
            }

            end = i;
            return word.ToString();
        }
    }
}
