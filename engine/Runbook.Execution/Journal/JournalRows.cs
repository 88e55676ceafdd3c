using System.Data.Common;
using System.Text.Json;

namespace Runbook.Execution.Journal;

/// <summary>What both journals do the same way over ADO.NET, whatever their SQL dialect: binding, reading leases, run fields.</summary>
internal static class JournalRows
{
    public static void Bind(DbCommand command, params (string Name, object Value)[] parameters)
    {
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }
    }

    /// <summary>Rows of <c>SELECT target, run_id, expires_at FROM leases …</c>.</summary>
    public static async Task<IReadOnlyList<Lease>> ReadLeasesAsync(DbCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var leases = new List<Lease>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            leases.Add(new Lease(reader.GetString(0), reader.GetString(1), JournalSchema.ParseTime(reader.GetString(2))));
        }

        return leases;
    }

    /// <summary>A string field of a RunStarted entry's data, or empty.</summary>
    public static string Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : string.Empty;

    /// <summary>Whether a RunStarted entry's data says it is a dry run, as the runs table stores it.</summary>
    public static int DryRun(JsonElement root) => root.TryGetProperty("dry_run", out var dry) && dry.ValueKind == JsonValueKind.True ? 1 : 0;
}
