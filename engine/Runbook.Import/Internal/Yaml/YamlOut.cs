using System.Globalization;
using System.Text;

namespace Runbook.Import.Internal.Yaml;

/// <summary>A node of the YAML the importer writes: every string from the markdown is a quoted scalar or a literal block.</summary>
internal abstract record YNode;

/// <summary>Text: written double-quoted (one line) or as a literal block (several lines), never plain.</summary>
internal sealed record YText(string Value) : YNode;

/// <summary>A word the importer itself chose (a number, a boolean, an action name); never from the markdown.</summary>
internal sealed record YWord(string Value) : YNode;

internal sealed record YEntry(string Key, YNode Value, IReadOnlyList<string>? Comments = null);

internal sealed record YMap(List<YEntry> Entries) : YNode
{
    public YMap()
        : this([])
    {
    }

    public YMap Add(string key, YNode value, IReadOnlyList<string>? comments = null)
    {
        Entries.Add(new YEntry(key, value, comments));
        return this;
    }

    public YMap Text(string key, string value) => Add(key, new YText(value));

    public YMap Word(string key, string value) => Add(key, new YWord(value));
}

internal sealed record YItem(YNode Value, IReadOnlyList<string>? Comments = null);

internal sealed record YList(List<YItem> Items) : YNode;

/// <summary>
/// Writes the node tree as YAML text. Strings are escaped so that nothing in them can end the scalar, start a key
/// or a comment, or open an anchor: what the markdown said stays data. The same tree always gives the same bytes.
/// </summary>
internal static class YamlOut
{
    public static string Write(YMap root, IEnumerable<string> header, Action<int, int>? onItemLines = null)
    {
        var writer = new Writer(onItemLines);
        foreach (var line in header)
        {
            writer.Comment(0, line);
        }

        writer.Map(root, 0);
        return writer.ToString();
    }

    /// <summary>A comment's text on one line, with nothing that could end it.</summary>
    public static string CommentText(string text)
    {
        var result = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            result.Append(char.IsControl(c) || c is '\u2028' or '\u2029' or '\u0085' or '\uFEFF' ? ' ' : c);
        }

        return result.ToString().TrimEnd();
    }

    public static string Quote(string value)
    {
        var result = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"':
                    result.Append("\\\"");
                    break;
                case '\\':
                    result.Append("\\\\");
                    break;
                case '\n':
                    result.Append("\\n");
                    break;
                case '\t':
                    result.Append("\\t");
                    break;
                case '\r':
                    result.Append("\\r");
                    break;
                case '\u0085':
                    result.Append("\\N");
                    break;
                case '\u2028':
                    result.Append("\\L");
                    break;
                case '\u2029':
                    result.Append("\\P");
                    break;
                case '\uFEFF':
                    result.Append("\\uFEFF");
                    break;
                default:
                    if (char.IsControl(c))
                    {
                        result.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        result.Append(c);
                    }

                    break;
            }
        }

        return result.Append('"').ToString();
    }

    /// <summary>Several lines that a literal block keeps exactly: no control characters, no line breaks YAML reads differently, no trailing spaces.</summary>
    private static bool FitsLiteralBlock(string value) =>
        value.Contains('\n', StringComparison.Ordinal)
        && !value.Any(c => (char.IsControl(c) && c != '\n') || c is '\u0085' or '\u2028' or '\u2029' or '\uFEFF')
        && value.Split('\n').All(l => l.Length == 0 || !char.IsWhiteSpace(l[^1]))
        && !value.EndsWith('\n') && !value.StartsWith('\n') && !char.IsWhiteSpace(value[0]);

    private sealed class Writer(Action<int, int>? onItemLines)
    {
        private readonly StringBuilder _text = new();
        private int _line = 1;

        public override string ToString() => _text.ToString();

        public void Comment(int indent, string text) => Line(indent, "# " + CommentText(text));

        private void Line(int indent, string text)
        {
            _text.Append(' ', indent).Append(text).Append('\n');
            _line++;
        }

        public void Map(YMap map, int indent, string? firstPrefix = null)
        {
            var first = true;
            foreach (var entry in map.Entries)
            {
                foreach (var comment in entry.Comments ?? [])
                {
                    Comment(indent, comment);
                }

                var prefix = first && firstPrefix is not null ? firstPrefix : new string(' ', indent);
                first = false;
                Entry(prefix, indent, entry.Key, entry.Value);
            }
        }

        private void Entry(string prefix, int indent, string key, YNode value)
        {
            switch (value)
            {
                case YText text when FitsLiteralBlock(text.Value):
                    Raw(prefix + key + ": |-");
                    foreach (var line in text.Value.Split('\n'))
                    {
                        if (line.Length == 0)
                        {
                            Raw(string.Empty);
                        }
                        else
                        {
                            Line(indent + 2, line);
                        }
                    }

                    break;
                case YText text:
                    Raw(prefix + key + ": " + Quote(text.Value));
                    break;
                case YWord word:
                    Raw(prefix + key + ": " + word.Value);
                    break;
                case YMap { Entries.Count: 0 }:
                    Raw(prefix + key + ": {}");
                    break;
                case YMap nested:
                    Raw(prefix + key + ":");
                    Map(nested, indent + 2);
                    break;
                case YList { Items.Count: 0 }:
                    Raw(prefix + key + ": []");
                    break;
                case YList list:
                    Raw(prefix + key + ":");
                    List(list, indent + 2);
                    break;
            }
        }

        private void List(YList list, int indent)
        {
            foreach (var item in list.Items)
            {
                foreach (var comment in item.Comments ?? [])
                {
                    Comment(indent, comment);
                }

                var start = _line;
                switch (item.Value)
                {
                    case YMap map when map.Entries.Count > 0:
                        Map(map, indent + 2, new string(' ', indent) + "- ");
                        break;
                    case YText text:
                        Line(indent, "- " + Quote(text.Value));
                        break;
                    case YWord word:
                        Line(indent, "- " + word.Value);
                        break;
                    default:
                        Line(indent, "- {}");
                        break;
                }

                onItemLines?.Invoke(start, _line - 1);
            }
        }

        private void Raw(string text)
        {
            _text.Append(text).Append('\n');
            _line++;
        }
    }
}
