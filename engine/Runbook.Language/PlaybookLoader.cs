using Runbook.Language.Actions;
using Runbook.Language.Binding;
using Runbook.Language.Checking;
using Runbook.Language.Diagnostics;
using Runbook.Language.Graph;
using Runbook.Language.Model;
using Runbook.Language.Text;
using Runbook.Language.Yaml;

namespace Runbook.Language;

/// <summary>The result of loading one playbook: what could be built, and every problem found on the way.</summary>
public sealed record LoadedPlaybook(string Path, SourceText? Source, Playbook? Playbook, StepGraph? Graph, IReadOnlyList<Diagnostic> Diagnostics)
{
    public bool HasErrors => Diagnostics.Any(d => d.IsError);

    /// <summary>Usable for planning and running: bound, acyclic, and without errors.</summary>
    public bool IsValid => Playbook is not null && Graph is not null && !HasErrors;
}

/// <summary>
/// The language's front door, one direction: bytes → text → YAML tree → playbook → checked graph.
/// It never executes anything and never throws for bad input.
/// </summary>
public static class PlaybookLoader
{
    public static LoadedPlaybook LoadFile(string path, ActionCatalog catalog, ProviderDescriptor? provider = null)
    {
        byte[] bytes;
        try
        {
            var info = new FileInfo(path);
            if (info.Exists && info.Length > SourceDecoder.MaxFileBytes)
            {
                // Do not read a huge file into memory only to reject it.
                var bag = new DiagnosticBag();
                SourceDecoder.ReportTooLarge(path, info.Length, bag);
                return new LoadedPlaybook(path, null, null, null, bag.Items);
            }

            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            var bag = new DiagnosticBag();
            bag.Add(Descriptors.FileUnreadable, SourceSpan.None(path), $"cannot read the file: {ex.Message}", "check the path and its permissions");
            return new LoadedPlaybook(path, null, null, null, bag.Items);
        }

        var diagnostics = new DiagnosticBag();
        var source = SourceDecoder.Decode(path, bytes, diagnostics);
        return source is null
            ? new LoadedPlaybook(path, null, null, null, diagnostics.ToSortedList())
            : Load(source, catalog, provider, diagnostics, SubPlaybooks.Reader(path, catalog));
    }

    public static LoadedPlaybook Load(string path, ReadOnlySpan<byte> bytes, ActionCatalog catalog, ProviderDescriptor? provider = null)
    {
        var diagnostics = new DiagnosticBag();
        var source = SourceDecoder.Decode(path, bytes, diagnostics);
        return source is null
            ? new LoadedPlaybook(path, null, null, null, diagnostics.ToSortedList())
            : Load(source, catalog, provider, diagnostics);
    }

    public static LoadedPlaybook Load(SourceText source, ActionCatalog catalog, ProviderDescriptor? provider = null) =>
        Load(source, catalog, provider, new DiagnosticBag());

    /// <param name="readSubPlaybook">
    /// Reads a playbook a <c>playbook.run</c> step names by a literal path, for the check of its providers (RB0317); only
    /// when loading from a file, whose folder those paths are relative to.
    /// </param>
    private static LoadedPlaybook Load(SourceText source, ActionCatalog catalog, ProviderDescriptor? provider, DiagnosticBag diagnostics,
        Func<string, Playbook?>? readSubPlaybook = null)
    {
        var root = YamlLoader.Load(source, diagnostics);
        var playbook = root is null ? null : PlaybookBinder.Bind(root, source.Path, catalog, diagnostics);
        var graph = playbook is null ? null : PlaybookChecker.Check(playbook, catalog, provider, diagnostics, readSubPlaybook);
        return new LoadedPlaybook(source.Path, source, playbook, graph, diagnostics.ToSortedList());
    }
}
