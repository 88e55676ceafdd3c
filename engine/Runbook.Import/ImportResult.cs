using System.Collections.Immutable;
using Runbook.Language.Diagnostics;

namespace Runbook.Import;

/// <summary>A step whose command a provider action covers: which action, from which line.</summary>
/// <param name="Note">Why the command shows up without a step of its own (a variant merged, a lookup subsumed); null for the step's own command.</param>
public sealed record MappedStep(string StepId, string Action, int Line, string Command, string? Note);

/// <summary>An input of a draft and where its value came from.</summary>
public sealed record DraftInputSummary(string Name, string Type, string? Default, string Origin, int Line);

/// <summary>A step that waits for an approval because its command destroys something.</summary>
public sealed record ApprovalItem(string StepId, int Line, string Reason);

/// <summary>Something a human must decide before the draft is used; <see cref="StepId"/> is null for what was left out.</summary>
public sealed record ReviewItem(int Line, string? StepId, string Text);

/// <summary>What one draft holds, for review: mapped actions, inputs, approvals, review items and the platform settings left to runbook.yaml.</summary>
public sealed record DraftSummary(
    int Steps,
    ImmutableArray<MappedStep> Mapped,
    ImmutableArray<DraftInputSummary> Inputs,
    ImmutableArray<ApprovalItem> Approvals,
    ImmutableArray<ReviewItem> Review,
    ImmutableArray<string> PlatformSettings);

/// <summary>One draft playbook: its file name, the section it came from, its YAML, summary and the checker's warnings.</summary>
public sealed record DraftPlaybook(string FileName, string Name, string Section, int Line, string Yaml, DraftSummary Summary, ImmutableArray<Diagnostic> Warnings);

/// <summary>The outcome of importing one markdown runbook: the drafts, and every problem with the markdown itself.</summary>
public sealed record ImportResult(string Path, ImmutableArray<Diagnostic> Diagnostics, ImmutableArray<DraftPlaybook> Drafts)
{
    public bool HasErrors => Diagnostics.Any(d => d.IsError);
}
