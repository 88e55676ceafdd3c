using System.Collections.Immutable;
using Runbook.Execution.Secrets;
using Runbook.Language.Model;

namespace Runbook.Execution.Engine;

public sealed partial class Executor
{
    /// <summary>What expressions can read at this moment of the run.</summary>
    /// <param name="Environment">Only the variables the playbook declares under <c>env:</c>.</param>
    /// <param name="SecretSteps">Scripts that received a secret: their outputs are secret as a whole.</param>
    /// <param name="SecretEnvironment">Declared variables a secret input is read from (<c>from: env:NAME</c>).</param>
    internal sealed record ExpressionInputs(
        ImmutableDictionary<string, object?> Inputs,
        IReadOnlyDictionary<string, object?> Steps,
        IReadOnlyDictionary<string, object?> Run,
        ImmutableHashSet<string> SecretInputs,
        SecretMasker Masker,
        Language.Expressions.Evaluation.JobStatus Status)
    {
        public IReadOnlyDictionary<string, object?> Environment { get; init; } = ImmutableDictionary<string, object?>.Empty;

        public ImmutableHashSet<string> SecretSteps { get; init; } = [];

        public ImmutableHashSet<string> SecretEnvironment { get; init; } = [];
    }

    /// <summary>failure() is true once a step failed without on_failure: continue (rollbacks read it); cancelled() after Ctrl-C.</summary>
    private Language.Expressions.Evaluation.JobStatus JobStatusNow(RunState state) =>
        state.Status == Journal.RunStatus.Interrupted ? Language.Expressions.Evaluation.JobStatus.Cancelled
        : _graph.ExecutionOrder.Any(s => s.OnFailure != Language.Model.FailureMode.Continue && state.Step(s.Id).Status == StepStatus.Failed)
            ? Language.Expressions.Evaluation.JobStatus.Failure
            : Language.Expressions.Evaluation.JobStatus.Success;

    /// <summary>The expressions' view of the run, rebuilt only when the journal has moved on.</summary>
    private RunExpressions Expressions()
    {
        var cached = _expressions;
        if (cached is not null && cached.Version == Volatile.Read(ref _version))
        {
            return cached.Value;
        }

        var version = Volatile.Read(ref _version);
        var built = BuildExpressions();
        _expressions = new CachedExpressions(version, built);
        return built;
    }

    private sealed record CachedExpressions(long Version, RunExpressions Value);

    private RunExpressions BuildExpressions()
    {
        var state = State;
        IReadOnlyDictionary<string, object?> steps = new StepsView(_playbook, state, _liveOutputs);
        var run = new Dictionary<string, object?>
        {
            ["id"] = _runId,
            ["provider"] = _request.Provider,
            ["dry_run"] = _request.DryRun,
            ["initiator"] = Initiator,
            ["playbook"] = _playbook.Name,
        };
        return new RunExpressions(new ExpressionInputs(_request.Inputs, steps, run,
            [.. _playbook.Inputs.Where(i => i.IsSecret).Select(i => i.Name)], _services.Masker, JobStatusNow(state))
        {
            Environment = DeclaredEnvironment(),
            SecretSteps = [.. _secretSteps.Keys],
            SecretEnvironment = [.. _playbook.Inputs.Where(i => i.IsSecret && i.From is { Kind: SecretSourceKind.Environment })
                .Select(i => i.From!.Reference)],
        });
    }

    /// <summary>steps.&lt;id&gt; as expressions see it, computed only for the steps an expression reads.</summary>
    private sealed class StepsView(Playbook playbook, RunState state, IReadOnlyDictionary<string, ImmutableDictionary<string, object?>> live)
        : IReadOnlyDictionary<string, object?>
    {
        public object? this[string key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException(key);

        public IEnumerable<string> Keys => playbook.Steps.Select(s => s.Id);

        public IEnumerable<object?> Values => Keys.Select(k => this[k]);

        public int Count => playbook.Steps.Count();

        public bool ContainsKey(string key) => playbook.FindStep(key) is not null;

        public bool TryGetValue(string key, out object? value)
        {
            if (!ContainsKey(key))
            {
                value = null;
                return false;
            }

            var step = state.Step(key);
            value = new Dictionary<string, object?>
            {
                ["status"] = step.ExpressionStatus,
                ["outputs"] = (live.TryGetValue(key, out var outputs) ? outputs : step.Outputs) as IReadOnlyDictionary<string, object?>,
            } as IReadOnlyDictionary<string, object?>;
            return true;
        }

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => Keys.Select(k => new KeyValuePair<string, object?>(k, this[k])).GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
