using System.Collections.Immutable;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Runbook.Tests.Library;

/// <summary>What a library run case expects of its run (tests/library/README.md).</summary>
public sealed record CaseExpectation(
    int Exit,
    string Status,
    ImmutableDictionary<string, string> Steps,
    ImmutableArray<string>? Compensated,
    ImmutableArray<string> OutputContains,
    ImmutableArray<string> OutputLacks);

/// <summary>
/// One file of tests/library: a playbook of playbooks/, the provider whose test backend runs it, the real peers it
/// needs, its inputs, which approvals the harness gives or refuses, what it breaks first, and what the run must end
/// as. Parsed strictly: an unknown key, provider, peer or placeholder is an error naming the file, line and column.
/// </summary>
public sealed record LibraryCase(
    string File,
    string Name,
    string Playbook,
    string Provider,
    ImmutableArray<string> Peers,
    ImmutableArray<KeyValuePair<string, string>> Inputs,
    ImmutableArray<KeyValuePair<string, string>> Environment,
    ImmutableArray<string> Approve,
    ImmutableArray<string> Deny,
    ImmutableDictionary<string, string> Break,
    CaseExpectation Expect)
{
    public static readonly ImmutableArray<string> Providers = ["compose", "kubernetes", "aws", "azure", "gcp"];

    /// <summary>The real programs the harness can start; <c>http</c> is the demo service with /health/ready and a failure switch.</summary>
    public static readonly ImmutableArray<string> KnownPeers = ["postgres", "redis", "prometheus", "alertmanager", "http"];

    /// <summary>What <c>break:</c> can do: the http peer answers 503 on /health/ready from the start of the run.</summary>
    public static readonly ImmutableDictionary<string, ImmutableArray<string>> Breakable =
        ImmutableDictionary<string, ImmutableArray<string>>.Empty.Add("http", ["fail"]);

    private static readonly string[] TopKeys = ["playbook", "provider", "peers", "inputs", "env", "approve", "deny", "break", "expect"];
    private static readonly string[] ExpectKeys = ["exit", "status", "steps", "compensated", "output_contains", "output_lacks"];

    /// <summary>Every case file under tests/library, sorted.</summary>
    public static IReadOnlyList<string> Files(string repoRoot)
    {
        var folder = Path.Combine(repoRoot, "tests", "library");
        return Directory.Exists(folder) ? [.. Directory.GetFiles(folder, "*.yaml").Order(StringComparer.Ordinal)] : [];
    }

    /// <summary>The provider a case file is for, read from its name (<c>playbook.provider[.variant].yaml</c>); null when the name has none.</summary>
    public static string? ProviderInName(string file)
    {
        var parts = Path.GetFileNameWithoutExtension(file).Split('.');
        return parts.Length >= 2 ? parts[1] : null;
    }

    /// <summary>Parses a case file; a problem throws <see cref="LibraryCaseException"/> naming the file and where.</summary>
    public static LibraryCase Load(string file, string repoRoot)
    {
        var display = Path.GetRelativePath(repoRoot, file);
        YamlMappingNode root;
        try
        {
            var stream = new YamlStream();
            using (var reader = new StreamReader(file))
            {
                stream.Load(reader);
            }

            if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode mapping)
            {
                throw new LibraryCaseException($"{display}:1:1: a case file is one YAML mapping (playbook, provider, peers, inputs, approve, deny, break, expect)");
            }

            root = mapping;
        }
        catch (YamlException ex)
        {
            throw new LibraryCaseException($"{display}:{ex.Start.Line}:{ex.Start.Column}: not valid YAML: {ex.Message}");
        }
        catch (InvalidOperationException ex)
        {
            // YamlDotNet's parser gives up this way on some unclosed structures, without a position
            throw new LibraryCaseException($"{display}:1:1: not valid YAML: {ex.Message}");
        }

        var reader2 = new CaseReader(display);
        reader2.OnlyKeys(root, TopKeys, "a case");
        var playbook = reader2.RequiredScalar(root, "playbook");
        var provider = reader2.RequiredScalar(root, "provider");
        if (!Providers.Contains(provider))
        {
            throw reader2.Error(root.Children[new YamlScalarNode("provider")], $"unknown provider '{provider}' (one of {string.Join(", ", Providers)})");
        }

        var fileName = Path.GetFileName(file);
        var stem = Path.GetFileNameWithoutExtension(playbook);
        if (!fileName.StartsWith($"{stem}.{provider}.", StringComparison.Ordinal))
        {
            throw new LibraryCaseException($"{display}:1:1: a case file is named <playbook>.<provider>[.<variant>].yaml; this one runs {stem} on {provider}, so its name begins with '{stem}.{provider}.'");
        }

        if (Path.IsPathRooted(playbook) || playbook.Contains("..", StringComparison.Ordinal) || !System.IO.File.Exists(Path.Combine(repoRoot, playbook)))
        {
            throw reader2.Error(root.Children[new YamlScalarNode("playbook")], $"playbook '{playbook}' is not a file of this repository (a repository-relative path such as playbooks/high-error-rate.yaml)");
        }

        var peers = reader2.Strings(root, "peers");
        foreach (var peer in peers)
        {
            if (!KnownPeers.Contains(peer))
            {
                throw reader2.Error(root.Children[new YamlScalarNode("peers")], $"unknown peer '{peer}' (one of {string.Join(", ", KnownPeers)})");
            }
        }

        var inputs = reader2.Map(root, "inputs");
        var environment = reader2.Map(root, "env");
        foreach (var (key, value, node) in reader2.MapNodes(root, "inputs").Concat(reader2.MapNodes(root, "env")))
        {
            foreach (var placeholder in Placeholders.Names(value))
            {
                var peer = placeholder.Split('.')[0];
                if (!Placeholders.Known.Contains(placeholder))
                {
                    throw reader2.Error(node, $"'{key}' uses the placeholder ${{{placeholder}}}, which the harness does not define (it defines {string.Join(", ", Placeholders.Known.Select(k => "${" + k + "}"))})");
                }

                if (peer != Placeholders.CasePrefix && !peers.Contains(peer))
                {
                    throw reader2.Error(node, $"'{key}' uses ${{{placeholder}}} but peers: does not name {peer}");
                }
            }

            if (Placeholders.SharedTempPath(value) is { } path)
            {
                throw reader2.Error(node, $"'{key}' names '{path}', a fixed folder that the JIT and native runs of this case (and other cases) share; write ${{case.dir}}/… instead (the run's own folder, e.g. \"${{case.dir}}/backups/\")");
            }

            if (Placeholders.DerivedDatabaseProblem(value) is { } problem)
            {
                throw reader2.Error(node, $"'{key}': {problem}");
            }
        }

        var approve = reader2.Strings(root, "approve");
        var deny = reader2.Strings(root, "deny");
        if (approve.Intersect(deny).FirstOrDefault() is { } both)
        {
            throw reader2.Error(root, $"step '{both}' is both approved and denied");
        }

        var breaks = reader2.Map(root, "break").ToImmutableDictionary(p => p.Key, p => p.Value);
        foreach (var (what, how) in breaks)
        {
            if (!Breakable.TryGetValue(what, out var ways) || !ways.Contains(how))
            {
                throw reader2.Error(root.Children[new YamlScalarNode("break")], $"cannot break '{what}' as '{how}' (the harness breaks: http: fail)");
            }

            if (!peers.Contains(what))
            {
                throw reader2.Error(root.Children[new YamlScalarNode("break")], $"break: names {what}, which peers: does not start");
            }
        }

        if (!root.Children.TryGetValue(new YamlScalarNode("expect"), out var expectNode) || expectNode is not YamlMappingNode expect)
        {
            throw reader2.Error(root, "expect: (a mapping with at least exit and status) is required");
        }

        reader2.OnlyKeys(expect, ExpectKeys, "expect");
        var exitText = reader2.RequiredScalar(expect, "exit");
        if (!int.TryParse(exitText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var exit))
        {
            throw reader2.Error(expect.Children[new YamlScalarNode("exit")], $"exit is the CLI's exit code, a number; got '{exitText}'");
        }

        ImmutableArray<string>? compensated = expect.Children.ContainsKey(new YamlScalarNode("compensated")) ? reader2.Strings(expect, "compensated") : null;
        var expectation = new CaseExpectation(
            exit,
            reader2.RequiredScalar(expect, "status"),
            reader2.Map(expect, "steps").ToImmutableDictionary(p => p.Key, p => p.Value),
            compensated,
            reader2.Strings(expect, "output_contains"),
            reader2.Strings(expect, "output_lacks"));
        return new LibraryCase(display, Path.GetFileNameWithoutExtension(file), playbook, provider, peers, inputs, environment, approve, deny, breaks, expectation);
    }

    private sealed class CaseReader(string display)
    {
        public LibraryCaseException Error(YamlNode node, string message) =>
            new($"{display}:{node.Start.Line}:{node.Start.Column}: {message}");

        public void OnlyKeys(YamlMappingNode mapping, string[] allowed, string what)
        {
            foreach (var key in mapping.Children.Keys)
            {
                if (key is not YamlScalarNode { Value: { } name } || !allowed.Contains(name))
                {
                    throw Error(key, $"unknown key '{key}' in {what} (allowed: {string.Join(", ", allowed)})");
                }
            }
        }

        public string RequiredScalar(YamlMappingNode mapping, string key)
        {
            if (!mapping.Children.TryGetValue(new YamlScalarNode(key), out var node))
            {
                throw Error(mapping, $"'{key}' is required");
            }

            if (node is not YamlScalarNode { Value: { Length: > 0 } value })
            {
                throw Error(node, $"'{key}' is a plain value");
            }

            return value;
        }

        public ImmutableArray<string> Strings(YamlMappingNode mapping, string key)
        {
            if (!mapping.Children.TryGetValue(new YamlScalarNode(key), out var node))
            {
                return [];
            }

            if (node is not YamlSequenceNode sequence || sequence.Children.Any(c => c is not YamlScalarNode { Value: not null }))
            {
                throw Error(node, $"'{key}' is a list of plain values, e.g. [a, b]");
            }

            return [.. sequence.Children.Select(c => ((YamlScalarNode)c).Value!)];
        }

        /// <summary><see cref="Map"/> with each value's node, for errors that point at the value.</summary>
        public IEnumerable<(string Key, string Value, YamlNode Node)> MapNodes(YamlMappingNode mapping, string key)
        {
            Map(mapping, key); // refuses a malformed mapping first
            return mapping.Children.TryGetValue(new YamlScalarNode(key), out var node)
                ? ((YamlMappingNode)node).Children.Select(c => (((YamlScalarNode)c.Key).Value!, ((YamlScalarNode)c.Value).Value!, c.Value)).ToList()
                : [];
        }

        public ImmutableArray<KeyValuePair<string, string>> Map(YamlMappingNode mapping, string key)
        {
            if (!mapping.Children.TryGetValue(new YamlScalarNode(key), out var node))
            {
                return [];
            }

            if (node is not YamlMappingNode map || map.Children.Any(c => c.Key is not YamlScalarNode { Value: not null } || c.Value is not YamlScalarNode { Value: not null }))
            {
                throw Error(node, $"'{key}' is a mapping of names to plain values, e.g. {{ service: backend }}");
            }

            return [.. map.Children.Select(c => KeyValuePair.Create(((YamlScalarNode)c.Key).Value!, ((YamlScalarNode)c.Value).Value!))];
        }
    }
}

