using System.Text;
using Runbook.Language.Actions;
using Runbook.Language.Diagnostics;
using Runbook.Language.Model;

namespace Runbook.Language.Tests.ForEach;

/// <summary>Small playbooks around one fan-out step, loaded through the whole front door.</summary>
internal static class FanOutPlaybooks
{
    public static LoadedPlaybook Load(string yaml) => PlaybookLoader.Load("p.yaml", Encoding.UTF8.GetBytes(yaml), ActionCatalog.Create([]));

    /// <summary>A playbook with the given inputs block (indented under inputs:) and mitigate steps (indented under mitigate:).</summary>
    public static LoadedPlaybook WithSteps(string inputs, string steps) => Load($"""
        apiVersion: runbook/v1
        kind: Playbook
        name: p
        inputs:
        {Indent(inputs, 2)}
        phases:
          mitigate:
        {Indent(steps, 4)}
        """);

    public static IReadOnlyList<Diagnostic> Errors(LoadedPlaybook loaded) => [.. loaded.Diagnostics.Where(d => d.IsError)];

    /// <summary>Every diagnostic as code@line:column, but RB0302: run: steps mutate unless told, and these playbooks are not about rollback.</summary>
    public static string Codes(LoadedPlaybook loaded) =>
        string.Join(" ", loaded.Diagnostics.Where(d => d.Code != "RB0302").Select(d => $"{d.Code}@{d.Span.Line}:{d.Span.Column}"));

    public static Step Step(LoadedPlaybook loaded, string id) => loaded.Playbook!.FindStep(id)!;

    private static string Indent(string text, int spaces) =>
        string.Join('\n', text.Split('\n').Select(line => line.Length == 0 ? line : new string(' ', spaces) + line));
}
