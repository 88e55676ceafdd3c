using System.Text;
using System.Text.RegularExpressions;

namespace Runbook.Language.Shell;

/// <summary>
/// A bash/sh reader that knows just enough grammar — quotes, escapes, line continuations, comments, here-documents,
/// nested <c>$( )</c> and backticks, parameter expansions, arithmetic, <c>[[ ]]</c>, compound commands, pipelines —
/// to tell, for every variable a word expands, what the command does with that word.
/// </summary>
internal sealed partial class PosixScanner
{
    private const char Placeholder = '\u0001'; // stands in a word's text where an expansion is
    private const int MaxDepth = 64;

    private static readonly HashSet<string> ReservedSkipped = ["if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!", "{", "}", "time", "coproc"];
    private static readonly HashSet<string> ArithmeticOperators = ["-eq", "-ne", "-lt", "-le", "-gt", "-ge"];
    private static readonly HashSet<string> DeclareFamily = ["declare", "typeset", "local", "export", "readonly"];

    /// <summary>Builtins and programs whose every argument is, or chooses, code.</summary>
    private static readonly HashSet<string> AllCode =
        ["eval", "trap", "alias", "fc", "bind", "enable", "hash", "complete", "compgen", "watch", "parallel", "ssh", "su", "tmux", "screen", "sg",
         "script", "expect", "at", "batch", "pwsh", "powershell", "pwsh.exe", "powershell.exe", "cmd", "cmd.exe", "rsh", "telnet"];

    /// <summary>Interpreters: the letters of the options whose next word is code, and those that take a non-code argument.</summary>
    private static readonly Dictionary<string, (string CodeOptions, string ArgumentOptions)> Interpreters = new()
    {
        ["sh"] = ("c", "oO"),
        ["bash"] = ("c", "oO"),
        ["dash"] = ("c", "oO"),
        ["zsh"] = ("c", "oO"),
        ["ksh"] = ("c", "oO"),
        ["mksh"] = ("c", "oO"),
        ["ash"] = ("c", "oO"),
        ["yash"] = ("c", "oO"),
        ["rbash"] = ("c", "oO"),
        ["fish"] = ("cC", string.Empty),
        ["csh"] = ("c", string.Empty),
        ["tcsh"] = ("c", string.Empty),
        ["python"] = ("cm", "WX"),
        ["python2"] = ("cm", "WX"),
        ["python3"] = ("cm", "WX"),
        ["perl"] = ("eEMm", "I"),
        ["ruby"] = ("erI", string.Empty),
        ["node"] = ("epr", string.Empty),
        ["nodejs"] = ("epr", string.Empty),
        ["php"] = ("rBREf", "d"),
        ["lua"] = ("el", string.Empty),
        ["awk"] = ("fe", "vF"),
        ["gawk"] = ("fe", "vF"),
        ["mawk"] = ("fe", "vF"),
        ["nawk"] = ("fe", "vF"),
        ["busybox"] = (string.Empty, string.Empty),
        ["sed"] = ("ef", string.Empty),
        ["gsed"] = ("ef", string.Empty),
        ["tclsh"] = (string.Empty, string.Empty),
        ["Rscript"] = ("e", string.Empty),
        ["osascript"] = ("e", string.Empty),
        ["jshell"] = (string.Empty, string.Empty),
    };

    /// <summary>
    /// Commands that run another command: the letters of their options that take an argument, and how many plain
    /// arguments come before the command (timeout's duration, chroot's folder).
    /// </summary>
    private static readonly Dictionary<string, (string ArgumentOptions, int Leading)> Wrappers = new()
    {
        ["sudo"] = ("ugpChDrtTUR", 0),
        ["doas"] = ("uC", 0),
        ["env"] = ("uCS", 0),
        ["exec"] = ("a", 0),
        ["command"] = (string.Empty, 0),
        ["builtin"] = (string.Empty, 0),
        ["nohup"] = (string.Empty, 0),
        ["nice"] = ("n", 0),
        ["timeout"] = ("sk", 1),
        ["time"] = ("fo", 0),
        ["setsid"] = (string.Empty, 0),
        ["stdbuf"] = ("ioe", 0),
        ["chroot"] = (string.Empty, 1),
        ["ionice"] = ("cnpP", 0),
        ["taskset"] = (string.Empty, 1),
        ["flock"] = ("wEc", 1),
        ["runuser"] = ("ugGlcsw", 0),
        ["unbuffer"] = (string.Empty, 0),
        ["nsenter"] = ("tSGrwUmupin", 0),
        ["strace"] = ("eoOpPsSuXabEI", 0),
        ["ltrace"] = ("eoOpsSuaAnD", 0),
        ["systemd-run"] = ("pEuMHs", 0),
        ["chrt"] = (string.Empty, 1),
        ["prlimit"] = ("p", 0),
        ["cgexec"] = ("g", 0),
        ["firejail"] = (string.Empty, 0),
        ["gosu"] = (string.Empty, 1),
        ["su-exec"] = (string.Empty, 1),
        ["faketime"] = ("f", 1),
        ["fakeroot"] = ("is", 0),
        ["dbus-run-session"] = (string.Empty, 0),
        ["catchsegv"] = (string.Empty, 0),
        ["xargs"] = ("IiLlnPdEesaS", 0),
        ["caffeinate"] = (string.Empty, 0),
        ["unshare"] = ("S", 0),
        ["chpst"] = ("ugUenlmdofpc", 0),
    };

    /// <summary>Commands that start processes from their arguments elsewhere (a container, a file search): only an interpreter among their words matters.</summary>
    private static readonly HashSet<string> Launchers = ["find", "kubectl", "docker", "podman", "nerdctl", "crictl", "oc", "lxc", "ctr", "machinectl", "ip", "toolbox", "distrobox", "flatpak-spawn", "multipass", "vagrant", "gcloud", "az", "aws"];

