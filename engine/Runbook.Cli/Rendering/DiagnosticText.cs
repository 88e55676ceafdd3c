using System.Text;
using Runbook.Language;
using Runbook.Language.Diagnostics;

namespace Runbook.Cli.Rendering;

/// <summary>Diagnostics for people: path:line:col, severity, code, message, the line with a caret, the fix.</summary>
internal static class DiagnosticText
{
    public static string Render(IReadOnlyList<LoadedPlaybook> results, bool color, Commands.ValidationScope? scope = null)
    {
        var text = new StringBuilder();
        foreach (var result in results)
        {
            foreach (var diagnostic in result.Diagnostics)
            {
                Append(text, diagnostic, result, color);
            }
        }

        // Not an error: listed so that a reader sees which playbooks the provider's check left out, and why.
        foreach (var notFor in scope?.NotFor ?? [])
        {
            text.Append(notFor.Path).Append(": not for ").Append(scope!.Provider).Append(": ").Append(notFor.Reason).Append('\n');
        }

        var errors = results.Sum(r => r.Diagnostics.Count(d => d.IsError));
        var warnings = results.Sum(r => r.Diagnostics.Count(d => !d.IsError));
        var files = results.Count == 1 ? "1 file" : $"{results.Count} files";
        text.Append(files).Append(" checked: ")
            .Append(Plural(errors, "error")).Append(", ").Append(Plural(warnings, "warning"));
        if (scope is { Provider: { } provider, NotFor.Count: > 0 })
        {
            text.Append(", ").Append(scope.NotFor.Count).Append(" not for ").Append(provider);
        }

        return text.Append('\n').ToString();
    }

    public static void Append(StringBuilder text, Diagnostic diagnostic, LoadedPlaybook? result, bool color)
    {
        var (severity, paint) = diagnostic.IsError ? ("error", "31") : ("warning", "33");
        text.Append(diagnostic.Span).Append(": ")
            .Append(Paint($"{severity} {diagnostic.Code}", paint, color)).Append(": ")
            .Append(diagnostic.Message).Append('\n');
        var line = result?.Source?.LineText(diagnostic.Span.Line);
        if (!string.IsNullOrEmpty(line) && line.Length <= 240)
        {
            var number = diagnostic.Span.Line.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var gutter = new string(' ', number.Length);
            // A span may start just past the last character (a key with nothing after its ':'): the caret then
            // stands after the line, one column wide, rather than the range being inverted.
            var start = Math.Clamp(diagnostic.Span.Column - 1, 0, line.Length);
            var end = diagnostic.Span.End.Line == diagnostic.Span.Line ? Math.Min(diagnostic.Span.End.Column - 1, line.Length) : line.Length;
            var width = Math.Max(1, end - start);
            text.Append(' ').Append(number).Append(" | ").Append(line).Append('\n');
            text.Append(' ').Append(gutter).Append(" | ").Append(new string(' ', start)).Append(Paint(new string('^', width), paint, color)).Append('\n');
        }

        if (diagnostic.Fix is { } fix)
        {
            text.Append("   = fix: ").Append(fix).Append('\n');
        }
    }

    private static string Paint(string text, string code, bool color) => color ? $"\u001b[{code}m{text}\u001b[0m" : text;

    private static string Plural(int count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";
}
