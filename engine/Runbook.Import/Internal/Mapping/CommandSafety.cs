using System.Text.RegularExpressions;
using Runbook.Import.Internal.Shell;

namespace Runbook.Import.Internal.Mapping;

/// <summary>
/// Judges commands the way a careful on-call engineer would at a glance: which only read (and may stand in assess
/// and gather), and which destroy something (and must wait for an approval). Unknown commands count as changing
/// things; the judgement is a draft's, and the summary asks a human to confirm it.
/// </summary>
internal static partial class CommandSafety
{
    private static readonly HashSet<string> ReadingTools = new(StringComparer.Ordinal)
    {
        "cat", "less", "more", "head", "tail", "grep", "egrep", "fgrep", "zgrep", "ls", "df", "du", "free", "top", "htop", "uptime",
        "ps", "pgrep", "netstat", "ss", "lsof", "date", "whoami", "id", "jq", "yq", "wc", "sort", "uniq", "cut", "tr", "column",
        "ping", "dig", "nslookup", "host", "traceroute", "tracepath", "mtr", "wget", "pg_isready", "journalctl", "dmesg", "stat",
        "which", "nproc", "iostat", "vmstat", "mpstat", "sar", "echo", "printf", "true", "hostname", "uname", "nc", "telnet", "ab", "hey",
    };

    /// <summary>True when every program in the command (each part of a pipeline or list) only reads.</summary>
    public static bool IsReadOnly(string command)
    {
        if (WritesFile().IsMatch(command))
        {
            return false;
        }

        foreach (var part in Parts(command))
        {
            var words = ShellWords.Parse(part.Trim());
            if (words.Count == 0)
            {
                continue;
            }

            if (!PartReads(words, part))
            {
                return false;
            }
        }

        return true;
    }

    private static bool PartReads(ShellWords w, string text)
    {
        var program = w[0];
        var sub = w.Count > 1 ? w[1] : string.Empty;
        var positionals = w.Positionals("-n", "--namespace", "--context", "--region", "--resource-group", "-g", "--name", "--cluster", "--project", "-l", "-o", "--output");
        var verbs = positionals.Select(p => p.Value).ToArray();
        return program switch
        {
            _ when ReadingTools.Contains(program) => !(program == "wget" && w.Has("--post-data")),
            "watch" => IsReadOnly(string.Join(' ', w.Words.Skip(1).SkipWhile(x => x.Value.StartsWith('-') || x.Value.All(char.IsAsciiDigit)).Select(x => x.Value))),
            "curl" => !CurlWrites().IsMatch(text),
            "openssl" => sub is "s_client" or "x509" or "version" or "verify",
            "git" => sub is "log" or "diff" or "status" or "show" or "blame" or "describe" or "rev-parse",
            "kubectl" => verbs.Length > 1 && (verbs[1] is "get" or "describe" or "logs" or "top" or "explain" or "version" or "cluster-info" or "api-resources"
                || (verbs[1] == "rollout" && verbs.Length > 2 && verbs[2] is "status" or "history") || (verbs[1] == "auth" && verbs.Length > 2 && verbs[2] == "can-i")),
            "docker" when sub == "compose" => ComposeReads(w, 2),
            "docker-compose" => ComposeReads(w, 1),
            "docker" => sub is "ps" or "logs" or "inspect" or "stats" or "images" or "version" or "info" or "top",
            "aws" => verbs.Any(v => v.StartsWith("describe-", StringComparison.Ordinal) || v.StartsWith("list-", StringComparison.Ordinal) || v.StartsWith("get-", StringComparison.Ordinal))
                || (verbs.Length > 2 && verbs[1] == "logs" && verbs[2] is "tail" or "filter-log-events"),
            "az" or "gcloud" => verbs.Skip(1).Any(v => v is "show" or "list" or "describe" or "read" or "tail"),
            "psql" => w.Option("-c", "--command") is { } sql && SqlReads(sql.Value),
            "redis-cli" => RedisReads(w),
            "systemctl" or "service" => w.Words.Any(x => x.Value == "status"),
            _ => false,
        };
    }

    private static bool ComposeReads(ShellWords w, int first)
    {
        var i = first;
        while (i + 1 < w.Count && w[i] is "-f" or "--file" or "-p" or "--project-name")
        {
            i += 2;
        }

        if (i >= w.Count)
        {
            return false;
        }

        if (w[i] is "ps" or "logs" or "top" or "config" or "images")
        {
            return true;
        }

        if (w[i] != "exec")
        {
            return false;
        }

        var k = i + 1;
        while (k < w.Count && w[k].StartsWith('-'))
        {
            k++;
        }

        // exec SERVICE COMMAND…: the command inside the container decides.
        return k + 1 < w.Count && IsReadOnly(string.Join(' ', w.Words.Skip(k + 1).Select(x => Quote(x.Value))));
    }

    private static string Quote(string value) => value.Length > 0 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/' or '=' or ':')
        ? value
        : "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static bool SqlReads(string sql)
    {
        var trimmed = sql.Trim().TrimEnd(';').Trim();
        return SqlReadStart().IsMatch(trimmed) && !SqlWrites().IsMatch(trimmed) && !trimmed.Contains(';', StringComparison.Ordinal);
    }