    /// <summary>Variables the shell or the programs it starts read as code or as where code comes from.</summary>
    private static readonly HashSet<string> CodeVariables =
        ["BASH_ENV", "ENV", "PS1", "PS2", "PS3", "PS4", "PROMPT_COMMAND", "SHELLOPTS", "BASHOPTS", "PATH", "LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT",
         "BASH_LOADABLES_PATH", "GIT_SSH_COMMAND", "GIT_SSH", "GIT_EXTERNAL_DIFF", "GIT_EDITOR", "GIT_PAGER", "GIT_ASKPASS", "PAGER", "EDITOR", "VISUAL",
         "LESSOPEN", "LESSCLOSE", "PERL5OPT", "PERL5LIB", "PYTHONSTARTUP", "PYTHONPATH", "NODE_OPTIONS", "RUBYOPT", "SSH_ASKPASS", "SUDO_ASKPASS", "CDPATH", "FIGNORE", "HISTFILE"];

    public static bool IsCodeVariable(string name) => CodeVariables.Contains(name) || name.StartsWith("BASH_FUNC_", StringComparison.Ordinal);

    private readonly string _s;
    private readonly ShellFacts _facts;
    private readonly int _lineOffset;
    private readonly List<HashSet<string>> _collectors;
    private readonly List<HereDocument> _pendingHereDocuments = [];
    private readonly HashSet<string> _aliases = new(StringComparer.Ordinal);
    private int _i;
    private int _depth;
    private Command? _lastClassified; // the last command classified: a command substitution prints its output

    public PosixScanner(string text, ShellFacts facts, int lineOffset = 0, List<HashSet<string>>? collectors = null, int depth = 0)
    {
        _s = text;
        _facts = facts;
        _lineOffset = lineOffset;
        _collectors = collectors ?? [];
        _depth = depth;
    }

    public void Scan() => ParseSequence(closer: null);

    private sealed class Word
    {
        public readonly StringBuilder Literal = new();
        public readonly List<(string Name, int At)> Names = [];
        public bool Quoted;
        public bool Expanded;
        public int Line;

        public string Text => Literal.ToString();

        public IEnumerable<string> NameSet => Names.Select(n => n.Name);
    }

    private sealed class Command(int line)
    {
        public readonly List<Word> Words = [];
        public readonly List<Word> Assignments = [];
        public readonly HashSet<string> Stdin = new(StringComparer.Ordinal);
        public readonly int Line = line;

        public bool IsEmpty => Words.Count == 0 && Assignments.Count == 0 && Stdin.Count == 0;

        public IEnumerable<string> AllNames => Words.Concat(Assignments).SelectMany(w => w.NameSet).Concat(Stdin);
    }

    private sealed record HereDocument(string Delimiter, bool StripsTabs, bool Quoted, Command Command);

    private int Line => _lineOffset + 1 + _s.AsSpan(0, Math.Min(_i, _s.Length)).Count('\n');

    private char At(int offset) => _i + offset < _s.Length ? _s[_i + offset] : '\0';

    private bool StartsWith(string token) => string.CompareOrdinal(_s, _i, token, 0, token.Length) == 0;

    private void Enter()
    {
        if (++_depth > MaxDepth)
        {
            throw new InsufficientExecutionStackException("nesting too deep to follow");
        }
    }

    // ---------------------------------------------------------------- commands

    private void ParseSequence(string? closer)
    {
        Enter();
        var pipeline = new List<Command>();
        var current = new Command(Line);
        var caseDepth = 0;
        var expectPattern = false;
        var continued = false; // after '|', '&&', '||' a newline does not end the pipeline

        void EndCommand()
        {
            if (!current.IsEmpty)
            {
                pipeline.Add(current);
            }

            current = new Command(Line);
        }

        void EndPipeline()
        {
            EndCommand();
            var before = new HashSet<string>(StringComparer.Ordinal);
            foreach (var command in pipeline)
            {
                command.Stdin.UnionWith(before);
                Classify(command);
                before.UnionWith(command.AllNames);
            }

            pipeline.Clear();
        }

        while (true)
        {
            SkipBlanks();
            if (_i >= _s.Length)
            {
                EndPipeline();
                break;
            }

            var c = _s[_i];
            if (expectPattern && c != '\n' && c != '#')
            {
                expectPattern = false;
                if (StartsWithWord("esac"))
                {
                    _i += 4;
                    caseDepth--;
                    continue;
                }

                ParseCasePattern();
                continue;
            }

            if (closer == ")" && c == ')')
            {
                _i++;
                EndPipeline();
                break;
            }

            switch (c)
            {
                case '#':
                    while (_i < _s.Length && _s[_i] != '\n')
                    {
                        _i++;
                    }

                    continue;
                case '\n':
                    _i++;
                    ReadHereDocuments();
                    if (!continued)
                    {
                        EndPipeline();
                    }

                    continue;
                case ';':
                    if (At(1) == ';' || At(1) == '&')
                    {
                        _i += At(1) == ';' && At(2) == '&' ? 3 : 2;
                        expectPattern = caseDepth > 0;
                    }
                    else
                    {
                        _i++;
                    }

                    continued = false;
                    EndPipeline();
                    continue;
                case '&' when At(1) == '&':
                case '|' when At(1) == '|':
                    _i += 2;
                    EndPipeline();
                    continued = true;
                    continue;
                case '&' when At(1) == '>':
                    ParseRedirection(current);
                    continue;
                case '&':
                    _i++;
                    continued = false;
                    EndPipeline();
                    continue;
                case '|':
                    _i += At(1) == '&' ? 2 : 1;
                    EndCommand();
                    continued = true;
                    continue;
                case '<' or '>' when At(1) == '(':
                    break; // process substitution: a word
                case '<' or '>':
                    ParseRedirection(current);
                    continue;
                case '(':
                    if (current.Words.Count == 1 && NextNonBlankIs(1, ')'))
                    {
                        _facts.Function(current.Words[0].Text); // name() { … }: a function definition, not a call
                        _i = _s.IndexOf(')', _i) + 1;
                        current = new Command(Line);
                        continue;
                    }

                    EndCommand();
                    if (At(1) == '(')
                    {
                        var start = _i;
                        _i += 2;
                        if (!ParseArithmetic("))", "arithmetic (( ))"))
                        {
                            _i = start + 1; // '( (' after all: a subshell in a subshell
                            ParseSequence(")");
                        }
                    }
                    else
                    {
                        _i++;
                        ParseSequence(")");
                    }

                    continue;
                case ')':
                    _i++; // the end of a case pattern or a stray parenthesis: a command boundary
                    EndCommand();
                    continue;
            }

            continued = false;
            var line = Line;
            var word = ParseWord();
            word.Line = line;
            if ((At(0) == '<' || At(0) == '>') && !word.Quoted && !word.Expanded && IsDescriptor(word.Text))
            {
                continue; // '2>' '{fd}>': the descriptor of the redirection that follows
            }

            if (current.Words.Count == 0 && !word.Quoted && !word.Expanded)
            {
                var text = word.Text;
                if (text == "esac")
                {
                    caseDepth = Math.Max(0, caseDepth - 1);
                    continue;
                }

                if (ReservedSkipped.Contains(text) && current.Assignments.Count == 0)
                {
                    continue;
                }

                switch (text)
                {
                    case "case":
                        SkipBlanks();
                        ParseWord();
                        SkipBlanksAndNewlines();
                        if (StartsWithWord("in"))
                        {
                            _i += 2;
                        }

                        caseDepth++;
                        expectPattern = true;
                        continue;
                    case "for" or "select":
                        ParseFor();
                        continue;
                    case "function":
                        SkipBlanks();
                        var name = ParseWord();
                        _facts.Function(name.Text);
                        SkipBlanks();
                        if (At(0) == '(' && NextNonBlankIs(1, ')'))
                        {
                            _i = _s.IndexOf(')', _i) + 1;
                        }

                        continue;
                    case "[[":
                        ParseConditional();
                        continue;
                }
            }

            if (current.Words.Count == 0 && IsAssignment(word))
            {
                current.Assignments.Add(word);
                continue;
            }

            current.Words.Add(word);
        }

        _depth--;
    }

