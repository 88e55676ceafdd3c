using System.Globalization;
using System.Text;
using System.Text.Json;
using Runbook.Import;
using Runbook.Language.Diagnostics;

namespace Runbook.Cli.Rendering;

/// <summary>The import summary: per draft what became actions, inputs, approvals and what a human must review; as text or JSON.</summary>
internal static class ImportRendering
{
    public static string Text(ImportResult result, IReadOnlyList<string> written, IReadOnlyList<Diagnostic> problems, string directory, bool color)
    {
        var text = new StringBuilder();
        foreach (var diagnostic in result.Diagnostics.Concat(problems))
        {
            DiagnosticText.Append(text, diagnostic, null, color);
        }

        if (result.HasErrors)
        {
            text.Append(result.Path).Append(": nothing imported\n");
            return text.ToString();
        }

        text.Append(result.Path).Append(": ").Append(Count(result.Drafts.Length, "draft playbook")).Append('\n');
        foreach (var draft in result.Drafts)
        {
            var s = draft.Summary;
            text.Append('\n').Append(draft.FileName).Append("  (section \"").Append(draft.Section).Append("\", line ")
                .Append(Number(draft.Line)).Append("): ").Append(Count(s.Steps, "step")).Append(", ")
                .Append(Count(s.Mapped.Count(m => m.Note is null), "action")).Append(", ")
                .Append(Count(s.Inputs.Length, "input")).Append(", ")
                .Append(Count(s.Approvals.Length, "approval")).Append(", ")
                .Append(Count(s.Review.Length, "review item")).Append('\n');
            if (s.Mapped.Length > 0)
            {
                text.Append("  mapped to actions:\n");
                foreach (var m in s.Mapped)
                {
                    text.Append("    line ").Append(Number(m.Line)).Append(": ").Append(m.StepId).Append(" uses ").Append(m.Action)
                        .Append("  <- ").Append(m.Command);
                    if (m.Note is { } note)
                    {
                        text.Append("  (").Append(note).Append(')');
                    }

                    text.Append('\n');
                }
            }

            if (s.Inputs.Length > 0)
            {
                text.Append("  inputs:\n");
                foreach (var i in s.Inputs)
                {
                    text.Append("    ").Append(i.Name).Append(" (").Append(i.Type).Append(i.Default is null ? ", required" : $", default {i.Default}")
                        .Append("): ").Append(i.Origin).Append(", line ").Append(Number(i.Line)).Append('\n');
                }
            }

            if (s.Approvals.Length > 0)
            {
                text.Append("  approvals:\n");
                foreach (var a in s.Approvals)
                {
                    text.Append("    line ").Append(Number(a.Line)).Append(": ").Append(a.StepId).Append(": ").Append(a.Reason).Append('\n');
                }
            }

            if (s.Review.Length > 0)
            {
                text.Append("  review:\n");
                foreach (var r in s.Review)
                {
                    text.Append("    line ").Append(Number(r.Line)).Append(": ").Append(r.StepId is null ? string.Empty : r.StepId + ": ").Append(r.Text).Append('\n');
                }
            }

            if (s.PlatformSettings.Length > 0)
            {
                text.Append("  for runbook.yaml (platform settings the actions leave to it): ").Append(string.Join("; ", s.PlatformSettings)).Append('\n');
            }

            text.Append("  checker: 0 errors, ").Append(Count(draft.Warnings.Length, "warning")).Append('\n');
        }

        if (written.Count > 0)
        {
            text.Append('\n').Append("wrote ").Append(Count(written.Count, "file")).Append(" to ").Append(directory)
                .Append("; check them with: runbook validate ").Append(directory).Append('\n');
        }

        return text.ToString();
    }

    public static string Json(ImportResult result, IReadOnlyList<string> written, IReadOnlyList<Diagnostic> problems)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("source", result.Path);
            json.WriteBoolean("imported", !result.HasErrors && !problems.Any(p => p.IsError));
            json.WriteStartArray("diagnostics");
            foreach (var d in result.Diagnostics.Concat(problems))
            {
                DiagnosticMachineFormats.WriteDiagnostic(json, d, withEnd: false);
            }

            json.WriteEndArray();
            json.WriteStartArray("drafts");
            foreach (var draft in result.Drafts)
            {
                var s = draft.Summary;
                json.WriteStartObject();
                json.WriteString("file", draft.FileName);
                json.WriteString("name", draft.Name);
                json.WriteString("section", draft.Section);
                json.WriteNumber("line", draft.Line);
                json.WriteNumber("steps", s.Steps);
                json.WriteStartArray("mapped");
                foreach (var m in s.Mapped)
                {
                    json.WriteStartObject();
                    json.WriteString("step", m.StepId);
                    json.WriteString("action", m.Action);
                    json.WriteNumber("line", m.Line);
                    json.WriteString("command", m.Command);
                    if (m.Note is not null)
                    {
                        json.WriteString("note", m.Note);
                    }

                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteStartArray("inputs");
                foreach (var i in s.Inputs)
                {
                    json.WriteStartObject();
                    json.WriteString("name", i.Name);
                    json.WriteString("type", i.Type);
                    if (i.Default is null)
                    {
                        json.WriteNull("default");
                    }
                    else
                    {
                        json.WriteString("default", i.Default);
                    }

                    json.WriteString("origin", i.Origin);
                    json.WriteNumber("line", i.Line);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteStartArray("approvals");
                foreach (var a in s.Approvals)
                {
                    json.WriteStartObject();
                    json.WriteString("step", a.StepId);
                    json.WriteNumber("line", a.Line);
                    json.WriteString("reason", a.Reason);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteStartArray("review");
                foreach (var r in s.Review)
                {
                    json.WriteStartObject();
                    json.WriteNumber("line", r.Line);
                    if (r.StepId is null)
                    {
                        json.WriteNull("step");
                    }
                    else
                    {
                        json.WriteString("step", r.StepId);
                    }

                    json.WriteString("text", r.Text);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteStartArray("platform_settings");
                foreach (var p in s.PlatformSettings)
                {
                    json.WriteStringValue(p);
                }

                json.WriteEndArray();
                json.WriteNumber("warnings", draft.Warnings.Length);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartArray("written");
            foreach (var path in written)
            {
                json.WriteStringValue(path);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Count(int count, string noun) => count == 1 ? $"1 {noun}" : $"{Number(count)} {noun}s";
}
