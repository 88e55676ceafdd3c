using System.Collections.Frozen;
using Runbook.Execution.Actions;
using Runbook.Execution.Approvals;
using Runbook.Execution.Journal;
using Runbook.Execution.Secrets;
using Runbook.Language.Actions;

namespace Runbook.Execution.Engine;

/// <summary>What the executor works with, handed in by the CLI (or a test): a typed context, not a service locator.</summary>
public sealed record ExecutorServices(
    IJournal Journal,
    ActionCatalog Catalog,
    FrozenDictionary<string, IStepAction> Actions,
    IRunObserver Observer,
    IApprovalChannel Approvals,
    ApproverDirectory Directory,
    SecretMasker Masker,
    TimeProvider Time,
    HttpClient Http,
    string WorkingDirectory)
{
    /// <summary>How long a target lease lasts without renewal; a crashed run's lease expires after this.</summary>
    public TimeSpan LeaseTtl { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How often a run waiting on others' approvals looks at the journal.</summary>
    public TimeSpan ApprovalPollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Folders besides the playbook's own where <c>template:</c> files are looked up (runbook.yaml <c>templates:</c>).</summary>
    public System.Collections.Immutable.ImmutableArray<string> TemplateDirectories { get; init; } = [];

    /// <summary>A step without its own timeout gives up after this long.</summary>
    public TimeSpan DefaultStepTimeout { get; init; } = TimeSpan.FromMinutes(30);
}
