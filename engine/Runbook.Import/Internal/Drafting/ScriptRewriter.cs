using System.Text;
using System.Text.RegularExpressions;
using Runbook.Import.Internal.Shell;

namespace Runbook.Import.Internal.Drafting;

/// <summary>
/// Turns a command from the markdown into the text of a step: every <c>${{</c> it contains is written so that it stays
/// text (<c>${{ '${{' }}</c>: an expression whose value is those three characters), and, unless told not to,
/// placeholders, hosts and cluster or service names become <c>${{ inputs.x }}</c>, which the engine passes to the shell
/// as quoted data.
/// </summary>
internal static partial class ScriptRewriter
{
    /// <summary>The text <c>${{</c> as an expression that evaluates to it: markdown can never open an expression.</summary>
    public const string LiteralOpen = "${{ '${{' }}";

    public static string Escape(string text) => text.Replace("${{", LiteralOpen, StringComparison.Ordinal);

    public static string Rewrite(string command, InputTable inputs, ISet<string> assigned, int line, bool substitute, bool brackets = false)
    {
        var edits = new List<(int Start, int End, string Text)>();
        foreach (Match open in Open().Matches(command))
        {
            edits.Add((open.Index, open.Index + open.Length, LiteralOpen));
        }

        if (substitute)
        {
            foreach (var p in Placeholders.Find(command, assigned, brackets))
            {
                var name = p.IsEnvironment && Placeholders.LooksSecret(p.Name)
                    ? inputs.Secret(p.Token, p.Name, line)
                    : inputs.Placeholder(p.Token, p.Name, line, NumericPlaceholder(command, p) ? "number" : "string");
                edits.Add((p.Start, p.End, Reference(name)));
            }

            foreach (Match url in Url().Matches(command))
            {
                var host = url.Groups["host"];
                if (host.Value is not ("localhost" or "127.0.0.1" or "0.0.0.0") && host.Value.Contains('.', StringComparison.Ordinal))
                {
                    edits.Add((host.Index, host.Index + host.Length, Reference(inputs.Literal("host", host.Value, line, pattern: @"^[A-Za-z0-9.-]+(:[0-9]+)?$"))));
                }
            }

            foreach (var (word, kind) in NamedValues(command))
            {
                edits.Add((word.Start, word.End, Reference(inputs.Literal(kind, word.Value, line, pattern: @"^[A-Za-z0-9][A-Za-z0-9._-]*$"))));
            }
        }

        var result = new StringBuilder(command.Length);
        var at = 0;
        foreach (var edit in edits.OrderBy(e => e.Start).ThenByDescending(e => e.End))
        {
            if (edit.Start < at)
            {
                continue;
            }

            result.Append(command, at, edit.Start - at).Append(edit.Text);
            at = edit.End;
        }

        return result.Append(command, at, command.Length - at).ToString();
    }

    public static string Reference(string input) => "${{ inputs." + input + " }}";

    /// <summary>A placeholder standing as the value of a counting option (<c>--replicas N</c>) is a number.</summary>
    private static bool NumericPlaceholder(string command, PlaceholderMatch p)
    {
        var before = command[..p.Start].TrimEnd('=', ' ');
        return CountingOption().IsMatch(before);
    }

    /// <summary>Cluster, resource group, region, namespace and service names given as plain option values of the platform CLIs.</summary>
    private static IEnumerable<(ShellWord Word, string Kind)> NamedValues(string command)
    {
        var words = ShellWords.Parse(command);
        if (words.Count == 0 || words[0] is not ("aws" or "az" or "gcloud" or "kubectl"))
        {
            yield break;
        }

        var program = words[0];
        (string[] Flags, string Kind)[] options = program switch
        {
            "aws" => [(["--cluster"], "cluster"), (["--region"], "region"), (["--service"], "service")],
            "az" => [(["--resource-group", "-g"], "resource_group"), .. words.Count > 1 && words[1] == "containerapp" ? new[] { (new[] { "--name", "-n" }, "service") } : []],
            "gcloud" => [(["--region"], "region"), (["--project"], "project")],
            _ => [(["--namespace", "-n"], "namespace"), (["--context"], "context")],
        };
        foreach (var (flags, kind) in options)
        {
            for (var i = 0; i < words.Count; i++)
            {
                var value = words.Words[i].Value;
                if (flags.Contains(value) && i + 1 < words.Count && words.Words[i + 1] is { Plain: true } next && SimpleName().IsMatch(next.Value))
                {
                    yield return (next, kind);
                }
                else if (flags.FirstOrDefault(f => value.StartsWith(f + "=", StringComparison.Ordinal)) is { } flag && words.Words[i].Plain
                    && value[(flag.Length + 1)..] is var v && SimpleName().IsMatch(v))
                {
                    yield return (new ShellWord(v, words.Words[i].Start + flag.Length + 1, words.Words[i].End, true), kind);
                }
            }
        }
    }

    [GeneratedRegex(@"\$\{\{")]
    private static partial Regex Open();

    [GeneratedRegex(@"https?://(?<host>[A-Za-z0-9][A-Za-z0-9.-]*)")]
    private static partial Regex Url();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")]
    private static partial Regex SimpleName();

    [GeneratedRegex(@"--(replicas|desired-count|min-instances|max-instances|min-replicas|max-replicas|tail|limit|count|port|timeout-seconds)$")]
    private static partial Regex CountingOption();
}
