using System.Text.RegularExpressions;

namespace Runbook.Import.Internal.Drafting;

/// <summary>A placeholder found in a command or message: the text it spans and the name its input takes.</summary>
internal sealed record PlaceholderMatch(int Start, int End, string Token, string Name, bool IsEnvironment);

/// <summary>
/// Finds the placeholders runbooks write for what the operator fills in: <c>&lt;previous-revision&gt;</c>,
/// <c>{{service}}</c>, <c>$SEVERITY</c> / <c>${SEVERITY}</c>, and bare words such as <c>PREVIOUS_VERSION</c> or
/// <c>USER_ID</c>. Shell variables the block sets itself, and the ones every shell has, are not placeholders.
/// </summary>
internal static partial class Placeholders
{
    private static readonly HashSet<string> ShellVariables = new(StringComparer.Ordinal)
    {
        "HOME", "PATH", "PWD", "OLDPWD", "USER", "SHELL", "HOSTNAME", "RANDOM", "LANG", "TERM", "TMPDIR", "UID", "EUID", "PPID",
        "IFS", "LINENO", "SECONDS", "BASH_SOURCE", "BASHPID", "REPLY", "OPTARG", "OPTIND", "PS1", "EDITOR", "KUBECONFIG",
    };

    /// <summary>The variables a block assigns, reads or loops over itself: <c>NAME=</c>, <c>export NAME=</c>, <c>for NAME in</c>, <c>read NAME</c>.</summary>
    public static HashSet<string> AssignedIn(string block)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match m in Assignment().Matches(block))
        {
            names.Add(m.Groups["name"].Value);
        }

        return names;
    }

    public static IEnumerable<PlaceholderMatch> Find(string text, ISet<string> assigned, bool brackets = false)
    {
        foreach (Match m in Angle().Matches(text))
        {
            yield return new PlaceholderMatch(m.Index, m.Index + m.Length, m.Value, m.Groups["name"].Value, false);
        }

        foreach (Match m in Mustache().Matches(text))
        {
            yield return new PlaceholderMatch(m.Index, m.Index + m.Length, m.Value, m.Groups["name"].Value, false);
        }

        foreach (Match m in Dollar().Matches(text))
        {
            var name = m.Groups["a"].Success ? m.Groups["a"].Value : m.Groups["b"].Value;
            if (!assigned.Contains(name) && !ShellVariables.Contains(name))
            {
                yield return new PlaceholderMatch(m.Index, m.Index + m.Length, m.Value, name, true);
            }
        }

        foreach (Match m in Bare().Matches(text))
        {
            if (!assigned.Contains(m.Value) && !ShellVariables.Contains(m.Value))
            {
                yield return new PlaceholderMatch(m.Index, m.Index + m.Length, m.Value, m.Value, false);
            }
        }

        if (brackets)
        {
            foreach (Match m in Bracket().Matches(text))
            {
                yield return new PlaceholderMatch(m.Index, m.Index + m.Length, m.Value, m.Groups["name"].Value, false);
            }
        }
    }

    /// <summary>Environment variables that hold credentials become secret inputs read from the environment, not text to type in.</summary>
    public static bool LooksSecret(string name) => SecretName().IsMatch(name);

    [GeneratedRegex(@"(?<![<\w])<(?<name>[A-Za-z][A-Za-z0-9_-]{0,40})>")]
    private static partial Regex Angle();

    [GeneratedRegex(@"(?<!\$)\{\{\s*(?<name>[A-Za-z_][A-Za-z0-9_-]{0,40})\s*\}\}")]
    private static partial Regex Mustache();

    [GeneratedRegex(@"\$(?:\{(?<a>[A-Z][A-Z0-9_]{1,40})\}|(?<b>[A-Z][A-Z0-9_]{1,40})\b)")]
    private static partial Regex Dollar();

    [GeneratedRegex(@"(?<![\w$.{/-])[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+(?![\w=(])")]
    private static partial Regex Bare();

    [GeneratedRegex(@"\[(?<name>[A-Za-z][^\[\]\n]{0,40})\]")]
    private static partial Regex Bracket();

    [GeneratedRegex(@"(?:^|[\s;&|(])(?:export\s+|local\s+|declare\s+(?:-\w+\s+)?|readonly\s+)?(?<name>[A-Za-z_][A-Za-z0-9_]*)=|\bfor\s+(?<name>[A-Za-z_][A-Za-z0-9_]*)\s+in\b|\bread\s+(?:-\w+\s+)*(?<name>[A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex Assignment();

    [GeneratedRegex(@"(PASSWORD|PASSWD|TOKEN|SECRET|API_KEY|ACCESS_KEY|PRIVATE_KEY|CREDENTIAL|DATABASE_URL|_DSN|CONNECTION_STRING|WEBHOOK)", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();
}