    private void ParseRedirection(Command command)
    {
        if (StartsWith("<<<"))
        {
            _i += 3;
            SkipBlanks();
            var word = ParseWord();
            command.Stdin.UnionWith(word.NameSet);
            _facts.StdinSources(word.NameSet);
            return;
        }

        if (StartsWith("<<"))
        {
            _i += 2;
            var strips = At(0) == '-';
            if (strips)
            {
                _i++;
            }

            SkipBlanks();
            var delimiter = ParseWord();
            _pendingHereDocuments.Add(new HereDocument(delimiter.Text, strips, delimiter.Quoted, command));
            return;
        }

        while (_i < _s.Length && _s[_i] is '<' or '>' or '&' or '|')
        {
            _i++;
        }

        SkipBlanks();
        if (At(0) is '\n' or ';' or '\0')
        {
            return;
        }

        ParseWord(); // a file name or a descriptor: data
    }

    private void ReadHereDocuments()
    {
        foreach (var document in _pendingHereDocuments)
        {
            var bodyStart = _i;
            var bodyEnd = _s.Length;
            var next = _s.Length;
            var lineStart = _i;
            while (lineStart < _s.Length)
            {
                var lineEnd = _s.IndexOf('\n', lineStart);
                var line = _s[lineStart..(lineEnd < 0 ? _s.Length : lineEnd)];
                if ((document.StripsTabs ? line.TrimStart('\t') : line) == document.Delimiter)
                {
                    bodyEnd = lineStart;
                    next = lineEnd < 0 ? _s.Length : lineEnd + 1;
                    break;
                }

                lineStart = lineEnd < 0 ? _s.Length : lineEnd + 1;
            }

            if (!document.Quoted)
            {
                var body = new Word();
                _i = bodyStart;
                ParseDoubleQuoted(body, terminator: null, limit: bodyEnd);
                document.Command.Stdin.UnionWith(body.NameSet);
                _facts.StdinSources(body.NameSet);
            }

            _i = next;
        }

        _pendingHereDocuments.Clear();
    }

    private void ParseCasePattern()
    {
        // (pattern | pattern) — patterns are only matched, never evaluated
        if (At(0) == '(')
        {
            _i++;
        }

        while (_i < _s.Length && _s[_i] != ')')
        {
            if (_s[_i] is ' ' or '\t' or '|' or '\n')
            {
                _i++;
                continue;
            }

            var before = _i;
            ParseWord();
            if (_i == before)
            {
                _i++;
            }
        }

        _i++;
    }

    private void ParseFor()
    {
        SkipBlanks();
        if (StartsWith("(("))
        {
            _i += 2;
            ParseArithmetic("))", "for (( ))");
            return;
        }

        var variable = ParseWord();
        SkipBlanksAndNewlines();
        if (!StartsWithWord("in"))
        {
            _facts.Flow(variable.Text, [ShellFacts.Positional]);
            return;
        }

        _i += 2;
        while (true)
        {
            SkipBlanks();
            if (_i >= _s.Length || _s[_i] is ';' or '\n' or '&' or '|' or ')')
            {
                return;
            }

            var before = _i;
            var word = ParseWord();
            _facts.Flow(variable.Text, word.NameSet);
            if (_i == before)
            {
                _i++; // a '(' or '<' where a word should be: a syntax error to bash
            }
        }
    }

    private void ParseConditional()
    {
        var words = new List<Word>();
        while (true)
        {
            SkipBlanksAndNewlines();
            if (_i >= _s.Length)
            {
                break;
            }

            if (StartsWith("&&") || StartsWith("||"))
            {
                _i += 2;
                continue;
            }

            if (_s[_i] is '(' or ')' or '<' or '>')
            {
                var token = new Word();
                token.Literal.Append(_s[_i]);
                words.Add(token);
                _i++;
                continue;
            }

            var before = _i;
            var word = ParseWord();
            word.Line = Line;
            if (_i == before)
            {
                _i++; // ';', '&' or '|' alone: a syntax error to bash, nothing to read here
                continue;
            }

            if (!word.Quoted && !word.Expanded && word.Text == "]]")
            {
                break;
            }

            words.Add(word);
        }

        for (var k = 0; k < words.Count; k++)
        {
            var text = words[k].Text;
            if (!words[k].Expanded && ArithmeticOperators.Contains(text))
            {
                foreach (var operand in new[] { k - 1, k + 1 }.Where(o => o >= 0 && o < words.Count))
                {
                    _facts.Use(words[operand].NameSet.Concat(Identifiers(words[operand].Text)), ShellValueDemand.Integer, $"[[ … {text} … ]] (an arithmetic operand)", words[operand].Line);
                }
            }
            else if (!words[k].Expanded && text is "-v" or "-R" && k + 1 < words.Count)
            {
                _facts.Use(words[k + 1].NameSet, ShellValueDemand.Code, $"[[ {text} … ]] (a variable name)", words[k + 1].Line);
            }
        }
    }

