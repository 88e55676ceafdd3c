using System.Collections.Immutable;
using Runbook.Execution.Actions;
using Runbook.Execution.Actions.Files;
using Runbook.Execution.Journal;
using Runbook.Language;
using Runbook.Language.Diagnostics;
using Runbook.Language.Expressions.Evaluation;
using Runbook.Language.Inputs;
using Runbook.Language.Model;

namespace Runbook.Execution.Engine;

/// <summary>
/// playbook.run: runs another playbook as a child run (journaled on its own, linked to this one). Its steps'
/// outputs come back as <c>outputs.&lt;step&gt;.&lt;name&gt;</c>; its compensations join this run's saga.
/// </summary>
internal sealed class SubPlaybooks(ActiveRun run)
{
    /// <summary>Runs the child playbook an invocation names, and gives its steps' outputs back as the step's.</summary>
    public async Task<StepOutcome> RunAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        var loaded = LoadSubPlaybook(invocation.GetString("path") ?? string.Empty);
        var path = loaded.Path;
        if (!loaded.IsValid)
        {
            return StepOutcome.Failure($"{path} is not a valid playbook: {string.Join("; ", loaded.Diagnostics.Where(d => d.IsError).Take(3))}", retryable: false);
        }

        var given = (invocation.Get("inputs") as IReadOnlyDictionary<string, object?> ?? ImmutableDictionary<string, object?>.Empty)
            .ToDictionary(i => i.Key, i => ExpressionValues.ToText(i.Value), StringComparer.Ordinal);
        var diagnostics = new DiagnosticBag();
        var inputs = InputValues.Bind(loaded.Playbook!, given, diagnostics, source => Environment.GetEnvironmentVariable(source.Reference));
        if (diagnostics.HasErrors)
        {
            return StepOutcome.Failure($"inputs of {path}: {string.Join("; ", diagnostics.Items.Where(d => d.IsError).Select(d => d.Message))}", retryable: false);
        }

        var child = run.Request with
        {
            Playbook = loaded,
            Inputs = inputs,
            RunId = null,
            ParentRunId = run.RunId,
        };
        var result = await Executor.StartAsync(run.Services, child, cancellationToken).ConfigureAwait(false);
        var state = RunState.FromJournal(result.RunId, await run.Services.Journal.ReadAsync(result.RunId, CancellationToken.None).ConfigureAwait(false));
        var outputs = new Dictionary<string, object?>
        {
            ["run_id"] = result.RunId,
            ["status"] = result.Status.ToName(),
            ["outputs"] = state.Steps.ToDictionary(s => s.Key, s => (object?)s.Value.Outputs, StringComparer.Ordinal) as IReadOnlyDictionary<string, object?>,
        };
        return result.Status == RunStatus.Succeeded
            ? StepOutcome.Success(outputs)
            : StepOutcome.Failure($"playbook {loaded.Playbook!.Name} (run {result.RunId}) ended {result.Status.ToName()}: {result.Summary}", outputs, retryable: false);
    }

    /// <summary>Undoes a completed child run: its own compensations, newest first.</summary>
    public async Task<StepOutcome> RollbackAsync(Step step, string id, CancellationToken cancellationToken)
    {
        if (run.State.Step(id).Outputs.GetValueOrDefault("run_id") is not string childId)
        {
            return StepOutcome.Success();
        }

        var state = RunState.FromJournal(childId, await run.Services.Journal.ReadAsync(childId, cancellationToken).ConfigureAwait(false));
        var uses = (UsesAction)step.Action;
        var loaded = LoadSubPlaybook(run.Expressions().TryStaticText(uses.Find("path")!.Value) ?? string.Empty);
        var request = run.Request with { Playbook = loaded, Inputs = ImmutableDictionary<string, object?>.Empty.AddRange(state.Inputs) };
        var result = await Executor.RollbackAsync(run.Services, request, state, cancellationToken).ConfigureAwait(false);
        return result.Status is RunStatus.RolledBack or RunStatus.Failed
            ? StepOutcome.Success()
            : StepOutcome.Failure($"the rollback of child run {childId} is incomplete: {result.Summary}");
    }

    /// <summary>A child playbook, read only from inside this playbook's folder (see <see cref="ContainedFile"/>).</summary>
    private LoadedPlaybook LoadSubPlaybook(string name)
    {
        var (text, path) = ContainedFile.ReadText(name, [run.PlaybookDirectory], "playbook");
        return PlaybookLoader.Load(path, System.Text.Encoding.UTF8.GetBytes(text), run.Services.Catalog, run.Services.Catalog.FindProvider(run.Request.Provider));
    }
}