/// <summary>A case file the harness cannot use: the message names the file, line and column.</summary>
public sealed class LibraryCaseException(string message) : Exception(message);

/// <summary>
/// <c>${peer.field}</c> in a case's inputs and env, replaced by the harness with the started peer's address, and
/// <c>${case.dir}</c>, the run's own folder (unique per case and per build; it needs no peer).
/// </summary>
public static partial class Placeholders
{
    /// <summary>The placeholders' prefix that names no peer: <c>${case.dir}</c> is the harness's own.</summary>
    public const string CasePrefix = "case";

    /// <summary>
    /// The longest name the harness gives a case's database (<c>t</c> and 12 hex digits, PostgresCluster): a name
    /// derived from it by a suffix (<c>${postgres.database}_dr</c>) must stay within PostgreSQL's 63 bytes.
    /// </summary>
    public const int DatabaseNameLength = 13;

    /// <summary>PostgreSQL truncates identifiers longer than this (NAMEDATALEN - 1), so two derived names could meet.</summary>
    public const int MaxIdentifierBytes = 63;

    public static readonly ImmutableArray<string> Known =
    [
        "case.dir", "http.url", "postgres.url", "postgres.database", "redis.url", "prometheus.url", "prometheus.user", "prometheus.password", "alertmanager.url",
    ];

