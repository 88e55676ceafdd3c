using Runbook.Language.Text;

namespace Runbook.Language.Diagnostics;

/// <summary>Collects every problem in one pass; nothing stops at the first.</summary>
public sealed class DiagnosticBag
{
    private readonly List<Diagnostic> _items = [];

    public IReadOnlyList<Diagnostic> Items => _items;

    public bool HasErrors => _items.Exists(d => d.IsError);

    public void Add(Diagnostic diagnostic) => _items.Add(diagnostic);

    public void Add(DiagnosticDescriptor descriptor, SourceSpan span, string message, string? fix = null) =>
        _items.Add(new Diagnostic(descriptor, span, message, fix));

    public void AddRange(IEnumerable<Diagnostic> diagnostics) => _items.AddRange(diagnostics);

    public IReadOnlyList<Diagnostic> ToSortedList() =>
        [.. _items.Distinct().OrderBy(d => d.Span.Path, StringComparer.Ordinal)
            .ThenBy(d => d.Span.Line).ThenBy(d => d.Span.Column).ThenBy(d => d.Code, StringComparer.Ordinal)];
}