    // ---------------------------------------------------------------- what a command does with its words

    private void Classify(Command command)
    {
        _lastClassified = command;
        foreach (var assignment in command.Assignments)
        {
            ClassifyAssignment(assignment, integer: false, nameReference: false);
        }

        if (command.Words.Count > 0)
        {
            ClassifyFrom(command.Words, 0, command.Stdin);
        }
    }

    private void ClassifyFrom(List<Word> words, int start, HashSet<string> stdin)
    {
        var first = words[start];
        var args = words.Skip(start + 1).ToList();
        if (first.Expanded)
        {
            _facts.Use(first.NameSet, ShellValueDemand.Code, "the name of the command to run", first.Line);
            return;
        }

        var name = first.Text[(first.Text.LastIndexOf('/') + 1)..];
        var line = first.Line;
        void MarkAllCode(string construct)
        {
            foreach (var arg in args)
            {
                _facts.Use(arg.NameSet, ShellValueDemand.Code, construct, arg.Line);
            }
        }

        if (_aliases.Contains(name) || AllCode.Contains(name))
        {
            MarkAllCode(name);
            _facts.Use(stdin, ShellValueDemand.Code, $"the input of {name}", line);
            if (name == "alias")
            {
                foreach (var arg in args.Where(a => !a.Expanded))
                {
                    _aliases.Add(arg.Text.Split('=')[0]);
                }
            }

            return;
        }

        switch (name)
        {
            case "source" or ".":
                if (args.Count > 0)
                {
                    _facts.Use(args[0].NameSet, ShellValueDemand.Code, $"{name} (the file it runs)", args[0].Line);
                    _facts.Flow(ShellFacts.Positional, args.Skip(1).SelectMany(a => a.NameSet));
                }

                return;
            case "let":
                foreach (var arg in args)
                {
                    _facts.Use(arg.NameSet.Concat(Identifiers(arg.Text)), ShellValueDemand.Integer, "let", arg.Line);
                }

                return;
            case "printf":
                for (var k = 0; k < args.Count; k++)
                {
                    if (!args[k].Expanded && args[k].Text == "-v" && k + 1 < args.Count)
                    {
                        var target = args[k + 1];
                        if (target.Expanded)
                        {
                            _facts.Use(target.NameSet, ShellValueDemand.Code, "printf -v (a variable name)", target.Line);
                        }
                        else
                        {
                            _facts.Use(Identifiers(Subscript(target.Text)), ShellValueDemand.Integer, "an array subscript", target.Line);
                            _facts.Flow(BaseName(target.Text), args.Skip(k + 2).SelectMany(a => a.NameSet));
                        }
                    }
                }

                return;
            case "read":
                ClassifyRead(args, stdin);
                return;
            case "mapfile" or "readarray":
                MarkAllCode($"{name} (options and a variable name)");
                if (args.LastOrDefault(a => !a.Expanded && !a.Text.StartsWith('-')) is { } array)
                {
                    _facts.StdinTarget(array.Text);
                    _facts.Flow(array.Text, stdin);
                }

                return;
            case "getopts" or "wait" or "unset":
                MarkAllCode($"{name} (a variable name)");
                return;
            case "test" or "[":
                for (var k = 0; k < args.Count; k++)
                {
                    if (!args[k].Expanded && args[k].Text is "-v" or "-R" && k + 1 < args.Count)
                    {
                        _facts.Use(args[k + 1].NameSet, ShellValueDemand.Code, $"{name} {args[k].Text} (a variable name)", args[k + 1].Line);
                    }
                    else if (k > 0 && args[k].Expanded && args[k - 1].Expanded)
                    {
                        // two values side by side: the first could be an operator (-v) that makes the second a name
                        _facts.Use(args[k - 1].NameSet.Concat(args[k].NameSet), ShellValueDemand.Code, $"{name} (a value where an operator can stand)", args[k].Line);
                    }
                }

                return;
            case "set":
                _facts.Flow(ShellFacts.Positional, args.SelectMany(a => a.NameSet));
                return;
        }

        if (DeclareFamily.Contains(name))
        {
            ClassifyDeclare(name, args);
            return;
        }

        if (Interpreters.TryGetValue(name, out var interpreter))
        {
            ClassifyInterpreter(name, interpreter, words, start, stdin);
            return;
        }

        if (Wrappers.TryGetValue(name, out var wrapper))
        {
            ClassifyWrapper(name, wrapper, words, start, stdin);
            return;
        }

        if (Launchers.Contains(name))
        {
            var runner = FindRunner(words, start + 1);
            if (runner >= 0)
            {
                for (var k = start + 1; k < runner; k++)
                {
                    _facts.Use(words[k].NameSet, ShellValueDemand.Code, $"{name} before the program it runs", words[k].Line);
                }

                ClassifyFrom(words, runner, stdin);
            }

            return;
        }

        _facts.Call(name, [.. args.SelectMany(a => a.NameSet)]);
    }

    /// <summary>The first literal word from <paramref name="from"/> that names a program that runs code (builtins such as eval cannot be started by another program).</summary>
    private static int FindRunner(List<Word> words, int from)
    {
        for (var k = from; k < words.Count; k++)
        {
            var text = words[k].Text[(words[k].Text.LastIndexOf('/') + 1)..];
            if (!words[k].Expanded && (Interpreters.ContainsKey(text) || AllCode.Contains(text)))
            {
                return k;
            }
        }

        return -1;
    }

