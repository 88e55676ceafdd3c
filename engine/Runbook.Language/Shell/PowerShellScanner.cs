using System.Text;

namespace Runbook.Language.Shell;

/// <summary>
/// PowerShell never evaluates a variable's value as code on its own (arithmetic and comparisons convert, they do
/// not parse), so the only contexts that matter are the ones that run text: Invoke-Expression, script blocks
/// created from strings, Add-Type, and other shells started with a command string. A statement that contains any
/// of them makes every variable in it code — statement by statement, blocks included, rather than guessing which
/// argument is which.
/// </summary>
internal sealed class PowerShellScanner(string text, ShellFacts facts)
{
    private static readonly HashSet<string> Runners = new(StringComparer.OrdinalIgnoreCase)
    {
        "iex", "invoke-expression", "add-type", "invoke-command", "icm", "start-job", "sajb", "start-threadjob", "invoke-script",
        "new-module", "nmo", "import-module", "ipmo", "set-alias", "new-alias", "sal", "nal", "register-engineevent", "register-objectevent", "start-process", "saps", "start",
        "bash", "sh", "dash", "zsh", "ksh", "pwsh", "pwsh.exe", "powershell", "powershell.exe", "cmd", "cmd.exe", "ssh", "su", "sudo", "python", "python3",
        "perl", "ruby", "node", "eval", "xargs", "watch", ".", "&",
    };

    private static readonly string[] RunnerFragments =
        ["[scriptblock]::create", "scriptblock]::create", ".invokescript(", "newscriptblock(", "$executioncontext", ".create(", "::create(", "invoke("];

    private readonly StringBuilder _statement = new();
    private readonly List<string> _words = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private int _i;
    private int _line = 1;
    private int _statementLine = 1;

    public void Scan()
    {
        var depth = 0;
        while (_i < text.Length)
        {
            var c = text[_i];
            switch (c)
            {
                case '\n':
                    _line++;
                    _i++;
                    if (depth <= 0)
                    {
                        EndStatement();
                    }

                    break;
                case ';' when depth <= 0:
                    _i++;
                    EndStatement();
                    break;
                case '`':
                    _i += 2; // an escape or a line continuation
                    break;
                case '#':
                    while (_i < text.Length && text[_i] != '\n')
                    {
                        _i++;
                    }

                    break;
                case '<' when At(1) == '#':
                    var end = text.IndexOf("#>", _i + 2, StringComparison.Ordinal);
                    end = end < 0 ? text.Length : end + 2;
                    _line += text.AsSpan(_i, end - _i).Count('\n');
                    _i = end;
                    break;
                case '@' when At(1) is '\'' or '"' && At(2) is '\n' or '\r':
                    HereString(At(1));
                    break;
                case '\'':
                    SingleQuoted();
                    break;
                case '"':
                    _i++;
                    DoubleQuoted();
                    break;
                case '$':
                    Variable();
                    break;
                case '(' or '{' or '[':
                    depth++;
                    _statement.Append(c);
                    _i++;
                    break;
                case ')' or '}' or ']':
                    depth--;
                    _statement.Append(c);
                    _i++;
                    break;
                default:
                    if (char.IsWhiteSpace(c))
                    {
                        _statement.Append(' ');
                        _i++;
                        break;
                    }

                    var start = _i;
                    while (_i < text.Length && !char.IsWhiteSpace(text[_i]) && text[_i] is not ('(' or ')' or '{' or '}' or '[' or ']' or ';' or '$' or '\'' or '"' or '`' or '#' or '|' or ','))
                    {
                        _i++;
                    }

                    if (_i == start)
                    {
                        _statement.Append(c);
                        _i++;
                        if (c is '&' or '|')
                        {
                            _words.Add(c.ToString());
                        }

                        break;
                    }

                    var word = text[start.._i];
                    _words.Add(word);
                    _statement.Append(word);
                    break;
            }
        }

        EndStatement();
    }

