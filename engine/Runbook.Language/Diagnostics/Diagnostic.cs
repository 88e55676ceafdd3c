using Runbook.Language.Text;

namespace Runbook.Language.Diagnostics;

public enum DiagnosticSeverity
{
    Error,
    Warning,
}

/// <summary>One problem found in a playbook: where, how bad, which stable code, what is wrong and how to fix it.</summary>
public sealed record Diagnostic(DiagnosticDescriptor Descriptor, SourceSpan Span, string Message, string? Fix = null)
{
    public string Code => Descriptor.Code;

    public DiagnosticSeverity Severity => Descriptor.Severity;

    public bool IsError => Severity == DiagnosticSeverity.Error;

    public override string ToString()
    {
        var severity = Severity == DiagnosticSeverity.Error ? "error" : "warning";
        var fix = Fix is null ? string.Empty : $" ({Fix})";
        return $"{Span}: {severity} {Code}: {Message}{fix}";
    }
}