    private void ClassifyInterpreter(string name, (string CodeOptions, string ArgumentOptions) options, List<Word> words, int start, HashSet<string> stdin)
    {
        var codeFromOption = false;
        var programFile = false;
        var readsStdinScript = false; // sh -s: the commands come from the input whatever follows
        var k = start + 1;
        for (; k < words.Count; k++)
        {
            var word = words[k];
            if (word.Expanded)
            {
                _facts.Use(word.NameSet, ShellValueDemand.Code, $"{name} (an option or the program to run)", word.Line);
                continue;
            }

            var text = word.Text;
            if (text == "--")
            {
                continue;
            }

            if (text.StartsWith('-') && text.Length > 1)
            {
                readsStdinScript |= !text.StartsWith("--", StringComparison.Ordinal) && text.Contains('s', StringComparison.Ordinal) && options.ArgumentOptions == "oO";
                var isCode = text.StartsWith("--", StringComparison.Ordinal)
                    ? text is "--eval" or "--print" or "--command" or "--expression" or "--source" or "--file" or "--init-command" or "--rcfile" or "--init-file" or "--module"
                    : text.Skip(1).Any(options.CodeOptions.Contains);
                if (isCode && k + 1 < words.Count)
                {
                    k++;
                    _facts.Use(words[k].NameSet, ShellValueDemand.Code, $"{name} {text} (code it runs)", words[k].Line);
                    codeFromOption = true;
                }
                else if (!text.StartsWith("--", StringComparison.Ordinal) && text.Skip(1).Any(options.ArgumentOptions.Contains))
                {
                    k++; // the option's own argument: data
                }

                if (codeFromOption && name is "sh" or "bash" or "dash" or "zsh" or "ksh" or "mksh" or "ash" or "yash" or "rbash" or "fish" or "csh" or "tcsh" or "python" or "python2" or "python3")
                {
                    break; // what follows the command string is $0, $1 …: data
                }

                continue;
            }

            if (!codeFromOption)
            {
                if (name == "busybox")
                {
                    ClassifyFrom(words, k, stdin);
                    return;
                }

                programFile = text != "-"; // the script or program to run (a literal); "-" reads it from the input
                break; // what follows is that program's $1, $2 … or its files: data to it
            }
        }

        if (!codeFromOption && !programFile || readsStdinScript)
        {
            _facts.Use(stdin, ShellValueDemand.Code, $"the input of {name}, which it runs", words[start].Line);
        }
    }

    private void ClassifyWrapper(string name, (string ArgumentOptions, int Leading) wrapper, List<Word> words, int start, HashSet<string> stdin)
    {
        var runner = FindRunner(words, start + 1);
        var leading = wrapper.Leading;
        var k = start + 1;
        for (; k < words.Count && (runner < 0 || k < runner); k++)
        {
            var word = words[k];
            var text = word.Text;
            if (!word.Expanded && text.StartsWith('-') && text.Length > 1)
            {
                if (name == "flock" && text is "-c" or "--command")
                {
                    AllFrom(k + 1, "flock -c (code it runs)");
                    return;
                }

                if (!text.StartsWith("--", StringComparison.Ordinal) && wrapper.ArgumentOptions.Contains(text[^1]) && k + 1 < words.Count)
                {
                    k++; // the option's argument, e.g. sudo -u USER: data
                }

                continue;
            }

            if (name == "env" && !word.Expanded && IsAssignment(word))
            {
                ClassifyAssignment(word, integer: false, nameReference: false);
                continue;
            }

            if (leading > 0)
            {
                leading--; // timeout's duration, chroot's folder: data
                continue;
            }

            if (word.Expanded)
            {
                _facts.Use(word.NameSet, ShellValueDemand.Code, $"{name} (the command it runs)", word.Line);
                continue;
            }

            break; // the command it runs
        }

        if (runner >= 0)
        {
            if (name == "xargs")
            {
                _facts.Use(stdin, ShellValueDemand.Code, "xargs feeding an interpreter", words[start].Line);
            }

            ClassifyFrom(words, runner, stdin);
        }
        else if (k < words.Count)
        {
            ClassifyFrom(words, k, name == "xargs" ? [] : stdin);
        }

        void AllFrom(int from, string construct)
        {
            for (var j = from; j < words.Count; j++)
            {
                _facts.Use(words[j].NameSet, ShellValueDemand.Code, construct, words[j].Line);
            }
        }
    }

    private void ClassifyDeclare(string name, List<Word> args)
    {
        var flags = new StringBuilder();
        foreach (var arg in args)
        {
            var text = arg.Text;
            if (!arg.Expanded && (text.StartsWith('-') || text.StartsWith('+')) && text.Length > 1)
            {
                flags.Append(text[1..]);
                continue;
            }

            if (text.StartsWith(Placeholder) || !IsAssignment(arg) && arg.Expanded)
            {
                // a value where a name, an option or a whole assignment can stand (declare "$x" with x='a[$(…)]=1')
                _facts.Use(arg.NameSet, ShellValueDemand.Code, $"{name} (a variable name or an option)", arg.Line);
                continue;
            }

            var integer = flags.ToString().Contains('i');
            var nameReference = name != "export" && flags.ToString().Contains('n');
            if (IsAssignment(arg))
            {
                ClassifyAssignment(arg, integer, nameReference);
            }
            else if (integer)
            {
                _facts.Use(BaseName(text), ShellValueDemand.Integer, $"{name} -i (an integer variable)", arg.Line);
            }
        }
    }

    private void ClassifyRead(List<Word> args, HashSet<string> stdin)
    {
        for (var k = 0; k < args.Count; k++)
        {
            var arg = args[k];
            var text = arg.Text;
            if (!arg.Expanded && text.StartsWith('-') && text.Length > 1)
            {
                var takes = text.Skip(1).LastOrDefault(ch => "adinNptu".Contains(ch));
                if (takes != default && text.EndsWith(takes) && k + 1 < args.Count)
                {
                    k++;
                    if (takes == 'a')
                    {
                        MarkTarget(args[k]);
                    }
                }

                continue;
            }

            MarkTarget(arg);
        }

        void MarkTarget(Word target)
        {
            if (target.Expanded)
            {
                _facts.Use(target.NameSet, ShellValueDemand.Code, "read (a variable name)", target.Line);
                return;
            }

            _facts.StdinTarget(target.Text);
            _facts.Flow(target.Text, stdin);
        }
    }

