using System.Collections.Immutable;

namespace Runbook.Execution.Actions.Postgres;

/// <summary>
/// The table of contents of a custom-format archive as <c>pg_restore --list</c> prints it, counted by kind:
/// <c>215; 1259 16386 TABLE public notes postgres</c> is one TABLE. Comment lines start with ';'.
/// </summary>
internal sealed record ArchiveContents(ImmutableSortedDictionary<string, long> Counts)
{
    /// <summary>
    /// Entry kinds of more than one word, longest first, so "TABLE DATA" is not read as TABLE. A kind not listed is
    /// its first word.
    /// </summary>
    private static readonly string[] MultiWordKinds =
    [
        "MATERIALIZED VIEW DATA", "TEXT SEARCH CONFIGURATION", "TEXT SEARCH DICTIONARY", "TEXT SEARCH PARSER", "TEXT SEARCH TEMPLATE",
        "SEQUENCE OWNED BY", "FOREIGN DATA WRAPPER", "PUBLICATION TABLES IN SCHEMA", "MATERIALIZED VIEW", "SEQUENCE SET", "TABLE DATA",
        "FK CONSTRAINT", "CHECK CONSTRAINT", "DEFAULT ACL", "LARGE OBJECT", "BLOB METADATA", "EVENT TRIGGER", "FOREIGN TABLE",
        "USER MAPPING", "PUBLICATION TABLE", "ROW SECURITY", "OPERATOR CLASS", "OPERATOR FAMILY", "ACCESS METHOD", "PROCEDURAL LANGUAGE",
    ];

    public long Objects => Counts.Values.Sum();

    public long Count(string kind) => Counts.GetValueOrDefault(kind);

    public static ArchiveContents Parse(string listing)
    {
        var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var raw in listing.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith(';'))
            {
                continue;
            }

            // "<dump id>; <catalog oid> <object oid> <KIND ...> <schema> <name> <owner>"
            var semicolon = line.IndexOf(';', StringComparison.Ordinal);
            if (semicolon < 0)
            {
                continue;
            }

            var fields = line[(semicolon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 3)
            {
                continue;
            }

            var rest = string.Join(' ', fields[2..]);
            var kind = MultiWordKinds.FirstOrDefault(k => rest.StartsWith(k + " ", StringComparison.Ordinal) || rest == k) ?? fields[2];
            counts[kind] = counts.GetValueOrDefault(kind) + 1;
        }

        return new ArchiveContents(counts.ToImmutableSortedDictionary(StringComparer.Ordinal));
    }

    /// <summary>The counts as an output: lower-case kinds with underscores (table_data, fk_constraint).</summary>
    public Dictionary<string, object?> ToOutput() =>
        Counts.ToDictionary(c => c.Key.ToLowerInvariant().Replace(' ', '_'), c => (object?)c.Value, StringComparer.Ordinal);
}
