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

public sealed partial class Executor
{
    /// <summary>
    /// playbook.run: runs another playbook as a child run (journaled on its own, linked to this one). Its steps'
    /// outputs come back as <c>outputs.&lt;step&gt;.&lt;name&gt;</c>; its compensations join this run's saga.
    /// </summary>
    private async Task<StepOutcome> RunSubPlaybookAsync(StepInvocation invocation, CancellationToken cancellationToken)
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

        var child = _request with
        {
            Playbook = loaded,
            Inputs = inputs,
            RunId = null,
            ParentRunId = _runId,
        };
        var result = await StartAsync(_services, child, cancellationToken).ConfigureAwait(false);
        var state = RunState.FromJournal(result.RunId, await _services.Journal.ReadAsync(result.RunId, CancellationToken.None).ConfigureAwait(false));
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
    private async Task<StepOutcome> RollbackSubPlaybookAsync(Step step, CancellationToken cancellationToken)
    {
        if (State.Step(step.Id).Outputs.GetValueOrDefault("run_id") is not string childId)
        {
            return StepOutcome.Success();
        }

        var state = RunState.FromJournal(childId, await _services.Journal.ReadAsync(childId, cancellationToken).ConfigureAwait(false));
        var uses = (UsesAction)step.Action;
        var loaded = LoadSubPlaybook(Expressions().TryStaticText(uses.Find("path")!.Value) ?? string.Empty);
        var request = _request with { Playbook = loaded, Inputs = ImmutableDictionary<string, object?>.Empty.AddRange(state.Inputs) };
        var result = await RollbackAsync(_services, request, state, cancellationToken).ConfigureAwait(false);
        return result.Status is RunStatus.RolledBack or RunStatus.Failed
            ? StepOutcome.Success()
            : StepOutcome.Failure($"the rollback of child run {childId} is incomplete: {result.Summary}");
    }

    /// <summary>A child playbook, read only from inside this playbook's folder (see <see cref="ContainedFile"/>).</summary>
    private LoadedPlaybook LoadSubPlaybook(string name)
    {
        var (text, path) = ContainedFile.ReadText(name, [PlaybookDirectory], "playbook");
        return PlaybookLoader.Load(path, System.Text.Encoding.UTF8.GetBytes(text), _services.Catalog, _services.Catalog.FindProvider(_request.Provider));
    }
}