    private char At(int offset) => _i + offset < text.Length ? text[_i + offset] : '\0';

    private void EndStatement()
    {
        var statement = _statement.ToString().ToLowerInvariant();
        var runner = _words.FirstOrDefault(w => Runners.Contains(w.Trim()))
            ?? RunnerFragments.FirstOrDefault(statement.Contains);
        if (runner is not null)
        {
            facts.Use(_names, ShellValueDemand.Code, $"a PowerShell statement that runs code ({runner})", _statementLine);
        }

        // $x = … : the variable carries what the statement read
        var trimmed = _statement.ToString().TrimStart();
        if (trimmed.StartsWith('$'))
        {
            var name = new string(trimmed.Skip(1).TakeWhile(ch => char.IsLetterOrDigit(ch) || ch is '_' or ':').ToArray());
            var rest = trimmed[(name.Length + 1)..].TrimStart();
            if (name.Length > 0 && (rest.StartsWith('=') && !rest.StartsWith("==", StringComparison.Ordinal) || rest.Length > 1 && rest[1] == '=' && rest[0] is '+' or '-' or '*' or '/'))
            {
                facts.Flow(VariableKey(name), _names.Where(n => n != VariableKey(name)));
            }
        }

        _statement.Clear();
        _words.Clear();
        _names.Clear();
        _statementLine = _line;
    }

    private static string VariableKey(string name) =>
        name.StartsWith("env:", StringComparison.OrdinalIgnoreCase) ? name[4..] : "$" + name.ToLowerInvariant();

    private void Variable()
    {
        _statement.Append('$');
        _i++;
        if (At(0) == '{')
        {
            var close = text.IndexOf('}', _i);
            close = close < 0 ? text.Length : close;
            var name = text[(_i + 1)..close];
            _names.Add(VariableKey(name));
            _statement.Append(name);
            _i = Math.Min(text.Length, close + 1);
            return;
        }

        if (At(0) == '(')
        {
            return; // $( … ): a subexpression, read as part of the statement
        }

        var start = _i;
        while (_i < text.Length && (char.IsLetterOrDigit(text[_i]) || text[_i] is '_' or ':' || text[_i] == '?' && _i == start))
        {
            _i++;
        }

        var variable = text[start.._i].TrimEnd(':');
        _i = start + variable.Length;
        if (variable.Length > 0)
        {
            _names.Add(VariableKey(variable));
            _statement.Append(variable);
        }
    }

    private void SingleQuoted()
    {
        _i++;
        while (_i < text.Length)
        {
            if (text[_i] == '\'' && At(1) == '\'')
            {
                _i += 2;
                continue;
            }

            if (text[_i] == '\'')
            {
                _i++;
                break;
            }

            _line += text[_i] == '\n' ? 1 : 0;
            _i++;
        }

        _statement.Append("''");
    }

    /// <summary>"…" expands $name and $( … ): what it reads belongs to the statement.</summary>
    private void DoubleQuoted()
    {
        while (_i < text.Length)
        {
            var c = text[_i];
            if (c == '`')
            {
                _i += 2;
                continue;
            }

            if (c == '"' && At(1) == '"')
            {
                _i += 2;
                continue;
            }

            if (c == '"')
            {
                _i++;
                break;
            }

            if (c == '$')
            {
                Variable();
                continue;
            }

            _line += c == '\n' ? 1 : 0;
            _statement.Append(c);
            _i++;
        }

        _statement.Append(' ');
    }

    private void HereString(char quote)
    {
        var terminator = "\n" + quote + "@";
        var end = text.IndexOf(terminator, _i, StringComparison.Ordinal);
        end = end < 0 ? text.Length : end + terminator.Length;
        if (quote == '"')
        {
            for (var k = _i; k < end; k++)
            {
                if (text[k] == '$')
                {
                    _i = k;
                    Variable();
                    k = _i - 1;
                }
            }
        }

        _line += text.AsSpan(_i, Math.Max(0, end - _i)).Count('\n');
        _i = end;
    }
}
