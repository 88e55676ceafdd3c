using System.Collections.Concurrent;
using System.Collections.Immutable;
using Runbook.Execution.Approvals;
using Runbook.Execution.Journal;
using Runbook.Execution.Secrets;
using Runbook.Language.Graph;
using Runbook.Language.Model;

namespace Runbook.Execution.Engine;

/// <summary>
/// What every collaborator of one run shares: the services, the request, the run's state as the journal tells it,
/// the one way to append to the journal (masked, then folded into the state), the one way to report events, and the
/// expressions' view of the run. The scheduler, the step runner, the gates, the saga and the leases each get this,
/// and nothing else of each other.
/// </summary>
internal sealed class ActiveRun
{
    /// <summary>Outputs as produced in this process; the journal holds them masked.</summary>
    private readonly ConcurrentDictionary<string, ImmutableDictionary<string, object?>> _liveOutputs = new(StringComparer.Ordinal);
    private readonly Lock _stateGate = new();
    private RunState _state;
    private long _version;
    private CachedExpressions? _expressions;

    public ActiveRun(ExecutorServices services, RunRequest request, RunState state)
    {
        Services = services;
        Request = request;
        Playbook = request.Playbook.Playbook ?? throw new ArgumentException("the playbook must be valid", nameof(request));
        Graph = request.Playbook.Graph ?? throw new ArgumentException("the playbook must be valid", nameof(request));
        RunId = state.RunId;
        _state = state;
        foreach (var secret in Playbook.Inputs.Where(i => i.IsSecret))
        {
            if (request.Inputs.TryGetValue(secret.Name, out var value))
            {
                services.Masker.Add(Actions.Values.ToText(value));
            }
        }
    }

    public ExecutorServices Services { get; }

    public RunRequest Request { get; }

    public Playbook Playbook { get; }

    public StepGraph Graph { get; }

    public string RunId { get; }

    /// <summary>run: steps that received a secret in this process (their outputs are secret as a whole).</summary>
    public ConcurrentDictionary<string, bool> SecretSteps { get; } = new(StringComparer.Ordinal);

    public RunState State
    {
        get
        {
            lock (_stateGate)
            {
                return _state;
            }
        }
    }

    public DateTimeOffset Now => Services.Time.GetUtcNow();

    /// <summary>The person whose run this is; approvals are judged against them, also after a resume by someone else.</summary>
    public string Initiator => State.Initiator.Length > 0 ? State.Initiator : Request.Initiator;

    /// <summary>
    /// The approver groups this run's gates are judged by: those journaled when it started, so a resume or rollback
    /// keeps the policy the run began under; the services' groups only before the start is journaled.
    /// </summary>
    public ApproverDirectory Approvers => State.ApproverGroups is { } groups ? new ApproverDirectory(groups) : Services.Directory;

    public string PlaybookDirectory => Path.GetDirectoryName(Path.GetFullPath(Request.Playbook.Path, Services.WorkingDirectory)) ?? Services.WorkingDirectory;

    public static string ActionName(StepAction action) => action is UsesAction uses ? uses.Name : "run";

    public string Mask(string text) => Services.Masker.Apply(text);

    public void Emit(RunEvent runEvent) => Services.Observer.On(runEvent);

    /// <summary>Masks, appends, and folds the event into the run's state: the journal first, then memory.</summary>
    public async Task<JournalEntry> AppendAsync(JournalEventKind kind, string? stepId, JsonData data, CancellationToken cancellationToken)
    {
        var entry = await Services.Journal.AppendAsync(RunId, kind, stepId, Services.Masker.Apply(data.ToJson()), cancellationToken)
            .ConfigureAwait(false);
        lock (_stateGate)
        {
            _state = _state.Apply(entry);
            Interlocked.Increment(ref _version);
        }

        return entry;
    }

    /// <summary>Reads the whole journal again: other processes (approve, deny) append to it while this run waits.</summary>
    public async Task ReloadAsync()
    {
        var entries = await Services.Journal.ReadAsync(RunId, CancellationToken.None).ConfigureAwait(false);
        lock (_stateGate)
        {
            _state = RunState.FromJournal(RunId, entries);
            Interlocked.Increment(ref _version);
        }
    }

    /// <summary>Keeps the outputs of a step (or item) as produced, unmasked, for the expressions of later steps.</summary>
    public void KeepLiveOutputs(string stepId, ImmutableDictionary<string, object?> outputs) => _liveOutputs[stepId] = outputs;

