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

        var scope = run.Request.ApprovalScope ?? new ApprovalScope(run.RunId, string.Empty);
        var child = run.Request with
        {
            Playbook = loaded,
            Inputs = inputs,
            RunId = null,
            ParentRunId = run.RunId,
            ApprovalScope = new ApprovalScope(scope.RunId, scope.StepPath + invocation.StepId + "/"),
        };
        var result = await StartOrContinueAsync(invocation, child, cancellationToken).ConfigureAwait(false);
        var state = RunState.FromJournal(result.RunId, await run.Services.Journal.ReadAsync(result.RunId, CancellationToken.None).ConfigureAwait(false));
        var outputs = new Dictionary<string, object?>
        {
            ["run_id"] = result.RunId,
            ["status"] = result.Status.ToName(),
            ["outputs"] = state.Steps.ToDictionary(s => s.Key, s => (object?)s.Value.Outputs, StringComparer.Ordinal) as IReadOnlyDictionary<string, object?>,
        };
        return result.Status switch
        {
            RunStatus.Succeeded => StepOutcome.Success(outputs),
            // The child stopped without ending: at a gate nobody here could answer, or interrupted. The parent stops
            // with it and its step stays unfinished, so a resume of the parent continues the child where it stopped.
            RunStatus.AwaitingApproval or RunStatus.Interrupted => new ChildRunStopped(result.Status, result.RunId, state.AwaitingStep, result.Summary, outputs),
            // A gate in the child was denied (or expired): the parent is denied there too, as if the gate were its own.
            RunStatus.Denied => new ChildRunStopped(result.Status, result.RunId, DeniedGate(state), result.Summary,
                new Dictionary<string, object?>(outputs) { ["denied_step"] = DeniedGate(state) }),
            _ => StepOutcome.Failure($"playbook {loaded.Playbook!.Name} (run {result.RunId}) ended {result.Status.ToName()}: {result.Summary}", outputs, retryable: false),
        };
    }

    /// <summary>
    /// Starts the child run, or continues the one this attempt of the step already started (a resume after a pause or
    /// a crash): its id is journaled in the parent before the child's first event, so every crash point finds it.
    /// </summary>
    private async Task<RunResult> StartOrContinueAsync(StepInvocation invocation, RunRequest child, CancellationToken cancellationToken)
    {
        if (run.State.ChildRuns.GetValueOrDefault(invocation.StepId) is { } known && known.Attempt == invocation.Attempt)
        {
            var entries = await run.Services.Journal.ReadAsync(known.RunId, cancellationToken).ConfigureAwait(false);
            if (entries.Count == 0)
            {
                // The parent recorded the child and died before the child wrote anything: start it now, under that id.
                return await Executor.StartAsync(run.Services, child with { RunId = known.RunId }, cancellationToken).ConfigureAwait(false);
            }

            var state = RunState.FromJournal(known.RunId, entries);
            if (state.Status is RunStatus.Running or RunStatus.AwaitingApproval or RunStatus.Interrupted)
            {
                return await Executor.ResumeAsync(run.Services, child, state, cancellationToken).ConfigureAwait(false);
            }

            // The child ended and the parent died before recording it: take its end as it is, do not run it again.
            var summary = entries.LastOrDefault(e => e.Kind == JournalEventKind.RunFinished) is { } finished ? FinishedSummary(finished) : state.Status.ToName();
            return new RunResult(known.RunId, state.Status, summary);
        }

        var childId = Executor.NewRunId(run.Services.Time);
        await run.AppendAsync(JournalEventKind.ChildRunStarted, invocation.StepId, new JsonData()
            .Add("child_run", childId)
            .Add("attempt", invocation.Attempt), CancellationToken.None).ConfigureAwait(false);
        return await Executor.StartAsync(run.Services, child with { RunId = childId }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The gate a denied run was denied at: its own, or the path to one in its own child.</summary>
    private static string? DeniedGate(RunState state) =>
        state.Approvals.LastOrDefault(d => d.Decision is "denied" or "expired")?.StepId
        ?? state.Steps.Values.Where(s => s.Status == StepStatus.Failed && s.Outputs.GetValueOrDefault("denied_step") is string)
            .Select(s => $"{s.StepId}/{s.Outputs["denied_step"]}").FirstOrDefault();

    private static string FinishedSummary(JournalEntry finished)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(finished.Data);
        return doc.RootElement.TryGetProperty("summary", out var s) && s.ValueKind == System.Text.Json.JsonValueKind.String ? s.GetString()! : string.Empty;
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
    internal LoadedPlaybook LoadSubPlaybook(string name)
    {
        var (text, path) = ContainedFile.ReadText(name, [run.PlaybookDirectory], "playbook");
        return PlaybookLoader.Load(path, System.Text.Encoding.UTF8.GetBytes(text), run.Services.Catalog, run.Services.Catalog.FindProvider(run.Request.Provider));
    }
}

/// <summary>
/// A child run that stopped without ending (awaiting approval, interrupted) or was denied: not a step failure; the parent
/// stops as the child did. <paramref name="AwaitingStep"/> is the child's gate (a path when the child waits on its own child).
/// </summary>
internal sealed record ChildRunStopped(RunStatus Status, string ChildRunId, string? AwaitingStep, string Summary, IReadOnlyDictionary<string, object?> Outputs)
    : StepOutcome(Outputs);
