using System.Collections.Immutable;
using System.Text;

namespace Runbook.Import.Internal.Shell;

/// <summary>One word of a command: its value with quotes removed, where it stands in the command's text, and whether it was written plainly.</summary>
internal sealed record ShellWord(string Value, int Start, int End, bool Plain);

/// <summary>A command cut into words. <see cref="HasShellSyntax"/> says whether the shell does more than run one program with these words.</summary>
internal sealed partial record ShellWords(ImmutableArray<ShellWord> Words, bool HasShellSyntax)
{
    public int Count => Words.Length;

    public string this[int index] => Words[index].Value;

    /// <summary>
    /// Splits like a POSIX shell would for a simple command; anything the shell would interpret beyond that (pipes,
    /// redirections, <c>;</c>, <c>&amp;&amp;</c>, <c>$</c> expansions even inside double quotes, backticks, globs-free
    /// parentheses) sets <see cref="HasShellSyntax"/>, so such a command is never turned into an action.
    /// </summary>
    public static ShellWords Parse(string text)
    {
        var words = ImmutableArray.CreateBuilder<ShellWord>();
        var syntax = false;
        var current = new StringBuilder();
        var start = -1;
        var plain = true;
        var i = 0;

        void End(int at)
        {
            if (start >= 0)
            {
                words.Add(new ShellWord(current.ToString(), start, at, plain));
                current.Clear();
                start = -1;
                plain = true;
            }
        }

        while (i < text.Length)
        {
            var c = text[i];
            if (c == '\\' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                End(i);
                i += 2;
                continue;
            }

            if (char.IsWhiteSpace(c))
            {
                End(i);
                i++;
                continue;
            }

            if (start < 0 && c == '#')
            {
                // A comment to the end of the line.
                while (i < text.Length && text[i] != '\n')
                {
                    i++;
                }

                continue;
            }

            if (start < 0)
            {
                start = i;
            }

            switch (c)
            {
                case '\'':
                    plain = false;
                    var close = text.IndexOf('\'', i + 1);
                    close = close < 0 ? text.Length : close;
                    current.Append(text, i + 1, close - i - 1);
                    i = close + 1;
                    break;
                case '"':
                    plain = false;
                    i++;
                    while (i < text.Length && text[i] != '"')
                    {
                        if (text[i] == '\\' && i + 1 < text.Length && text[i + 1] is '"' or '\\' or '$' or '`')
                        {
                            current.Append(text[i + 1]);
                            i += 2;
                            continue;
                        }

                        if (text[i] is '$' or '`')
                        {
                            syntax = true;
                        }

                        current.Append(text[i]);
                        i++;
                    }

                    i++;
                    break;
                case '\\':
                    plain = false;
                    if (i + 1 < text.Length)
                    {
                        current.Append(text[i + 1]);
                    }

                    i += 2;
                    break;
                case '<' when Placeholder().Match(text, i) is { Success: true } placeholder && placeholder.Index == i:
                    // A runbook's <placeholder> is a word to fill in, not a redirection.
                    current.Append(placeholder.Value);
                    i += placeholder.Length;
                    break;
                case '|' or ';' or '&' or '>' or '<' or '$' or '`' or '(' or ')' or '*' or '?' or '[' or '{' or '~' or '\n':
                    syntax = true;
                    plain = false;
                    current.Append(c);
                    i++;
                    break;
                default:
                    current.Append(c);
                    i++;
                    break;
            }
        }

        End(text.Length);
        return new ShellWords(words.ToImmutable(), syntax);
    }

    /// <summary>The value of <c>--name VALUE</c> or <c>--name=VALUE</c> (any of the names given), and the word holding it.</summary>
    public ShellWord? Option(params string[] names)
    {
        for (var i = 0; i < Words.Length; i++)
        {
            var word = Words[i].Value;
            foreach (var name in names)
            {
                if (word == name && i + 1 < Words.Length)
                {
                    return Words[i + 1];
                }

                if (word.StartsWith(name + "=", StringComparison.Ordinal))
                {
                    var w = Words[i];
                    var offset = name.Length + 1;
                    return new ShellWord(word[offset..], w.Start + offset, w.End, w.Plain);
                }
            }
        }

        return null;
    }

    public bool Has(string flag) => Words.Any(w => w.Value == flag || w.Value.StartsWith(flag + "=", StringComparison.Ordinal));

    /// <summary>The words that are neither options nor option values (options named in <paramref name="valued"/> take one).</summary>
    public ImmutableArray<ShellWord> Positionals(params string[] valued)
    {
        var result = ImmutableArray.CreateBuilder<ShellWord>();
        for (var i = 0; i < Words.Length; i++)
        {
            var word = Words[i].Value;
            if (word.StartsWith('-') && word.Length > 1)
            {
                if (!word.Contains('=', StringComparison.Ordinal) && valued.Contains(word))
                {
                    i++;
                }

                continue;
            }

            result.Add(Words[i]);
        }

        return result.ToImmutable();
    }

    /// <summary>The options used (the part before '='), for checking that a mapping understands every one.</summary>
    public IEnumerable<string> Flags => Words.Select(w => w.Value).Where(v => v.StartsWith('-') && v.Length > 1).Select(v => v.Split('=', 2)[0]);

    [System.Text.RegularExpressions.GeneratedRegex(@"\G<[A-Za-z][A-Za-z0-9_-]{0,40}>")]
    private static partial System.Text.RegularExpressions.Regex Placeholder();
}
