using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Runbook.Execution.Actions;
using Runbook.Execution.Actions.Files;
using Runbook.Execution.Actions.Shell;
using Runbook.Execution.Journal;
using Runbook.Execution.Providers;
using Runbook.Language.Actions;
using Runbook.Language.Model;

namespace Runbook.Execution.Engine;

/// <summary>
/// Runs one step (or one item of a fan-out) to its end: its <c>if:</c>, the dry-run preview, its attempts with the
/// retry delay between them, its timeout, and its outputs; each change journaled before it is acted on. It also
/// decides where secrets may go: which scripts get them, which outputs become secret, what notifications may say.
/// </summary>
internal sealed class StepRunner(ActiveRun run, SubPlaybooks subPlaybooks)
{
    /// <summary>
    /// Arguments of notify.* that carry the delivery's own credentials or settings, sent as given; every other
    /// argument is text people will read (text, title, summary, source, channel, json …) and is masked first.
    /// </summary>
    private static readonly ImmutableHashSet<string> NotificationDelivery =
        ["webhook", "url", "routing_key", "headers", "fail_on_error", "event_action", "template", "__mutates"];

    /// <summary>Whether the latest invocation of each script read a secret, filled in as the invocation is built.</summary>
    private readonly ConcurrentDictionary<string, SecretUse> _scriptSecretUse = new(StringComparer.Ordinal);