    /// <summary>The expressions' view must be rebuilt (a step's outputs became secret).</summary>
    public void Invalidate() => Interlocked.Increment(ref _version);

    /// <summary>What expressions can read at this moment of the run, rebuilt only when the journal has moved on.</summary>
    public RunExpressions Expressions()
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
        IReadOnlyDictionary<string, object?> steps = new StepsView(Playbook, state, _liveOutputs);
        var run = new Dictionary<string, object?>
        {
            ["id"] = RunId,
            ["provider"] = Request.Provider,
            ["dry_run"] = Request.DryRun,
            ["initiator"] = Initiator,
            ["playbook"] = Playbook.Name,
        };
        return new RunExpressions(new ExpressionInputs(Request.Inputs, steps, run,
            [.. Playbook.Inputs.Where(i => i.IsSecret).Select(i => i.Name)], Services.Masker, JobStatusNow(state))
        {
            Environment = DeclaredEnvironment(),
            SecretSteps = [.. SecretSteps.Keys],
            SecretEnvironment = [.. Playbook.Inputs.Where(i => i.IsSecret && i.From is { Kind: SecretSourceKind.Environment })
                .Select(i => i.From!.Reference)],
        });
    }

    /// <summary>failure() is true once a step failed without on_failure: continue (rollbacks read it); cancelled() after Ctrl-C.</summary>
    private Language.Expressions.Evaluation.JobStatus JobStatusNow(RunState state) =>
        state.Status == RunStatus.Interrupted ? Language.Expressions.Evaluation.JobStatus.Cancelled
        : Graph.ExecutionOrder.Any(s => s.OnFailure != FailureMode.Continue && state.Step(s.Id).Status == StepStatus.Failed)
            ? Language.Expressions.Evaluation.JobStatus.Failure
            : Language.Expressions.Evaluation.JobStatus.Success;

    /// <summary>env.NAME for the names the playbook declares; nothing else of the engine's environment.</summary>
    private ImmutableDictionary<string, object?> DeclaredEnvironment() =>
        Playbook.Environment
            .Select(v => (v.Name, Value: Environment.GetEnvironmentVariable(v.Name)))
            .Where(v => v.Value is not null)
            .ToImmutableDictionary(v => v.Name, v => (object?)v.Value, StringComparer.Ordinal);

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
                ["outputs"] = playbook.FindStep(key)?.ForEach is not null
                    ? ItemOutputs(key)
                    : (live.TryGetValue(key, out var outputs) ? outputs : step.Outputs) as IReadOnlyDictionary<string, object?>,
            } as IReadOnlyDictionary<string, object?>;
            return true;
        }

        /// <summary>
        /// A fan-out step's outputs: <c>items</c>, one entry per item in input order, that item's outputs (a map) once
        /// it ran, or null for an item skipped or not run. Built only when an expression reads the step.
        /// </summary>
        private IReadOnlyDictionary<string, object?> ItemOutputs(string key)
        {
            var items = new List<object?>();
            if (state.FanOuts.TryGetValue(key, out var fanOut))
            {
                for (var i = 0; i < fanOut.Keys.Length; i++)
                {
                    var id = FanOutList.SubStepId(key, fanOut.Keys[i]);
                    var item = state.Step(id);
                    items.Add(item.Status is StepStatus.Succeeded or StepStatus.Failed
                        ? (live.TryGetValue(id, out var outputs) ? outputs : item.Outputs) as IReadOnlyDictionary<string, object?>
                        : null);
                }
            }

            return new Dictionary<string, object?>(StringComparer.Ordinal) { ["items"] = items };
        }

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => Keys.Select(k => new KeyValuePair<string, object?>(k, this[k])).GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}

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

    /// <summary>Inside one item of a fan-out: the item under its name and <c>item_index</c>; otherwise empty.</summary>
    public IReadOnlyDictionary<string, object?> Locals { get; init; } = ImmutableDictionary<string, object?>.Empty;
}

/// <summary>How a run (or a phase of it) ended.</summary>
internal sealed record RunOutcome(RunStatus Status, string Summary);

/// <summary>What one step came to, as the scheduling loop needs it.</summary>
/// <param name="Stop">How the run stops, when the step itself ended it (a fan-out whose item's approval paused or was denied).</param>
internal sealed record StepResult(Step Step, bool Failed, bool Interrupted, string? Error, RunOutcome? Stop = null);

/// <summary>One item of a fan-out as the step runner runs it: its sub-step id, what it shows, and the names its expressions read.</summary>
internal sealed record StepItem(string Id, string DisplayName, IReadOnlyDictionary<string, object?> Locals);