    private void ClassifyAssignment(Word word, bool integer, bool nameReference)
    {
        var text = word.Text;
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        var name = BaseName(text);
        var before = word.Names.Where(n => n.At < equals).Select(n => n.Name);
        var value = word.Names.Where(n => n.At > equals).Select(n => n.Name).ToList();
        _facts.Use(before.Concat(Identifiers(Subscript(text[..equals]))), ShellValueDemand.Integer, "an array subscript", word.Line);

        // The literal names in the value too: x=INPUT_N makes $(( x )) read INPUT_N's value as arithmetic.
        _facts.Flow(name, value.Concat(Identifiers(text[(equals + 1)..])));
        if (integer)
        {
            _facts.Use(name, ShellValueDemand.Integer, "an integer variable (declare -i)", word.Line);
        }

        if (nameReference)
        {
            _facts.Use(name, ShellValueDemand.Code, "a name reference (declare -n)", word.Line);
        }

        if (IsCodeVariable(name))
        {
            _facts.Use(name, ShellValueDemand.Code, $"{name}, which the shell or the programs it starts read as code", word.Line);
        }
    }

    // ---------------------------------------------------------------- words

    private Word ParseWord()
    {
        var word = new Word { Line = Line };
        if ((At(0) == '<' || At(0) == '>') && At(1) == '(')
        {
            _i += 2;
            word.Literal.Append("/dev/fd/");
            ParseSubstitution(word, () => ParseSequence(")"));
            _facts.StdinSources(word.NameSet);
            return word;
        }

        while (_i < _s.Length)
        {
            var c = _s[_i];
            if (c == '(' && word.Literal.Length > 0 && !word.Quoted && !word.Expanded && AssignmentPrefix().IsMatch(word.Text))
            {
                ParseCompoundAssignment(word);
                continue;
            }

            if (c == '(' && word.Literal.Length > 0 && word.Literal[^1] is '@' or '!' or '+' or '*' or '?')
            {
                ParseBalanced(word); // an extended glob: @(a|b)
                continue;
            }

            if (c is ' ' or '\t' or '\n' or ';' or '&' or '|' or '<' or '>' or '(' or ')')
            {
                break;
            }

            switch (c)
            {
                case '\\':
                    if (At(1) == '\n')
                    {
                        _i += 2; // a line continuation joins the word: ev\<newline>al is eval
                    }
                    else
                    {
                        if (_i + 1 < _s.Length)
                        {
                            word.Literal.Append(_s[_i + 1]);
                        }

                        word.Quoted = true;
                        _i += 2;
                    }

                    break;
                case '\'':
                    var close = _s.IndexOf('\'', _i + 1);
                    close = close < 0 ? _s.Length : close;
                    word.Literal.Append(_s, _i + 1, close - _i - 1);
                    word.Quoted = true;
                    _i = close + 1;
                    break;
                case '"':
                    _i++;
                    word.Quoted = true;
                    ParseDoubleQuoted(word, '"', _s.Length);
                    break;
                case '$' when At(1) == '\'':
                    _i += 2;
                    word.Quoted = true;
                    while (_i < _s.Length && _s[_i] != '\'')
                    {
                        word.Literal.Append(_s[_i] == '\\' && _i + 1 < _s.Length ? _s[++_i] : _s[_i]);
                        _i++;
                    }

                    _i++;
                    break;
                case '$' when At(1) == '"':
                    _i += 2;
                    word.Quoted = true;
                    ParseDoubleQuoted(word, '"', _s.Length);
                    break;
                case '$':
                case '`':
                    ParseExpansion(word);
                    break;
                default:
                    word.Literal.Append(c);
                    _i++;
                    break;
            }
        }

        return word;
    }

    /// <summary>Text inside double quotes (or an unquoted here-document's body): only $, ` and \ are special.</summary>
    private void ParseDoubleQuoted(Word word, char? terminator, int limit)
    {
        while (_i < limit)
        {
            var c = _s[_i];
            if (c == terminator)
            {
                _i++;
                return;
            }

            switch (c)
            {
                case '\\' when At(1) is '$' or '`' or '"' or '\\' or '\n':
                    if (At(1) != '\n')
                    {
                        word.Literal.Append(_s[_i + 1]);
                    }

                    _i += 2;
                    break;
                case '$' when At(1) is not ('\'' or '"'):
                case '`':
                    ParseExpansion(word);
                    break;
                default:
                    word.Literal.Append(c);
                    _i++;
                    break;
            }
        }
    }

    /// <summary>At a '$' or a backtick: one expansion, whose variables join the word.</summary>
    private void ParseExpansion(Word word)
    {
        if (_s[_i] == '`')
        {
            var end = _i + 1;
            var inner = new StringBuilder();
            while (end < _s.Length && _s[end] != '`')
            {
                if (_s[end] == '\\' && end + 1 < _s.Length && _s[end + 1] is '`' or '$' or '\\')
                {
                    end++;
                }

                inner.Append(_s[end]);
                end++;
            }

            var line = Line;
            _i = end + 1;
            ParseSubstitution(word, () => new PosixScanner(inner.ToString(), _facts, line - 1, _collectors, _depth).Scan());
            return;
        }

        var next = At(1);
        if (next == '(' && At(2) == '(')
        {
            var start = _i;
            _i += 3;
            word.Expanded = true;
            word.Literal.Append(Placeholder);
            if (!ParseArithmetic("))", "arithmetic $(( ))"))
            {
                _i = start + 2; // $( (…) ): a command substitution whose first command is a subshell
                ParseSubstitution(word, () => ParseSequence(")"));
            }

            return;
        }

        if (next == '(')
        {
            _i += 2;
            ParseSubstitution(word, () => ParseSequence(")"));
            return;
        }

        if (next == '[')
        {
            _i += 2;
            word.Expanded = true;
            word.Literal.Append(Placeholder);
            ParseArithmetic("]", "arithmetic $[ ]");
            return;
        }

        if (next == '{')
        {
            _i += 2;
            ParseParameter(word);
            return;
        }

        if (char.IsAsciiLetter(next) || next == '_')
        {
            _i++;
            var start = _i;
            while (_i < _s.Length && (char.IsAsciiLetterOrDigit(_s[_i]) || _s[_i] == '_'))
            {
                _i++;
            }

            AddName(word, _s[start.._i]);
            return;
        }

        if (char.IsAsciiDigit(next) || next is '@' or '*')
        {
            _i += 2;
            AddName(word, next == '0' ? "#zero" : ShellFacts.Positional);
            return;
        }

        if (next is '#' or '?' or '$' or '!' or '-')
        {
            _i += 2;
            word.Expanded = true;
            word.Literal.Append(Placeholder);
            return;
        }

        word.Literal.Append('$');
        _i++;
    }