    private static bool RedisReads(ShellWords w)
    {
        var positionals = w.Positionals("-h", "-p", "-a", "-n", "-u", "--user", "--pass");
        var command = positionals.Length > 1 ? positionals[1].Value.ToUpperInvariant() : string.Empty;
        return command is "INFO" or "PING" or "GET" or "MGET" or "EXISTS" or "TTL" or "PTTL" or "TYPE" or "DBSIZE" or "SCAN" or "KEYS" or "STRLEN"
            or "HGET" or "HGETALL" or "LLEN" or "SCARD" or "ZCARD" or "SLOWLOG" or "MEMORY" or "LATENCY"
            || (command is "CLIENT" or "CONFIG" && positionals.Length > 2 && positionals[2].Value.ToUpperInvariant() is "LIST" or "GET" or "INFO");
    }

    /// <summary>Why a command destroys something that cannot simply be put back, or null.</summary>
    public static string? Destructive(string command)
    {
        if (SqlDelete().Match(command) is { Success: true } delete)
        {
            return $"it deletes ({delete.Value.Trim()})";
        }

        if (Flush().Match(command) is { Success: true } flush)
        {
            return $"it empties a Redis database ({flush.Value})";
        }

        if (command.Contains("pg_terminate_backend", StringComparison.OrdinalIgnoreCase))
        {
            return "it terminates database sessions (pg_terminate_backend)";
        }

        if (SqlDrop().Match(command) is { Success: true } drop)
        {
            return $"it drops or truncates data ({drop.Value})";
        }

        if (Restore().Match(command) is { Success: true } restore)
        {
            return $"it restores over existing data ({restore.Value})";
        }

        if (ScaleToZero().Match(command) is { Success: true } zero)
        {
            return $"it scales to zero ({zero.Value.Trim()})";
        }

        if (RemoveFiles().Match(command) is { Success: true } remove)
        {
            return $"it removes files or resources ({remove.Value.Trim()})";
        }

        return null;
    }

    /// <summary>The commands of a pipeline or list (split at |, ||, &amp;&amp;, ; and line breaks outside quotes).</summary>
    private static IEnumerable<string> Parts(string command)
    {
        var start = 0;
        char? quote = null;
        for (var i = 0; i < command.Length; i++)
        {
            var c = command[i];
            if (quote is { } q)
            {
                if (c == '\\' && q == '"')
                {
                    i++;
                }
                else if (c == q)
                {
                    quote = null;
                }

                continue;
            }

            if (c == '\\')
            {
                i++;
            }
            else if (c is '\'' or '"')
            {
                quote = c;
            }
            else if (c is '|' or ';' or '\n' || (c == '&' && !(i > 0 && command[i - 1] is '>' or '<')))
            {
                yield return command[start..i];
                start = i + 1;
            }
        }

        yield return command[start..];
    }

    [GeneratedRegex(@"(^|[^<>2&0-9])>{1,2}\s*(?!&|/dev/null)\S")]
    private static partial Regex WritesFile();

    [GeneratedRegex(@"(-X|--request)\s*['""]?(POST|PUT|DELETE|PATCH)|(^|\s)(-d|--data[a-z-]*|-F|--form|-T|--upload-file)(\s|=|$)")]
    private static partial Regex CurlWrites();

    [GeneratedRegex(@"^(SELECT|SHOW|EXPLAIN|\\d|\\l|WITH\s)", RegexOptions.IgnoreCase)]
    private static partial Regex SqlReadStart();

    [GeneratedRegex(@"\b(INSERT|UPDATE|DELETE|DROP|TRUNCATE|ALTER|CREATE|GRANT|REVOKE|VACUUM|REINDEX|CLUSTER|COPY|CALL|pg_terminate_backend|pg_cancel_backend|setval|nextval|pg_reload_conf)\b", RegexOptions.IgnoreCase)]
    private static partial Regex SqlWrites();

    [GeneratedRegex(@"\bDELETE\b|-X\s*DELETE|\bkubectl\b[^\n]*\sdelete\s|\bdelete-[a-z-]+|\baz\b[^\n]*\sdelete\b|\bgcloud\b[^\n]*\sdelete\b")]
    private static partial Regex SqlDelete();

    [GeneratedRegex(@"\bFLUSH(DB|ALL)\b", RegexOptions.IgnoreCase)]
    private static partial Regex Flush();

    [GeneratedRegex(@"\b(DROP\s+(TABLE|DATABASE|SCHEMA|INDEX|USER|ROLE|VIEW)|TRUNCATE(\s+TABLE)?\s+\w)", RegexOptions.IgnoreCase)]
    private static partial Regex SqlDrop();

    [GeneratedRegex(@"\bpg_restore\b|\brestore\b|\bpsql\b[^\n|]*<\s*\S+\.(sql|dump)\b", RegexOptions.IgnoreCase)]
    private static partial Regex Restore();

    [GeneratedRegex(@"(--replicas|--desired-count|--min-instances|--max-instances|--min-replicas|--max-replicas)(=|\s+)0\b|--scale\s+\w+=0\b|\bdown\s+-v\b")]
    private static partial Regex ScaleToZero();

    [GeneratedRegex(@"\brm\s+-[a-zA-Z]*[rf][a-zA-Z]*\s|\bdocker(-compose| compose)?\s+(rm|down)\b")]
    private static partial Regex RemoveFiles();
}
