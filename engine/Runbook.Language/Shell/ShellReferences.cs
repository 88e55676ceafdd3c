using System.Collections.Immutable;
using System.Text;
using Runbook.Language.Expressions;

namespace Runbook.Language.Shell;

/// <summary>One <c>${{ expr }}</c> of a script and the variable that carries its value.</summary>
public sealed record ShellReference(string Variable, ExpressionPart Expression);

/// <summary>A script with every expression replaced by a quoted variable reference, or why that cannot be done.</summary>
public sealed record ReferencedScript(string Text, ImmutableArray<ShellReference> References, string? Refusal, ExpressionPart? RefusedAt);

/// <summary>
/// The first half of the injection rule: every <c>${{ expr }}</c> in a script becomes a reference to a variable
/// that holds its value — never the value itself — quoted for where it stands, so <c>echo "${{ x }}"</c> works as
/// written. The second half (<see cref="ShellValueContexts"/>) decides where a value may not stand even so.
/// </summary>
public static class ShellReferences
{
    private enum Context
    {
        Code,
        SingleQuoted,
        DoubleQuoted,
        AnsiC,
        Comment,
        HereDocument,
    }

    /// <summary>The script with references in place of expressions; <paramref name="variable"/> names the n-th (from 1).</summary>
    public static ReferencedScript Build(TemplateString script, string shell, Func<int, string>? variable = null)
    {
        variable ??= n => $"RUNBOOK_EXPR_{n}";
        var text = new StringBuilder();
        var references = ImmutableArray.CreateBuilder<ShellReference>();
        var lexer = shell == "pwsh" ? (ILexer)new PowerShellLexer() : new PosixLexer(unquotedInArithmetic: shell == "sh");
        foreach (var part in script.Parts)
        {
            switch (part)
            {
                case LiteralPart literal:
                    text.Append(literal.Text);
                    lexer.Feed(literal.Text);
                    break;
                case ExpressionPart expression:
                    var name = variable(references.Count + 1);
                    references.Add(new ShellReference(name, expression));
                    var reference = lexer.Reference(name);
                    if (reference is null)
                    {
                        return new ReferencedScript(text.ToString(), references.ToImmutable(),
                            "in pwsh, an expression cannot stand inside single quotes (they take nothing from outside); use double quotes or no quotes", expression);
                    }

                    text.Append(reference);
                    lexer.Feed(reference);
                    break;
            }
        }

        return new ReferencedScript(text.ToString(), references.ToImmutable(), null, null);
    }

    private interface ILexer
    {
        void Feed(string text);

        /// <summary>How to refer to variable <paramref name="name"/> here; null when it cannot be done safely.</summary>
        string? Reference(string name);
    }

    /// <summary>Just enough of bash/sh quoting to know, at each point, which quotes we are in.</summary>
    /// <param name="unquotedInArithmetic">
    /// dash refuses quotes inside <c>$(( ))</c>; there the reference stays bare, which is safe because a value
    /// that stands in arithmetic must be an integer literal before the script starts (<see cref="ShellValueCheck"/>).
    /// </param>
    private sealed class PosixLexer(bool unquotedInArithmetic) : ILexer
    {
        private readonly Stack<bool> _arithmetic = new(); // one per open (( or $((: true for $((
        private char _beforePrevious = '\n';
        private Context _context = Context.Code;
        private bool _escaped;
        private bool _wordStart = true;
        private char _previous = '\n';
        private readonly StringBuilder _line = new();
        private string? _pendingHereDocument;
        private bool _hereDocumentStripsTabs;
        private int? _hereDocumentOperatorEnd; // where on this line the delimiter of a '<<' seen in code starts

        public string? Reference(string name) => _context switch
        {
            Context.Code when unquotedInArithmetic && _arithmetic.Contains(true) => $"${{{name}}}",
            Context.Code => $"\"${{{name}}}\"",
            Context.SingleQuoted => $"'\"${{{name}}}\"'",
            Context.AnsiC => $"'\"${{{name}}}\"$'",
            _ => $"${{{name}}}", // double quotes, here-documents (unexpanded in quoted ones: still never code), comments
        };

        public void Feed(string text)
        {
            foreach (var c in text)
            {
                Step(c);
                _beforePrevious = _previous;
                _previous = c;
            }
        }

