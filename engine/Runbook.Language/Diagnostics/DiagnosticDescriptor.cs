namespace Runbook.Language.Diagnostics;

/// <summary>A stable diagnostic code with its severity and a one-line title (catalogued in docs/diagnostics.md).</summary>
public sealed record DiagnosticDescriptor(string Code, DiagnosticSeverity Severity, string Title);
