using System.Collections.Immutable;
using Runbook.Execution.Actions;
using Runbook.Execution.Actions.Files;
using Runbook.Execution.Journal;
using Runbook.Language.Actions;
using Runbook.Language.Model;

namespace Runbook.Execution.Engine;

public sealed partial class Executor
{
    private async Task<StepResult> RunStepAsync(Step step, CancellationToken cancellationToken)
    {
        await Task.Yield();
        var expressions = Expressions();
        if (step.If is { } condition)
        {
            bool run;
            try
            {
                run = expressions.Condition(condition);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                return await FailAsync(step, 1, $"if: {ex.Message}", willRetry: false, 0, cancellationToken).ConfigureAwait(false);
            }

            if (!run)
            {
                await SkipAsync(step, "if: condition is false", null).ConfigureAwait(false);
                return new StepResult(step, false, false, null);
            }
        }

        if (_request.DryRun && step.Mutates)
        {
            var preview = await PreviewAsync(step, expressions, cancellationToken).ConfigureAwait(false);
            await SkipAsync(step, "dry run: mutating step not run", preview).ConfigureAwait(false);
            return new StepResult(step, false, false, null);
        }

        var attempts = step.Retry?.Attempts ?? 1;
        for (var attempt = State.Step(step.Id).Attempts + 1; ; attempt++)
        {
            var started = _services.Time.GetTimestamp();
            await AppendAsync(JournalEventKind.StepStarted, step.Id, new JsonData()
                .Add("attempt", attempt)
                .Add("action", ActionName(step.Action))
                .Add("mutates", step.Mutates)
                .Add("idempotent", step.Idempotent), CancellationToken.None).ConfigureAwait(false);
            Emit(new StepStartedEvent(_runId, Now, step.Id, step.DisplayName, step.Phase.ToName(), ActionName(step.Action), attempt));

            var outcome = await AttemptAsync(step, attempt, Expressions(), cancellationToken).ConfigureAwait(false);
            outcome = DeclaredOutputs.Convert(step, outcome, text => (_scriptSecretUse.TryGetValue(step.Id, out var use) && use.Any) || _services.Masker.Reveals(text));
            var elapsed = (long)_services.Time.GetElapsedTime(started).TotalMilliseconds;
            if (cancellationToken.IsCancellationRequested)
            {
                await FailAsync(step, attempt, "interrupted", willRetry: false, elapsed, CancellationToken.None).ConfigureAwait(false);
                return new StepResult(step, true, true, "interrupted");
            }

            if (outcome is Succeeded success)
            {
                RegisterSecretOutputs(step, success.Outputs);
                var outputs = success.Outputs.ToImmutableDictionary(StringComparer.Ordinal);
                _liveOutputs[step.Id] = outputs;
                await AppendAsync(JournalEventKind.StepSucceeded, step.Id, new JsonData()
                    .Add("attempt", attempt)
                    .Add("outputs", outputs as IReadOnlyDictionary<string, object?>)
                    .Add("duration_ms", elapsed), CancellationToken.None).ConfigureAwait(false);
                Emit(new StepFinishedEvent(_runId, Now, step.Id, "succeeded", elapsed, null, Mask(Values.ToJson(outputs)), false, null));
                return new StepResult(step, false, false, null);
            }

            var failed = (Failed)outcome;
            RegisterSecretOutputs(step, failed.Outputs);
            var retry = failed.Retryable && attempt < attempts;
            await FailAsync(step, attempt, failed.Error, retry, elapsed, CancellationToken.None, failed.Outputs).ConfigureAwait(false);
            if (!retry)
            {
                return new StepResult(step, true, false, Mask(failed.Error));
            }

            try
            {
                await Task.Delay(RetryDelay(step.Retry!, attempt), _services.Time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return new StepResult(step, true, true, "interrupted");
            }
        }
    }

    private async Task<StepOutcome> AttemptAsync(Step step, int attempt, RunExpressions expressions, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var limit = step.Timeout?.Value ?? _services.DefaultStepTimeout;
        timeout.CancelAfter(limit);
        try
        {
            var invocation = BuildInvocation(step.Id, step.Action, step.Mutates, attempt, expressions);
            if (step.Action is UsesAction { Name: "approval" })
            {
                return StepOutcome.Success(new Dictionary<string, object?>
                {
                    ["approvers"] = State.DecisionsFor(step.Id).Where(d => d.Decision == "approved").Select(d => (object?)d.By).ToList(),
                });
            }

            if (step.Action is UsesAction { Name: "playbook.run" })
            {
                return await RunSubPlaybookAsync(invocation, timeout.Token).ConfigureAwait(false);
            }

            if (step.Action is UsesAction { Name: "wait.until" } wait && wait.Find("condition") is { } condition)
            {
                return await WaitUntilAsync(condition.Value, invocation, timeout.Token).ConfigureAwait(false);
            }

            if (!_services.Actions.TryGetValue(invocation.ActionName, out var action))
            {
                return StepOutcome.Failure(
                    $"'{invocation.ActionName}' is not available for provider '{_request.Provider}' in this build", retryable: false);
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
            return StepOutcome.Failure(UnexpectedFailure(ActionName(step.Action), ex), retryable: false);
        }
    }

    /// <summary>The message for an exception an action did not turn into a failure itself.</summary>
    internal static string UnexpectedFailure(string action, Exception ex) =>
        $"{action} failed unexpectedly: {ex.Message} ({ex.GetType().Name})";

    /// <summary>The arguments an action gets: <c>with:</c> evaluated, or the shell script made injection-safe.</summary>
    private StepInvocation BuildInvocation(string stepId, StepAction action, bool mutates, int attempt, RunExpressions expressions)
    {
        var log = new StepLog(this, stepId);
        var context = new RunContext(_runId, _request.Playbook.Path, PlaybookDirectory, _request.DryRun, _services.Time, _services.Http);
        switch (action)
        {
            case RunAction run:
                var use = _scriptSecretUse[stepId] = new SecretUse();
                expressions = expressions.Recording(use);
                var prepared = Actions.Shell.ShellScript.Prepare(run.Script, expressions.TextOf, run.Shell);
                var env = ScriptInputs(run, use);

                foreach (var variable in run.Environment)
                {
                    env[variable.Name] = Values.ToText(expressions.Argument(variable.Value));
                }

                foreach (var (name, value) in prepared.Environment)
                {
                    env[name] = value;
                }

                env["RUNBOOK_RUN_ID"] = _runId;
                var directory = run.WorkingDirectory is null ? PlaybookDirectory : Path.GetFullPath(expressions.Text(run.WorkingDirectory), PlaybookDirectory);
                return new StepInvocation(stepId, "run", new Dictionary<string, object?>
                {
                    ["script"] = prepared.Script,
                    ["shell"] = run.Shell,
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
                    var (text, path) = ContainedFile.ReadText(Values.ToText(arguments["template"]), [PlaybookDirectory, .. _services.TemplateDirectories], "template");
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
        var descriptor = _services.Catalog.FindAction(uses.Name);
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

    private async Task<StepOutcome> WaitUntilAsync(ArgumentValue condition, StepInvocation invocation, CancellationToken cancellationToken)
    {
        var interval = Duration.TryParse(invocation.GetString("interval") ?? "5s", out var i) ? i.Value : TimeSpan.FromSeconds(5);
        var polls = 0;
        while (true)
        {
            polls++;
            if (Expressions().Truthy(condition))
            {
                return StepOutcome.Success(new Dictionary<string, object?> { ["attempts"] = (long)polls });
            }

            invocation.Log.Line(LogStream.Info, $"condition not yet true (poll {polls}); next in {interval.TotalSeconds:0.#}s");
            await Task.Delay(interval, _services.Time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<string?> PreviewAsync(Step step, RunExpressions expressions, CancellationToken cancellationToken)
    {
        try
        {
            var invocation = BuildInvocation(step.Id, step.Action, step.Mutates, 0, expressions);
            if (_services.Actions.TryGetValue(invocation.ActionName, out var action) && action is IDryRunPreview preview)
            {
                var p = await preview.PreviewAsync(invocation, cancellationToken).ConfigureAwait(false);
                return p.Current is null ? p.Description : $"{p.Description}: {p.Current} → {p.Desired}";
            }

            return step.Action is RunAction run ? $"would run: {expressions.Text(run.Script).Trim()}" : $"would run {invocation.ActionName}";
        }
        catch (RunExpressionException ex)
        {
            return $"would run {ActionName(step.Action)} (values not yet known: {ex.Message})";
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return $"would run {ActionName(step.Action)} (the preview failed: {ex.Message})";
        }
    }

    private async Task SkipAsync(Step step, string reason, string? preview)
    {
        await AppendAsync(JournalEventKind.StepSkipped, step.Id, new JsonData().Add("reason", reason).Add("preview", preview), CancellationToken.None)
            .ConfigureAwait(false);
        Emit(new StepFinishedEvent(_runId, Now, step.Id, "skipped", 0, reason, null, false, preview is null ? null : Mask(preview)));
    }

    private async Task<StepResult> FailAsync(Step step, int attempt, string error, bool willRetry, long elapsed, CancellationToken cancellationToken,
        IReadOnlyDictionary<string, object?>? outputs = null)
    {
        await AppendAsync(JournalEventKind.StepFailed, step.Id, new JsonData()
            .Add("attempt", attempt)
            .Add("error", error)
            .Add("outputs", outputs ?? new Dictionary<string, object?>())
            .Add("duration_ms", elapsed)
            .Add("will_retry", willRetry), cancellationToken).ConfigureAwait(false);
        Emit(new StepFinishedEvent(_runId, Now, step.Id, willRetry ? "retrying" : "failed", elapsed, Mask(error), null, willRetry, null));
        return new StepResult(step, true, false, Mask(error));
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

    private string PlaybookDirectory => Path.GetDirectoryName(Path.GetFullPath(_request.Playbook.Path, _services.WorkingDirectory)) ?? _services.WorkingDirectory;

    private static string ActionName(StepAction action) => action is UsesAction uses ? uses.Name : "run";

    private string Mask(string text) => _services.Masker.Apply(text);

    /// <summary>Streams a step's lines to the observer, masked.</summary>
    private sealed class StepLog(Executor executor, string stepId) : IStepLog
    {
        public void Line(LogStream stream, string text) =>
            executor.Emit(new StepLogEvent(executor._runId, executor.Now, stepId, stream.ToString().ToLowerInvariant(), executor.Mask(text)));
    }
}