    /// <summary>
    /// The literal absolute path under a shared temporary folder (/tmp, /var/tmp, the system's temp folder) that
    /// <paramref name="value"/> names, or null. Both builds' runs of a case, and cases run at the same time, would
    /// share it; <c>${case.dir}</c> is the run's own. A path after a placeholder (<c>${case.dir}/tmp/</c>) or a
    /// relative one (<c>backups/tmp</c>) is not shared and passes.
    /// </summary>
    public static string? SharedTempPath(string value)
    {
        var match = TempPath().Match(value);
        if (match.Success)
        {
            return match.Groups["path"].Value;
        }

        var system = Path.GetTempPath().TrimEnd('/');
        if (system.Length > 1 && system is not "/tmp" and not "/var/tmp")
        {
            var at = value.IndexOf(system, StringComparison.Ordinal);
            if (at >= 0 && (at + system.Length == value.Length || value[at + system.Length] == '/'))
            {
                return system;
            }
        }

        return null;
    }

    /// <summary>
    /// What is wrong with a database name derived from <c>${postgres.database}</c> in <paramref name="value"/>
    /// (the characters that follow it, up to the first that cannot be in a name), or null: the suffix is lowercase
    /// letters, digits and <c>_</c> (a playbook's unquoted identifier, which PostgreSQL would fold or reject otherwise),
    /// and the whole name is at most 63 bytes.
    /// </summary>
    public static string? DerivedDatabaseProblem(string value)
    {
        const string placeholder = "${postgres.database}";
        for (var at = value.IndexOf(placeholder, StringComparison.Ordinal); at >= 0; at = value.IndexOf(placeholder, at + 1, StringComparison.Ordinal))
        {
            var start = at + placeholder.Length;
            var end = start;
            while (end < value.Length && (char.IsAsciiLetterOrDigit(value[end]) || value[end] is '_' or '-' or '$'))
            {
                end++;
            }

            var suffix = value[start..end];
            if (suffix.Any(c => c is '-' or '$' || char.IsAsciiLetterUpper(c)))
            {
                return $"the database name ${{postgres.database}}{suffix} is not a plain PostgreSQL identifier; continue it with lowercase letters, digits and _ only (e.g. ${{postgres.database}}_dr)";
            }

            if (DatabaseNameLength + suffix.Length > MaxIdentifierBytes)
            {
                return $"the database name ${{postgres.database}}{suffix} would be {DatabaseNameLength + suffix.Length} bytes, over PostgreSQL's {MaxIdentifierBytes} (it would be truncated); shorten the suffix to at most {MaxIdentifierBytes - DatabaseNameLength} characters";
            }
        }

        return null;
    }

    // "/tmp" or "/var/tmp" as the first folder of an absolute path: at the start, or after a character that cannot
    // end a path or a placeholder (so "${case.dir}/tmp" and "backups/tmp" are relative and pass); "file:///tmp" is caught.
    [GeneratedRegex(@"(?<![A-Za-z0-9_.~}/-])(?<path>/+(?:var/+)?tmp(?![A-Za-z0-9_.-])[^\s""',;]*)")]
    private static partial Regex TempPath();

    public static IEnumerable<string> Names(string value)
    {
        for (var at = value.IndexOf("${", StringComparison.Ordinal); at >= 0; at = value.IndexOf("${", at + 2, StringComparison.Ordinal))
        {
            if (at + 2 < value.Length && value[at + 2] == '{')
            {
                continue; // ${{ … }} is the playbook language's, passed through
            }

            var end = value.IndexOf('}', at);
            yield return end < 0 ? value[(at + 2)..] : value[(at + 2)..end];
        }
    }

    public static string Expand(string value, IReadOnlyDictionary<string, string> values)
    {
        foreach (var name in Names(value).Distinct().ToList())
        {
            value = value.Replace("${" + name + "}", values[name], StringComparison.Ordinal);
        }

        return value;
    }
}