    /// <summary>Runs a step, or one item of a fan-out step (<paramref name="item"/>: its sub-step id and the names it reads).</summary>
    public async Task<StepResult> RunAsync(Step step, StepItem? item, CancellationToken cancellationToken)
    {
        await Task.Yield();
        var id = item?.Id ?? step.Id;
        RunExpressions Current() => item is null ? run.Expressions() : run.Expressions().WithLocals(item.Locals);
        var expressions = Current();
        if (step.If is { } condition)
        {
            bool run;
            try
            {
                run = expressions.Condition(condition);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                return await FailAsync(step, id, 1, $"if: {ex.Message}", willRetry: false, 0, cancellationToken).ConfigureAwait(false);
            }

            if (!run)
            {
                await SkipAsync(id, "if: condition is false", null).ConfigureAwait(false);
                return new StepResult(step, false, false, null);
            }
        }

        if (run.Request.DryRun && step.Mutates)
        {
            var preview = await PreviewAsync(step, id, expressions, cancellationToken).ConfigureAwait(false);
            await SkipAsync(id, "dry run: mutating step not run", preview).ConfigureAwait(false);
            return new StepResult(step, false, false, null);
        }

        var attempts = step.Retry?.Attempts ?? 1;
        // A playbook.run step that stopped with its child (a gate in the child, an interruption) goes on in the same
        // attempt: the child it started continues where it stopped instead of a new child starting.
        var current = run.State.Step(id);
        var continuesChild = current.Status == StepStatus.Started && run.State.ChildRuns.GetValueOrDefault(id)?.Attempt == current.Attempts;
        for (var attempt = current.Attempts + (continuesChild ? 0 : 1); ; attempt++)
        {
            var started = run.Services.Time.GetTimestamp();
            await run.AppendAsync(JournalEventKind.StepStarted, id, new JsonData()
                .Add("attempt", attempt)
                .Add("action", ActiveRun.ActionName(step.Action))
                .Add("mutates", step.Mutates)
                .Add("idempotent", step.Idempotent), CancellationToken.None).ConfigureAwait(false);
            run.Emit(new StepStartedEvent(run.RunId, run.Now, id, item?.DisplayName ?? step.DisplayName, step.Phase.ToName(), ActiveRun.ActionName(step.Action), attempt));

            var outcome = await AttemptAsync(step, id, attempt, Current, cancellationToken).ConfigureAwait(false);
            if (outcome is ChildRunStopped stopped)
            {
                return await ChildStoppedAsync(step, id, attempt, stopped, run.Services.Time.GetElapsedTime(started)).ConfigureAwait(false);
            }

            outcome = DeclaredOutputs.Convert(step, outcome, text => (_scriptSecretUse.TryGetValue(id, out var use) && use.Any) || run.Services.Masker.Reveals(text));
            var elapsed = (long)run.Services.Time.GetElapsedTime(started).TotalMilliseconds;
            if (cancellationToken.IsCancellationRequested)
            {
                await FailAsync(step, id, attempt, "interrupted", willRetry: false, elapsed, CancellationToken.None).ConfigureAwait(false);
                return new StepResult(step, true, true, "interrupted");
            }

            if (outcome is Succeeded success)
            {
                RegisterSecretOutputs(step, id, success.Outputs);
                var outputs = success.Outputs.ToImmutableDictionary(StringComparer.Ordinal);
                run.KeepLiveOutputs(id, outputs);
                await run.AppendAsync(JournalEventKind.StepSucceeded, id, new JsonData()
                    .Add("attempt", attempt)
                    .Add("outputs", outputs as IReadOnlyDictionary<string, object?>)
                    .Add("duration_ms", elapsed), CancellationToken.None).ConfigureAwait(false);
                run.Emit(new StepFinishedEvent(run.RunId, run.Now, id, "succeeded", elapsed, null, run.Mask(Values.ToJson(outputs)), false, null));
                return new StepResult(step, false, false, null);
            }

            var failed = (Failed)outcome;
            RegisterSecretOutputs(step, id, failed.Outputs);
            var retry = failed.Retryable && attempt < attempts;
            await FailAsync(step, id, attempt, failed.Error, retry, elapsed, CancellationToken.None, failed.Outputs).ConfigureAwait(false);
            if (!retry)
            {
                return new StepResult(step, true, false, run.Mask(failed.Error));
            }

            try
            {
                await Task.Delay(RetryDelay(step.Retry!, attempt), run.Services.Time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return new StepResult(step, true, true, "interrupted");
            }
        }
    }

    /// <summary>
    /// The parent's side of a child run that stopped: paused at the child's gate (journaled as the parent's pause, naming
    /// the path to the gate; the step stays unfinished), interrupted (the step stays unfinished too), or denied (the step
    /// fails with the child's id, and the run ends denied as at a gate of its own).
    /// </summary>
    private async Task<StepResult> ChildStoppedAsync(Step step, string id, int attempt, ChildRunStopped stopped, TimeSpan elapsed)
    {
        switch (stopped.Status)
        {
            case RunStatus.AwaitingApproval:
                var scope = run.Request.ApprovalScope ?? new ApprovalScope(run.RunId, string.Empty);
                var gate = $"{id}/{stopped.AwaitingStep}";
                var quoted = gate.Contains('[', StringComparison.Ordinal) ? $"'{scope.StepPath}{gate}'" : scope.StepPath + gate;
                var commands = new List<object?>
                {
                    $"runbook approve {scope.RunId} {quoted} --as NAME [--comment TEXT]",
                    $"runbook deny {scope.RunId} {quoted} --as NAME [--comment TEXT]",
                    $"runbook resume {scope.RunId}",
                };
                await run.AppendAsync(JournalEventKind.RunPaused, null, new JsonData()
                    .Add("awaiting", gate)
                    .Add("child_run", stopped.ChildRunId)
                    .Add("commands", commands), CancellationToken.None).ConfigureAwait(false);
                return new StepResult(step, false, false, null, new RunOutcome(RunStatus.AwaitingApproval,
                    $"waiting for approval of '{scope.StepPath}{gate}' (in child run {stopped.ChildRunId}). To continue:\n  {string.Join("\n  ", commands)}"));
            case RunStatus.Denied:
                var error = $"denied in child run {stopped.ChildRunId}: {stopped.Summary}";
                await FailAsync(step, id, attempt, error, willRetry: false, (long)elapsed.TotalMilliseconds, CancellationToken.None, stopped.Outputs).ConfigureAwait(false);
                return new StepResult(step, true, false, error, new RunOutcome(RunStatus.Denied,
                    $"'{id}/{stopped.AwaitingStep}' was denied in child run {stopped.ChildRunId} ({stopped.Summary.TrimEnd('.')}); nothing after it ran. "
                    + $"Undo what completed, the child's steps too, with: runbook rollback {run.RunId}"));
            default:
                return new StepResult(step, true, true, "interrupted");
        }
    }

    private async Task<StepOutcome> AttemptAsync(Step step, string id, int attempt, Func<RunExpressions> current, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var limit = step.Timeout?.Value ?? run.Services.DefaultStepTimeout;
        timeout.CancelAfter(limit);
        try
        {
            var invocation = BuildInvocation(id, step.Action, step.Mutates, attempt, current());
            if (step.Action is UsesAction { Name: "approval" })
            {
                // Only the approvals that counted: someone outside the approvers, or an approval of something else, is not one.
                var gate = Approvals.ApprovalPolicy.GateOf(step);
                var hash = run.State.ApprovalsRequested.GetValueOrDefault(id)?.Hash;
                return StepOutcome.Success(new Dictionary<string, object?>
                {
                    ["approvers"] = run.State.DecisionsFor(id)
                        .Where(d => d.Decision == "approved" && (hash is null || d.Hash == hash)
                            && (gate is null || Approvals.ApprovalPolicy.CanApprove(gate, d.By, run.Initiator, run.Approvers) is null))
                        .Select(d => (object?)d.By).Distinct().ToList(),
                });
            }

            if (step.Action is UsesAction { Name: "playbook.run" })
            {
                return await subPlaybooks.RunAsync(invocation, timeout.Token).ConfigureAwait(false);
            }

            if (step.Action is UsesAction { Name: "wait.until" } wait && wait.Find("condition") is { } condition)
            {
                return await WaitUntilAsync(condition.Value, invocation, current, timeout.Token).ConfigureAwait(false);
            }

            if (!run.Services.Actions.TryGetValue(invocation.ActionName, out var action))
            {
                return StepOutcome.Failure(
                    $"'{invocation.ActionName}' is not available for provider '{run.Request.Provider}' in this build", retryable: false);
            }

            return await action.ExecuteAsync(invocation, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RunExpressionException or ContainedFileException)
        {
            return StepOutcome.Failure(ex.Message, retryable: false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return StepOutcome.Failure($"timed out after {step.Timeout?.Text ?? limit.ToString()}");
        }
        catch (OperationCanceledException)
        {
            return StepOutcome.Failure("interrupted", retryable: false);
        }
        catch (Exception ex)
        {
            // Whatever an action throws (a bad value it did not expect, a response it could not parse, a library's
            // own exception) is this step's failure: the run then goes down the failed-step path (on_failure, rollback).
            return StepOutcome.Failure(UnexpectedFailure(ActiveRun.ActionName(step.Action), ex), retryable: false);
        }
    }

    /// <summary>The message for an exception an action did not turn into a failure itself.</summary>
    internal static string UnexpectedFailure(string action, Exception ex) =>
        $"{action} failed unexpectedly: {ex.Message} ({ex.GetType().Name})";

    /// <summary>The arguments an action gets: <c>with:</c> evaluated, or the shell script made injection-safe.</summary>
    public StepInvocation BuildInvocation(string stepId, StepAction action, bool mutates, int attempt, RunExpressions expressions)
    {
        var log = new StepLog(run, stepId);
        var context = new RunContext(run.RunId, run.Request.Playbook.Path, run.PlaybookDirectory, run.Request.DryRun, run.Services.Time, run.Services.Http);
        switch (action)
        {
            case RunAction script:
                var use = _scriptSecretUse[stepId] = new SecretUse();
                expressions = expressions.Recording(use);
                var prepared = Actions.Shell.ShellScript.Prepare(script.Script, expressions.TextOf, script.Shell);
                var env = ScriptInputs(script, use);

                foreach (var variable in script.Environment)
                {
                    env[variable.Name] = Values.ToText(expressions.Argument(variable.Value));
                }

                foreach (var (name, value) in prepared.Environment)
                {
                    env[name] = value;
                }

                env["RUNBOOK_RUN_ID"] = run.RunId;
                var directory = script.WorkingDirectory is null ? run.PlaybookDirectory : Path.GetFullPath(expressions.Text(script.WorkingDirectory), run.PlaybookDirectory);
                return new StepInvocation(stepId, "run", new Dictionary<string, object?>
                {
                    ["script"] = prepared.Script,
                    ["shell"] = script.Shell,
                    ["expressions"] = prepared.Sources.ToDictionary(e => e.Key, e => (object?)e.Value) as IReadOnlyDictionary<string, object?>,
                    ["refusal"] = prepared.Refusal,
                    ["working_directory"] = directory,
                    ["env"] = env.ToDictionary(e => e.Key, e => (object?)e.Value) as IReadOnlyDictionary<string, object?>,
                }, attempt, log, context);
            case UsesAction uses:
                var arguments = EvaluateArguments(uses, expressions);
                arguments["__mutates"] = mutates;
                if (uses.Name.StartsWith("notify.", StringComparison.Ordinal) && uses.Find("template") is not null)
                {
                    var (text, path) = ContainedFile.ReadText(Values.ToText(arguments["template"]), [run.PlaybookDirectory, .. run.Services.TemplateDirectories], "template");
                    arguments["text"] = expressions.RenderTemplateText(text, path);
                }

                MaskNotification(uses.Name, arguments);

                return new StepInvocation(stepId, uses.Name, arguments, attempt, log, context);
            default:
                throw new InvalidOperationException("unreachable: a step runs a script or an action");
        }
    }

    /// <summary>
    /// The step's <c>with:</c> values, evaluated and held to the action's descriptor: a value of the wrong type, an
    /// expression in an argument that is code, a file name that leaves the folder all fail the step here, with the
    /// argument named, before the action sees them.
    /// </summary>
    private Dictionary<string, object?> EvaluateArguments(UsesAction uses, RunExpressions expressions)
    {
        var descriptor = run.Services.Catalog.FindAction(uses.Name);
        var arguments = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var argument in uses.With)
        {
            var parameter = descriptor?.FindParameter(argument.Name);
            if (parameter?.Code is { } language && argument.Value.Templates().Any(t => !t.IsLiteral))
            {
                throw new RunExpressionException(
                    $"'{argument.Name}' of '{uses.Name}' is {language.Name} and takes no expression; pass values as {language.ValuesArgument} (RB0312)");
            }

            if (parameter is { RunsInShell: true } && TryShellCommand(argument, expressions, out var command))
            {
                arguments[argument.Name] = command;
                continue;
            }

            var value = expressions.Argument(argument.Value);
            if (parameter is not null && !ArgumentTypes.Accepts(parameter.Type, value))
            {
                throw new RunExpressionException(
                    $"'{argument.Name}' of '{uses.Name}' must be {ArgumentTypes.Expected(parameter.Type)}, but {argument.Value.Raw} is '{Values.ToText(value)}'");
            }

            if (parameter is { IsFile: true } && value is not null && FileArguments.Problem(Values.ToText(value)) is { } problem)
            {
                throw new ContainedFileException($"'{argument.Name}' of '{uses.Name}' is refused: {problem} (RB0313)");
            }

            arguments[argument.Name] = value;
        }

        return arguments;
    }

    private async Task<StepOutcome> WaitUntilAsync(ArgumentValue condition, StepInvocation invocation, Func<RunExpressions> current, CancellationToken cancellationToken)
    {
        var interval = Duration.TryParse(invocation.GetString("interval") ?? "5s", out var i) ? i.Value : TimeSpan.FromSeconds(5);
        var polls = 0;
        while (true)
        {
            polls++;
            if (current().Truthy(condition))
            {
                return StepOutcome.Success(new Dictionary<string, object?> { ["attempts"] = (long)polls });
            }

            invocation.Log.Line(LogStream.Info, $"condition not yet true (poll {polls}); next in {interval.TotalSeconds:0.#}s");
            await Task.Delay(interval, run.Services.Time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<string?> PreviewAsync(Step step, string id, RunExpressions expressions, CancellationToken cancellationToken)
    {
        try
        {
            var invocation = BuildInvocation(id, step.Action, step.Mutates, 0, expressions);
            if (run.Services.Actions.TryGetValue(invocation.ActionName, out var action) && action is IDryRunPreview preview)
            {
                var p = await preview.PreviewAsync(invocation, cancellationToken).ConfigureAwait(false);
                return p.Current is null ? p.Description : $"{p.Description}: {p.Current} → {p.Desired}";
            }

            return step.Action is RunAction script ? $"would run: {expressions.Text(script.Script).Trim()}" : $"would run {invocation.ActionName}";
        }
        catch (RunExpressionException ex)
        {
            return $"would run {ActiveRun.ActionName(step.Action)} (values not yet known: {ex.Message})";
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return $"would run {ActiveRun.ActionName(step.Action)} (the preview failed: {ex.Message})";
        }
    }

    /// <summary>Journals a step (or item) as skipped, and says why.</summary>
    public async Task SkipAsync(string id, string reason, string? preview)
    {
        await run.AppendAsync(JournalEventKind.StepSkipped, id, new JsonData().Add("reason", reason).Add("preview", preview), CancellationToken.None)
            .ConfigureAwait(false);
        run.Emit(new StepFinishedEvent(run.RunId, run.Now, id, "skipped", 0, reason, null, false, preview is null ? null : run.Mask(preview)));
    }

    public async Task<StepResult> FailAsync(Step step, string id, int attempt, string error, bool willRetry, long elapsed, CancellationToken cancellationToken,
        IReadOnlyDictionary<string, object?>? outputs = null)
    {
        await run.AppendAsync(JournalEventKind.StepFailed, id, new JsonData()
            .Add("attempt", attempt)
            .Add("error", error)
            .Add("outputs", outputs ?? new Dictionary<string, object?>())
            .Add("duration_ms", elapsed)
            .Add("will_retry", willRetry), cancellationToken).ConfigureAwait(false);
        run.Emit(new StepFinishedEvent(run.RunId, run.Now, id, willRetry ? "retrying" : "failed", elapsed, run.Mask(error), null, willRetry, null));
        return new StepResult(step, true, false, run.Mask(error));
    }

    private static TimeSpan RetryDelay(RetryPolicy retry, int attempt)
    {
        var interval = retry.Interval.Value;
        var delay = retry.Backoff switch
        {
            BackoffKind.Linear => interval * attempt,
            BackoffKind.Exponential => interval * Math.Pow(2, Math.Min(attempt - 1, 20)),
            _ => interval,
        };
        if (retry.MaxInterval is { } max && delay > max.Value)
        {
            delay = max.Value;
        }

        // Jitter: ±20 %, so parallel runs retrying the same dependency do not stampede it together.
        return retry.Jitter ? delay * (0.8 + (0.4 * Random.Shared.NextDouble())) : delay;
    }

    /// <summary>Streams a step's lines to the observer, masked.</summary>
    private sealed class StepLog(ActiveRun run, string stepId) : IStepLog
    {
        public void Line(LogStream stream, string text) =>
            run.Emit(new StepLogEvent(run.RunId, run.Now, stepId, stream.ToString().ToLowerInvariant(), run.Mask(text)));
    }

    /// <summary>
    /// INPUT_&lt;NAME&gt; for a script: every non-secret input, and a secret only when the script's own text or one
    /// of its env: values names INPUT_&lt;NAME&gt;. A script that calls another program which reads the
    /// variable passes it on with <c>env: { INPUT_TOKEN: "${{ inputs.token }}" }</c>.
    /// </summary>
    private Dictionary<string, string> ScriptInputs(RunAction script, SecretUse use)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in run.Request.Inputs)
        {
            var variable = "INPUT_" + name.ToUpperInvariant();
            if (run.Playbook.FindInput(name) is { IsSecret: true })
            {
                if (!Names(script.Script.Raw, variable) && !script.Environment.Any(e => e.Value.Templates().Any(t => Names(t.Raw, variable))))
                {
                    continue;
                }

                use.Mark();
            }

            env[variable] = Values.ToText(value is Duration d ? d.Text : value);
        }

        return env;
    }

    private static bool Names(string text, string variable) =>
        Regex.IsMatch(text, $"(?<![A-Za-z0-9_]){Regex.Escape(variable)}(?![A-Za-z0-9_])", RegexOptions.CultureInvariant);

    /// <summary>A script that received a secret may print it transformed into its outputs: they are all secret.</summary>
    private void RegisterSecretOutputs(Step step, string id, IReadOnlyDictionary<string, object?>? outputs)
    {
        if (step.Action is not RunAction || !_scriptSecretUse.TryGetValue(id, out var use) || !use.Any)
        {
            return;
        }

        run.SecretSteps[step.Id] = true;
        foreach (var value in (outputs ?? ImmutableDictionary<string, object?>.Empty).Values)
        {
            run.Services.Masker.AddValue(value);
        }

        run.Invalidate(); // the expressions' view must now treat steps.<id> as secret
    }

    /// <summary>What a notification says leaves the machine: masked like everything else the engine writes.</summary>
    private void MaskNotification(string action, Dictionary<string, object?> arguments)
    {
        if (!action.StartsWith("notify.", StringComparison.Ordinal))
        {
            return;
        }

        foreach (var name in arguments.Keys.Where(k => !NotificationDelivery.Contains(k)).ToList())
        {
            arguments[name] = MaskValue(arguments[name]);
        }
    }

    private object? MaskValue(object? value) => value switch
    {
        string text => run.Mask(text),
        IReadOnlyDictionary<string, object?> map => map.ToDictionary(e => MaskValue(e.Key) as string ?? e.Key, e => MaskValue(e.Value), StringComparer.Ordinal)
            as IReadOnlyDictionary<string, object?>,
        IEnumerable<object?> list => list.Select(MaskValue).ToList(),
        null or bool => value,
        _ when run.Services.Masker.Reveals(Values.ToText(value)) => Secrets.SecretMasker.Mask,
        _ => value,
    };


    /// <summary>
    /// An argument a shell runs (an exec action's <c>command</c>) with expressions in it is not spliced: it becomes a
    /// <see cref="ShellCommandValue"/>, so the action passes the values beside the text. False for a literal command.
    /// </summary>
    private static bool TryShellCommand(Argument argument, RunExpressions expressions, out object? command)
    {
        command = null;
        if (argument.Value is not ScalarArgument { Text.IsLiteral: false } scalar)
        {
            return false;
        }

        if (scalar.Text.IsSingleExpression && expressions.Argument(argument.Value) is IEnumerable<object?> list)
        {
            command = list; // a list from an expression: one argument per item
            return true;
        }

        var prepared = ShellScript.Prepare(scalar.Text, expressions.TextOf, "sh");
        command = new ShellCommandValue(prepared.Script, prepared.Environment, prepared.Sources, prepared.Refusal);
        return true;
    }
}