        private void Step(char c)
        {
            if (c == '\n')
            {
                OnNewLine();
                return;
            }

            _line.Append(c);
            if (_escaped)
            {
                _escaped = false;
                return;
            }

            switch (_context)
            {
                case Context.Code:
                    if (c == '\\')
                    {
                        _escaped = true;
                    }
                    else if (c == '\'')
                    {
                        _context = _previous == '$' ? Context.AnsiC : Context.SingleQuoted;
                    }
                    else if (c == '"')
                    {
                        _context = Context.DoubleQuoted;
                    }
                    else if (c == '#' && _wordStart)
                    {
                        _context = Context.Comment;
                    }
                    else if (c == '(' && _previous == '(')
                    {
                        _arithmetic.Push(_beforePrevious == '$'); // $(( … )) or (( … )): '<<' in there is a shift, not a here-document
                    }
                    else if (c == ')' && _previous == ')' && _arithmetic.Count > 0)
                    {
                        _arithmetic.Pop();
                    }
                    else if (c == '<' && _previous == '<' && _arithmetic.Count == 0)
                    {
                        // '<<' opens a here-document; a third '<' right after makes it a here-string ('<<<') instead.
                        _hereDocumentOperatorEnd = _hereDocumentOperatorEnd == _line.Length - 1 ? null : _hereDocumentOperatorEnd ?? _line.Length;
                    }

                    _wordStart = c is ' ' or '\t' or ';' or '&' or '|' or '(' or ')';
                    break;
                case Context.SingleQuoted when c == '\'':
                    _context = Context.Code;
                    break;
                case Context.AnsiC or Context.DoubleQuoted when c == '\\':
                    _escaped = true;
                    break;
                case Context.AnsiC when c == '\'':
                case Context.DoubleQuoted when c == '"':
                    _context = Context.Code;
                    break;
            }
        }

        private void OnNewLine()
        {
            var line = _line.ToString();
            var operatorEnd = _hereDocumentOperatorEnd;
            _line.Clear();
            _hereDocumentOperatorEnd = null;
            _escaped = false;
            _wordStart = true;
            if (_context == Context.HereDocument)
            {
                var candidate = _hereDocumentStripsTabs ? line.TrimStart('\t') : line;
                if (candidate == _pendingHereDocument)
                {
                    _context = Context.Code;
                    _pendingHereDocument = null;
                }

                return;
            }

            if (_context == Context.Comment)
            {
                _context = Context.Code;
            }

            if (_context == Context.Code && operatorEnd is { } end && HereDocumentDelimiter(line[end..]) is { } delimiter)
            {
                (_pendingHereDocument, _hereDocumentStripsTabs) = delimiter;
                _context = Context.HereDocument;
            }
        }

        /// <summary>
        /// The delimiter after a '&lt;&lt;' that the lexer saw in code (not in quotes, a comment or arithmetic):
        /// <c>EOF</c>, <c>-'EOF'</c>, <c>"EOF"</c>, <c>\EOF</c>.
        /// </summary>
        private static (string Word, bool StripsTabs)? HereDocumentDelimiter(string rest)
        {
            var strips = rest.StartsWith('-');
            rest = rest.TrimStart('-').TrimStart();
            var word = new string(rest.TrimStart('\'', '"', '\\').TakeWhile(ch => char.IsLetterOrDigit(ch) || ch == '_').ToArray());
            return word.Length == 0 ? null : (word, strips);
        }
    }

    /// <summary>PowerShell quoting: '…' takes nothing from outside; "…" expands $(…); ` escapes.</summary>
    private sealed class PowerShellLexer : ILexer
    {
        private Context _context = Context.Code;
        private bool _escaped;

        public string? Reference(string name) => _context switch
        {
            Context.Code => $"$env:{name}",
            Context.DoubleQuoted => $"$($env:{name})",
            _ => null,
        };

        public void Feed(string text)
        {
            foreach (var c in text)
            {
                if (_escaped)
                {
                    _escaped = false;
                    continue;
                }

                switch (_context)
                {
                    case Context.Code when c == '`':
                    case Context.DoubleQuoted when c == '`':
                        _escaped = true;
                        break;
                    case Context.Code when c == '\'':
                        _context = Context.SingleQuoted;
                        break;
                    case Context.Code when c == '"':
                        _context = Context.DoubleQuoted;
                        break;
                    case Context.SingleQuoted when c == '\'':
                    case Context.DoubleQuoted when c == '"':
                        _context = Context.Code;
                        break;
                }
            }
        }
    }
}
