using System.Text;
using System.Text.Json;
using Runbook.Language;
using Runbook.Language.Actions;
using Runbook.Language.Diagnostics;

namespace Runbook.Cli.Rendering;

/// <summary>Diagnostics for machines: JSON, GitHub Actions workflow commands, and SARIF 2.1.0 for code scanning.</summary>
internal static class DiagnosticMachineFormats
{
    public static string Json(IReadOnlyList<LoadedPlaybook> results, Commands.ValidationScope? scope = null)
    {
        scope ??= Commands.ValidationScope.None;
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteStartArray("files");
            foreach (var result in results)
            {
                json.WriteStartObject();
                json.WriteString("path", result.Path);
                json.WriteBoolean("valid", !result.HasErrors);
                if (result.Playbook is { } playbook)
                {
                    // Which providers the playbook is for, and whether it says so (providers:) or they follow from its actions.
                    var providers = PlaybookProviders.For(playbook, Composition.ProviderRegistry.Catalog);
                    json.WriteStartArray("providers");
                    foreach (var name in providers.Names)
                    {
                        json.WriteStringValue(name);
                    }

                    json.WriteEndArray();
                    json.WriteString("providers_from", providers.Claimed ? "claimed" : "computed");
                }

                if (scope.Provider is not null)
                {
                    json.WriteBoolean("for_provider", scope.Find(result.Path) is null);
                }

                json.WriteStartArray("diagnostics");
                foreach (var d in result.Diagnostics)
                {
                    WriteDiagnostic(json, d, withEnd: true);
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            if (scope.Provider is { } provider)
            {
                json.WriteString("provider", provider);
                json.WriteStartArray("not_for_provider");
                foreach (var notFor in scope.NotFor)
                {
                    json.WriteStartObject();
                    json.WriteString("path", notFor.Path);
                    json.WriteString("reason", notFor.Reason);
                    json.WriteStartArray("providers");
                    foreach (var name in notFor.Providers.Names)
                    {
                        json.WriteStringValue(name);
                    }

                    json.WriteEndArray();
                    json.WriteEndObject();
                }

                json.WriteEndArray();
            }

            json.WriteNumber("errors", results.Sum(r => r.Diagnostics.Count(d => d.IsError)));
            json.WriteNumber("warnings", results.Sum(r => r.Diagnostics.Count(d => !d.IsError)));
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    /// <summary>One workflow command per diagnostic; GitHub turns them into annotations on the pull request.</summary>
    public static string GitHub(IReadOnlyList<LoadedPlaybook> results, Commands.ValidationScope? scope = null)
    {
        var text = new StringBuilder();
        foreach (var notFor in scope?.NotFor ?? [])
        {
            // A notice, never an error: a playbook for other providers is not a mistake.
            text.Append("::notice file=").Append(Property(notFor.Path))
                .Append(",line=").Append(notFor.At.Line)
                .Append(",col=").Append(notFor.At.Column)
                .Append(",title=").Append(Property($"not for {scope!.Provider}"))
                .Append("::").Append(Data($"{notFor.Path} is not for {scope.Provider}: {notFor.Reason}")).Append('\n');
        }

        foreach (var d in results.SelectMany(r => r.Diagnostics))
        {
            var command = d.IsError ? "error" : "warning";
            var message = d.Fix is null ? d.Message : $"{d.Message}. Fix: {d.Fix}";
            text.Append("::").Append(command)
                .Append(" file=").Append(Property(d.Span.Path))
                .Append(",line=").Append(d.Span.Line)
                .Append(",col=").Append(d.Span.Column)
                .Append(",endLine=").Append(d.Span.End.Line)
                .Append(",endColumn=").Append(d.Span.End.Column)
                .Append(",title=").Append(Property($"{d.Code} {d.Descriptor.Title}"))
                .Append("::").Append(Data(message)).Append('\n');
        }

        return text.ToString();
    }

    public static string Sarif(IReadOnlyList<LoadedPlaybook> results, string version)
    {
        var diagnostics = results.SelectMany(r => r.Diagnostics).ToList();
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("$schema", "https://json.schemastore.org/sarif-2.1.0.json");
            json.WriteString("version", "2.1.0");
            json.WriteStartArray("runs");
            json.WriteStartObject();
            json.WriteStartObject("tool");
            json.WriteStartObject("driver");
            json.WriteString("name", "runbook");
            json.WriteString("version", version);
            json.WriteStartArray("rules");
            foreach (var descriptor in Descriptors.All)
            {
                json.WriteStartObject();
                json.WriteString("id", descriptor.Code);
                json.WriteString("name", string.Concat(descriptor.Title.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(w => char.ToUpperInvariant(w[0]) + w[1..])));
                json.WriteStartObject("shortDescription");
                json.WriteString("text", descriptor.Title);
                json.WriteEndObject();
                json.WriteStartObject("help");
                json.WriteString("text", $"See docs/diagnostics.md, section {descriptor.Code}.");
                json.WriteEndObject();
                json.WriteStartObject("defaultConfiguration");
                json.WriteString("level", Level(descriptor.Severity));
                json.WriteEndObject();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteStartArray("results");
            foreach (var d in diagnostics)
            {
                json.WriteStartObject();
                json.WriteString("ruleId", d.Code);
                json.WriteNumber("ruleIndex", IndexOf(d.Descriptor));
                json.WriteString("level", Level(d.Severity));
                json.WriteStartObject("message");
                json.WriteString("text", d.Fix is null ? d.Message : $"{d.Message}. Fix: {d.Fix}");
                json.WriteEndObject();
                json.WriteStartArray("locations");
                json.WriteStartObject();
                json.WriteStartObject("physicalLocation");
                json.WriteStartObject("artifactLocation");
                json.WriteString("uri", d.Span.Path.Replace('\\', '/'));
                json.WriteEndObject();
                json.WriteStartObject("region");
                json.WriteNumber("startLine", d.Span.Line);
                json.WriteNumber("startColumn", d.Span.Column);
                json.WriteNumber("endLine", Math.Max(d.Span.End.Line, d.Span.Line));
                json.WriteNumber("endColumn", Math.Max(d.Span.End.Column, d.Span.Column + (d.Span.End.Line == d.Span.Line ? 1 : 0)));
                json.WriteEndObject();
                json.WriteEndObject();
                json.WriteEndObject();
                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    /// <summary>One diagnostic as a JSON object: code, severity, message, fix, where it is (and where it ends, for validate).</summary>
    public static void WriteDiagnostic(Utf8JsonWriter json, Diagnostic d, bool withEnd)
    {
        json.WriteStartObject();
        json.WriteString("code", d.Code);
        json.WriteString("severity", d.IsError ? "error" : "warning");
        json.WriteString("message", d.Message);
        if (d.Fix is not null)
        {
            json.WriteString("fix", d.Fix);
        }

        json.WriteString("path", d.Span.Path);
        json.WriteNumber("line", d.Span.Line);
        json.WriteNumber("column", d.Span.Column);
        if (withEnd)
        {
            json.WriteNumber("end_line", d.Span.End.Line);
            json.WriteNumber("end_column", d.Span.End.Column);
        }

        json.WriteEndObject();
    }

    private static int IndexOf(DiagnosticDescriptor descriptor)
    {
        for (var i = 0; i < Descriptors.All.Count; i++)
        {
            if (Descriptors.All[i] == descriptor)
            {
                return i;
            }
        }

        return -1;
    }

    private static string Level(DiagnosticSeverity severity) => severity == DiagnosticSeverity.Error ? "error" : "warning";

    // GitHub's escaping rules for workflow commands: data escapes % CR LF; properties also ':' and ','.
    private static string Data(string value) =>
        value.Replace("%", "%25", StringComparison.Ordinal).Replace("\r", "%0D", StringComparison.Ordinal).Replace("\n", "%0A", StringComparison.Ordinal);

    private static string Property(string value) =>
        Data(value).Replace(":", "%3A", StringComparison.Ordinal).Replace(",", "%2C", StringComparison.Ordinal);
}