    /// <summary>After <c>${</c>: the name, a subscript, and the operator with its word, up to the matching <c>}</c>.</summary>
    private void ParseParameter(Word word)
    {
        Enter();
        var length = At(0) == '#' && At(1) != '}' && (char.IsAsciiLetterOrDigit(At(1)) || At(1) is '_' or '@' or '*');
        var indirect = !length && At(0) == '!' && At(1) != '}';
        if (length || indirect)
        {
            _i++;
        }

        var start = _i;
        if (char.IsAsciiLetter(At(0)) || At(0) == '_')
        {
            while (_i < _s.Length && (char.IsAsciiLetterOrDigit(_s[_i]) || _s[_i] == '_'))
            {
                _i++;
            }
        }
        else if (char.IsAsciiDigit(At(0)))
        {
            while (_i < _s.Length && char.IsAsciiDigit(_s[_i]))
            {
                _i++;
            }
        }
        else if (_i < _s.Length && _s[_i] is '@' or '*' or '#' or '?' or '-' or '$' or '!')
        {
            _i++;
        }

        var raw = _s[start.._i];
        var name = raw.Length > 0 && (char.IsAsciiDigit(raw[0]) || raw is "@" or "*") ? (raw == "0" ? "#zero" : ShellFacts.Positional) : raw;
        var line = Line;
        if (At(0) == '[')
        {
            _i++;
            if ((At(0) is '@' or '*') && At(1) == ']')
            {
                _i += 2;
            }
            else
            {
                ParseArithmetic("]", "an array subscript");
            }
        }

        word.Expanded = true;
        if (!length && name.Length > 0)
        {
            AddName(word, name);
        }
        else
        {
            word.Literal.Append(Placeholder);
        }

        if (indirect && name.Length > 0)
        {
            _facts.Use(name, ShellValueDemand.Code, "an indirect expansion ${!…} (the value is a variable name)", line);
        }

        if (At(0) == ':' && At(1) is not ('-' or '=' or '?' or '+'))
        {
            _i++;
            ParseArithmetic("}", "a substring offset or length ${…:…}");
            _depth--;
            return;
        }

        if (At(0) == '@' && At(1) == 'P')
        {
            _facts.Use(name, ShellValueDemand.Code, "a prompt expansion ${…@P}", line);
        }

        var operatorWord = new Word();
        var depth = 0;
        while (_i < _s.Length)
        {
            var c = _s[_i];
            if (c == '}' && depth == 0)
            {
                _i++;
                break;
            }

            switch (c)
            {
                case '{':
                    depth++;
                    _i++;
                    break;
                case '}':
                    depth--;
                    _i++;
                    break;
                case '\\':
                    _i += 2;
                    break;
                case '\'':
                    var close = _s.IndexOf('\'', _i + 1);
                    _i = close < 0 ? _s.Length : close + 1;
                    break;
                case '"':
                    _i++;
                    ParseDoubleQuoted(operatorWord, '"', _s.Length);
                    break;
                case '$':
                case '`':
                    ParseExpansion(operatorWord);
                    break;
                default:
                    _i++;
                    break;
            }
        }

        foreach (var (inner, _) in operatorWord.Names)
        {
            AddName(word, inner); // ${x:-$default}: the default is part of the value
        }

        if (name.Length > 0)
        {
            _facts.Flow(name, operatorWord.NameSet); // ${x:=$y} assigns
        }

        _depth--;
    }

    /// <summary>
    /// Arithmetic up to <paramref name="terminator"/>: every variable and every bare name in it is evaluated as
    /// arithmetic. False when a ')' closes more than was opened — <c>$( (…) )</c> and <c>( (…) )</c> after all.
    /// </summary>
    private bool ParseArithmetic(string terminator, string construct)
    {
        Enter();
        var depth = 0;
        var line = Line;
        var names = new Word();
        var ok = true;
        while (_i < _s.Length)
        {
            if (depth == 0 && StartsWith(terminator))
            {
                _i += terminator.Length;
                break;
            }

            var c = _s[_i];
            if (c is '(' or '[' or '{')
            {
                depth++;
                _i++;
            }
            else if (c is ')' or ']' or '}')
            {
                depth--;
                _i++;
                if (depth < 0)
                {
                    ok = terminator != "))";
                    if (!ok)
                    {
                        break;
                    }

                    depth = 0;
                }
            }
            else if (c is '$' or '`')
            {
                if (At(1) == '\'' || At(1) == '"')
                {
                    _i++;
                }
                else
                {
                    ParseExpansion(names);
                }
            }
            else if (c == '"')
            {
                _i++;
                ParseDoubleQuoted(names, '"', _s.Length);
            }
            else if (c == '\'')
            {
                var close = _s.IndexOf('\'', _i + 1);
                _i = close < 0 ? _s.Length : close + 1;
            }
            else if (c == '\\')
            {
                _i += 2;
            }
            else if (char.IsAsciiLetter(c) || c == '_')
            {
                var start = _i;
                while (_i < _s.Length && (char.IsAsciiLetterOrDigit(_s[_i]) || _s[_i] == '_'))
                {
                    _i++;
                }

                names.Names.Add((_s[start.._i], 0));
            }
            else if (char.IsAsciiDigit(c))
            {
                while (_i < _s.Length && (char.IsAsciiLetterOrDigit(_s[_i]) || _s[_i] is '_' or '#' or '@'))
                {
                    _i++;
                }
            }
            else
            {
                _i++;
            }
        }

        if (ok)
        {
            _facts.Use(names.NameSet, ShellValueDemand.Integer, construct, line);
        }

        _depth--;
        return ok;
    }

    private void ParseSubstitution(Word word, Action parse)
    {
        var collected = new HashSet<string>(StringComparer.Ordinal);
        _collectors.Add(collected);
        _lastClassified = null;
        try
        {
            parse();
        }
        finally
        {
            _collectors.Remove(collected);
        }

        word.Expanded = true;
        word.Literal.Append(Placeholder);
        if (_lastClassified is { } last && PrintsOnlyNumbers(last))
        {
            return; // $(date -d "$x" +%s): whatever it read, it prints digits
        }

        foreach (var name in collected)
        {
            AddName(word, name); // what a command substitution prints can carry any value it read
        }
    }

