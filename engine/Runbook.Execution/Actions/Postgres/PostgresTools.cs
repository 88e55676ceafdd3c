using System.Globalization;

namespace Runbook.Execution.Actions.Postgres;

/// <summary>
/// Finds pg_dump and pg_restore for a server's major version. Debian keeps one set per version under
/// /usr/lib/postgresql/&lt;major&gt;/bin: the matching one is taken, else the oldest newer one (a newer pg_dump
/// reads older servers, never the reverse), else the one on PATH.
/// </summary>
/// <param name="versionsRoot">Where the per-version folders are (/usr/lib/postgresql).</param>
/// <param name="path">The search path for the fallback (the process's PATH).</param>
internal sealed class PostgresTools(string versionsRoot, string? path)
{
    public static PostgresTools System { get; } = new("/usr/lib/postgresql", global::System.Environment.GetEnvironmentVariable("PATH"));

    /// <summary>The program to run against a server of <paramref name="serverMajor"/>, or null when there is none.</summary>
    public string? Find(string program, int serverMajor)
    {
        var versioned = Directory.Exists(versionsRoot)
            ? Directory.GetDirectories(versionsRoot)
                .Select(d => (Major: int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : -1, File: Path.Combine(d, "bin", program)))
                .Where(c => c.Major > 0 && File.Exists(c.File))
                .OrderBy(c => c.Major)
                .ToList()
            : [];
        var match = versioned.FirstOrDefault(c => c.Major == serverMajor).File ?? versioned.FirstOrDefault(c => c.Major > serverMajor).File;
        return match ?? OnPath(program);
    }

    /// <summary>What the step says when no program fits: which versions exist and what to install.</summary>
    public string Missing(string program, int serverMajor) =>
        $"no {program} for PostgreSQL {serverMajor} (none under {versionsRoot}/{serverMajor}/bin, none newer, none on PATH); "
        + $"install the client of that version (Debian: apt-get install postgresql-client-{serverMajor})";

    private string? OnPath(string program) =>
        (path ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, program))
            .FirstOrDefault(File.Exists);
}
