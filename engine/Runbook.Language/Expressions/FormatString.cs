using System.Collections.Immutable;
using System.Globalization;
using System.Text;

namespace Runbook.Language.Expressions;

/// <summary>
/// The format string of GitHub's <c>format()</c>, read the way GitHub Actions reads it: <c>{N}</c> is
/// argument N, <c>{{</c> and <c>}}</c> are literal braces, and anything else with a brace (a lone <c>{</c>
/// or <c>}</c>, <c>{x}</c>, <c>{0:x}</c>) is an error. One reader for the checker (literal format strings)
/// and the evaluator (computed ones), so both refuse the same strings.
/// </summary>
public sealed class FormatString
{
    private readonly ImmutableArray<Piece> _pieces;

    private FormatString(ImmutableArray<Piece> pieces) => _pieces = pieces;

    /// <summary>Every argument index the string uses, in order of appearance.</summary>
    public IEnumerable<int> Indexes => _pieces.Where(p => p.Index >= 0).Select(p => p.Index);

    /// <summary>The offset (in the format string) of the first placeholder whose index is not below <paramref name="count"/>.</summary>
    public (int Index, int Offset)? FirstBeyond(int count) =>
        _pieces.FirstOrDefault(p => p.Index >= count) is { Index: >= 0 } piece ? (piece.Index, piece.Offset) : null;

    /// <summary>The string, or why it is not a format string and at which offset.</summary>
    public static (FormatString? Format, string? Error, int Offset) Parse(string text)
    {
        var pieces = ImmutableArray.CreateBuilder<Piece>();
        var literal = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c is '{' or '}' && i + 1 < text.Length && text[i + 1] == c)
            {
                literal.Append(c);
                i++;
                continue;
            }

            if (c == '}')
            {
                return (null, "a lone '}' (write '}}' for a brace)", i);
            }

            if (c != '{')
            {
                literal.Append(c);
                continue;
            }

            var close = text.IndexOf('}', i + 1);
            if (close < 0)
            {
                return (null, "a lone '{' (write '{{' for a brace)", i);
            }

            var digits = text.AsSpan(i + 1, close - i - 1);
            if (digits.IsEmpty || digits.Length > 9 || !int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            {
                return (null, $"'{text[i..(close + 1)]}' is not a placeholder: write {{0}}, {{1}} … for the arguments after the format string, '{{{{' for a brace", i);
            }

            pieces.Add(new Piece(literal.ToString(), -1, i));
            literal.Clear();
            pieces.Add(new Piece(string.Empty, index, i));
            i = close;
        }

        pieces.Add(new Piece(literal.ToString(), -1, text.Length));
        return (new FormatString(pieces.ToImmutable()), null, 0);
    }

    /// <summary>The text with each placeholder replaced by its argument, as text.</summary>
    /// <exception cref="FormatException">A placeholder names an argument that was not given.</exception>
    public string Apply(IReadOnlyList<string> arguments)
    {
        if (FirstBeyond(arguments.Count) is { } beyond)
        {
            throw new FormatException($"placeholder {{{beyond.Index}}} has no argument: {arguments.Count} given after the format string");
        }

        var text = new StringBuilder();
        foreach (var piece in _pieces)
        {
            text.Append(piece.Index >= 0 ? arguments[piece.Index] : piece.Literal);
        }

        return text.ToString();
    }

    /// <summary>Literal text (Index -1) or one placeholder, and where it starts.</summary>
    private sealed record Piece(string Literal, int Index, int Offset);
}