    /// <summary>
    /// Commands whose output is digits whatever their arguments: date with a numeric +FORMAT, wc with a count
    /// option, stat with a numeric -c format, id -u/-g, nproc. Anything else may print what it read.
    /// </summary>
    private static bool PrintsOnlyNumbers(Command command)
    {
        if (command.Words.Count == 0 || command.Words[0].Expanded)
        {
            return false;
        }

        string[] counts = ["-l", "-c", "-w", "-m", "--lines", "--bytes", "--words", "--chars"];
        var args = command.Words.Skip(1).ToList();
        var options = args.Where(a => !a.Expanded && a.Text.StartsWith('-')).Select(a => a.Text).ToList();
        return command.Words[0].Text switch
        {
            "date" => args.Any(a => !a.Expanded && NumericDateFormat().IsMatch(a.Text)),
            "wc" => options.Count > 0 && options.All(counts.Contains),
            "stat" => args.Select((a, i) => (a, i)).Any(p => !p.a.Expanded && p.a.Text is "-c" or "--format"
                && p.i + 1 < args.Count && !args[p.i + 1].Expanded && NumericStatFormat().IsMatch(args[p.i + 1].Text)),
            "id" => args.Count == 1 && !args[0].Expanded && args[0].Text is "-u" or "-g" or "-ur" or "-gr",
            "nproc" => true,
            _ => false,
        };
    }

    [GeneratedRegex(@"^\+(%[sYmdHMSjuVwNeGgCyI]|[0-9 ])+$", RegexOptions.CultureInvariant)]
    private static partial Regex NumericDateFormat();

    [GeneratedRegex(@"^(%[sbBfghiXYZWdDtTu]|[0-9 ])+$", RegexOptions.CultureInvariant)]
    private static partial Regex NumericStatFormat();

    private void ParseCompoundAssignment(Word word)
    {
        _i++; // (
        word.Literal.Append('(');
        while (true)
        {
            SkipBlanksAndNewlines();
            if (_i >= _s.Length)
            {
                return;
            }

            if (_s[_i] == ')')
            {
                _i++;
                word.Literal.Append(')');
                return;
            }

            if (_s[_i] == '#')
            {
                while (_i < _s.Length && _s[_i] != '\n')
                {
                    _i++;
                }

                continue;
            }

            var before = _i;
            var element = ParseWord();
            if (element.Text.StartsWith('['))
            {
                var close = element.Text.IndexOf(']', StringComparison.Ordinal);
                _facts.Use(element.Names.Where(n => close < 0 || n.At < close).Select(n => n.Name).Concat(Identifiers(element.Text[..Math.Max(close, 0)])),
                    ShellValueDemand.Integer, "an array subscript", element.Line);
            }

            foreach (var (name, _) in element.Names)
            {
                AddName(word, name);
            }

            word.Literal.Append(' ').Append(Identifiers(element.Text).Any() ? element.Text : string.Empty);
            if (_i == before)
            {
                _i++;
            }
        }
    }

    private void ParseBalanced(Word word)
    {
        var depth = 0;
        do
        {
            var c = _s[_i];
            depth += c == '(' ? 1 : c == ')' ? -1 : 0;
            if (c == '$' || c == '`')
            {
                ParseExpansion(word);
                continue;
            }

            word.Literal.Append(c);
            _i++;
        }
        while (_i < _s.Length && depth > 0);
    }

    private void AddName(Word word, string name)
    {
        word.Expanded = true;
        word.Names.Add((name, word.Literal.Length));
        word.Literal.Append(Placeholder);
        foreach (var collector in _collectors)
        {
            collector.Add(name);
        }
    }

    // ---------------------------------------------------------------- helpers

    private void SkipBlanks()
    {
        while (_i < _s.Length)
        {
            if (_s[_i] is ' ' or '\t' or '\r')
            {
                _i++;
            }
            else if (_s[_i] == '\\' && At(1) == '\n')
            {
                _i += 2;
            }
            else
            {
                return;
            }
        }
    }

    private void SkipBlanksAndNewlines()
    {
        while (_i < _s.Length && (_s[_i] is ' ' or '\t' or '\r' or '\n' || _s[_i] == '\\' && At(1) == '\n'))
        {
            if (_s[_i] == '\n')
            {
                _i++;
                ReadHereDocuments();
            }
            else
            {
                _i += _s[_i] == '\\' ? 2 : 1;
            }
        }
    }

    private bool StartsWithWord(string word) =>
        StartsWith(word) && (_i + word.Length >= _s.Length || _s[_i + word.Length] is ' ' or '\t' or '\n' or ';' or '&' or '|' or ')' or '(');

    private bool NextNonBlankIs(int offset, char expected)
    {
        var k = _i + offset;
        while (k < _s.Length && _s[k] is ' ' or '\t')
        {
            k++;
        }

        return k < _s.Length && _s[k] == expected;
    }

    private static bool IsDescriptor(string text) => text.Length > 0 && (text.All(char.IsAsciiDigit) || text.StartsWith('{') && text.EndsWith('}'));

    private static bool IsAssignment(Word word) => AssignmentPrefix().IsMatch(word.Text);

    private static string BaseName(string text) => AssignmentName().Match(text).Value;

    private static string Subscript(string text)
    {
        var open = text.IndexOf('[', StringComparison.Ordinal);
        var close = text.LastIndexOf(']');
        return open >= 0 && close > open ? text[(open + 1)..close] : string.Empty;
    }

    /// <summary>The bare names in arithmetic text (numbers like 0x1F and 2#101 are not names).</summary>
    private static IEnumerable<string> Identifiers(string text) =>
        IdentifierPattern().Matches(text).Select(m => m.Value).Where(v => !char.IsAsciiDigit(v[0]));

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*(\[[^=]*\])?\+?=", RegexOptions.CultureInvariant)]
    private static partial Regex AssignmentPrefix();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*", RegexOptions.CultureInvariant)]
    private static partial Regex AssignmentName();

    [GeneratedRegex(@"[A-Za-z0-9_#@]+", RegexOptions.CultureInvariant)]
    private static partial Regex IdentifierPattern();
}
