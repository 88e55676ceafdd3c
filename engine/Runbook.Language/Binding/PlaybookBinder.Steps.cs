using System.Collections.Immutable;
using Runbook.Language.Actions;
using Runbook.Language.Diagnostics;
using Runbook.Language.Expressions;
using Runbook.Language.Model;
using Runbook.Language.Text;
using Runbook.Language.Yaml;

namespace Runbook.Language.Binding;

public sealed partial class PlaybookBinder
{
    private static readonly string[] PhaseBlockKeys = ["parallel", "steps"];

    private static readonly string[] StepKeys =
    [
        "id", "name", "run", "uses", "with", "if", "needs", "mutates", "idempotent", "timeout", "retry", "on_failure",
        "approval", "rollback", "irreversible", "outputs", "shell", "working-directory", "env",
        "for_each", "as", "max_parallel", "fail_fast",
    ];

    private static readonly string[] RollbackKeys = ["name", "run", "uses", "with", "shell", "working-directory", "env", "timeout"];
    private static readonly string[] RetryKeys = ["attempts", "interval", "backoff", "max_interval", "jitter"];
    private static readonly string[] ApprovalKeys = ["approvers", "min_approvals", "timeout", "message", "allow_self_approval", "per_item"];
    private static readonly string[] RunOnlyKeys = ["shell", "working-directory", "env"];

    private static readonly Dictionary<string, FailureMode> FailureModes = new(StringComparer.Ordinal)
    {
        ["rollback"] = FailureMode.Rollback,
        ["stop"] = FailureMode.Stop,
        ["continue"] = FailureMode.Continue,
    };

    private static readonly Dictionary<string, BackoffKind> Backoffs = new(StringComparer.Ordinal)
    {
        ["fixed"] = BackoffKind.Fixed,
        ["linear"] = BackoffKind.Linear,
        ["exponential"] = BackoffKind.Exponential,
    };

    private static readonly string[] Shells = ["bash", "sh", "pwsh"];

    private ImmutableArray<Phase> BindPhases(MapReader reader)
    {
        var phases = reader.Mapping("phases");
        if (phases is null)
        {
            if (!reader.Has("phases"))
            {
                _diagnostics.Add(Descriptors.MissingKey, reader.Span, "the playbook has no 'phases'",
                    "add 'phases:' with any of assess, gather, communicate, mitigate, resolve");
            }

            return [];
        }

        var result = new List<Phase>();
        foreach (var (key, value) in phases.Entries)
        {
            var index = PhaseKinds.Names.IndexOf(key.Value);
            if (index < 0)
            {
                _diagnostics.Add(Descriptors.UnknownKey, key.Span,
                    $"unknown phase '{key.Value}'{Suggestions.DidYouMean(key.Value, PhaseKinds.Names)}",
                    $"phases are, in order: {string.Join(", ", PhaseKinds.Names)}");
                continue;
            }

            result.Add(BindPhase((PhaseKind)index, key, value));
        }

        return [.. result.OrderBy(p => p.Kind)];
    }

    private Phase BindPhase(PhaseKind kind, YamlScalar key, YamlNode value)
    {
        var parallel = false;
        YamlNode? stepsNode = value;
        if (value is YamlMapping block)
        {
            var reader = new MapReader(block, $"phase '{key.Value}'", PhaseBlockKeys, _diagnostics);
            parallel = reader.Bool("parallel") ?? false;
            stepsNode = reader["steps"];
            if (stepsNode is null)
            {
                _diagnostics.Add(Descriptors.MissingKey, block.Span, $"phase '{key.Value}' has no 'steps'", "add 'steps:' with a list of steps");
            }
        }

        var steps = ImmutableArray.CreateBuilder<Step>();
        switch (stepsNode)
        {
            case YamlSequence seq:
                foreach (var item in seq.Items)
                {
                    if (item is YamlMapping stepMap)
                    {
                        if (BindStep(kind, stepMap) is { } step)
                        {
                            steps.Add(step);
                        }
                    }
                    else
                    {
                        _diagnostics.Add(Descriptors.WrongType, item.Span, $"a step is a mapping, found {item.KindName}", "write '- id: my_step' followed by run: or uses:");
                    }
                }

                break;
            case null or YamlScalar { IsNull: true }:
                break;
            default:
                _diagnostics.Add(Descriptors.WrongType, stepsNode.Span, $"phase '{key.Value}' must be a list of steps or {{ parallel: true, steps: [...] }}, found {stepsNode.KindName}",
                    "write the steps as a YAML list ('- id: …')");
                break;
        }

        return new Phase(kind, parallel, steps.ToImmutable(), key.Span);
    }

    private Step? BindStep(PhaseKind phase, YamlMapping map)
    {
        var reader = new MapReader(map, "a step", StepKeys, _diagnostics);
        var idNode = reader.Scalar("id");
        var name = reader.String("name");
        if (idNode is null || string.IsNullOrWhiteSpace(idNode.Value))
        {
            var suggestion = name is null ? "check_status" : string.Join('_', name.ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries));
            _diagnostics.Add(Descriptors.MissingKey, map.Span, "step has no 'id'", $"add 'id: {suggestion}': runs, journals and expressions name steps by id");
            return null;
        }

        CheckIdentifier(idNode.Value, idNode.Span, "step id");
        var action = BindAction(reader, $"step '{idNode.Value}'", map.Span);
        if (action is null)
        {
            return null;
        }

        var declaredMutates = reader.Bool("mutates");
        var descriptor = action is UsesAction used ? _catalog.FindAction(used.Name) : null;
        var effect = descriptor?.MutatesWhen is { } rule ? rule.Classify(((UsesAction)action).Find(rule.Argument)?.Value) : (CommandEffect?)null;
        var mutates = declaredMutates ?? action switch
        {
            UsesAction when effect is { } known => known is not (CommandEffect.ReadOnly or CommandEffect.Refused),
            UsesAction => descriptor?.Mutates ?? false,
            _ => true,
        };

        return new Step(
            idNode.Value,
            map.Span,
            idNode.Span,
            phase,
            name,
            action,
            BindCondition(reader),
            reader.ScalarList("needs").Select(s => new StepReference(s.Value, s.Span)).ToImmutableArray(),
            mutates,
            reader.Bool("idempotent") ?? false,
            reader.Duration("timeout"),
            BindRetry(reader),
            reader.Enum("on_failure", FailureModes) ?? FailureMode.Rollback,
            BindApproval(reader),
            BindRollback(reader) ?? DefaultRollbackFor(idNode.Value, action),
            (reader.Bool("irreversible") ?? false) || descriptor?.Irreversible == true || effect == CommandEffect.Irreversible,
            BindOutputs(reader))
        {
            ForEach = BindFanOut(reader),
        };
    }

    /// <summary>Binds run: or uses: with their companions; shared by steps and rollbacks.</summary>
    private StepAction? BindAction(MapReader reader, string what, SourceSpan span)
    {
        var hasRun = reader.Has("run");
        var hasUses = reader.Has("uses");
        if (hasRun == hasUses)
        {
            _diagnostics.Add(Descriptors.StepBodyConflict, span,
                hasRun ? $"{what} has both 'run' and 'uses'" : $"{what} has neither 'run' nor 'uses'",
                "give it either 'run:' (a shell script) or 'uses:' (an action) with 'with:'");
            return null;
        }

        if (hasRun)
        {
            if (reader.Has("with"))
            {
                _diagnostics.Add(Descriptors.RunOnlyKey, reader.KeySpan("with"), $"'with' passes arguments to an action; {what} runs a shell script",
                    "pass values to the script through 'env:' or ${{ }} expressions");
            }

            var script = reader.Template("run") ?? TemplateString.Literal(string.Empty, span);
            return new RunAction(reader["run"]!.Span, script, reader.OneOf("shell", Shells) ?? "bash",
                reader.Template("working-directory"), BindNamedValues(reader.Mapping("env")));
        }

        foreach (var key in RunOnlyKeys.Where(reader.Has))
        {
            _diagnostics.Add(Descriptors.RunOnlyKey, reader.KeySpan(key), $"'{key}' applies to run: steps, and {what} uses an action",
                "pass it as an argument under 'with:' or remove it");
        }

        var usesNode = reader.Scalar("uses");
        var actionName = usesNode?.Value ?? string.Empty;
        var with = reader.Mapping("with");
        return WithDefaults(new UsesAction(usesNode?.Span ?? span, actionName, BindNamedValues(with)));
    }

    private TemplateString? BindCondition(MapReader reader)
    {
        var node = reader.Scalar("if");
        if (node is null)
        {
            return null;
        }

        if (node.Value.Contains("${{", StringComparison.Ordinal))
        {
            return TemplateParser.Parse(node, _diagnostics);
        }

        // As in GitHub Actions, 'if:' may be written without ${{ }}; wrap it and map offsets back.
        const string open = "${{ ";
        var locator = new SourceLocator(node.Span.Path, offset => node.PositionOf(Math.Max(0, offset - open.Length)));
        return TemplateParser.Parse(open + node.Value + " }}", locator, node.Span, _diagnostics);
    }

    private RetryPolicy? BindRetry(MapReader reader)
    {
        var node = reader["retry"];
        if (node is null)
        {
            return null;
        }

        var defaultInterval = new Duration(TimeSpan.FromSeconds(5), "5s");
        if (node is YamlScalar)
        {
            var attempts = reader.Int("retry", 1, 100);
            return attempts is null ? null : new RetryPolicy(attempts.Value, defaultInterval, BackoffKind.Fixed, null, true);
        }

        if (node is not YamlMapping map)
        {
            reader.WrongType("retry", node, "a number of attempts or { attempts, interval, backoff }");
            return null;
        }

        var retry = new MapReader(map, "retry", RetryKeys, _diagnostics);
        return new RetryPolicy(
            retry.Int("attempts", 1, 100) ?? 3,
            retry.Duration("interval") ?? defaultInterval,
            retry.Enum("backoff", Backoffs) ?? BackoffKind.Fixed,
            retry.Duration("max_interval"),
            retry.Bool("jitter") ?? true);
    }

    private ApprovalGate? BindApproval(MapReader reader)
    {
        var node = reader["approval"];
        switch (node)
        {
            case null:
                return null;
            case YamlScalar:
                return reader.Bool("approval") == true ? new ApprovalGate([], 1, null, null, false, node.Span) : null;
            case YamlMapping map:
                var approval = new MapReader(map, "approval", ApprovalKeys, _diagnostics);
                return new ApprovalGate(
                    approval.ScalarList("approvers").Select(s => s.Value).ToImmutableArray(),
                    approval.Int("min_approvals", 1, 50) ?? 1,
                    approval.Duration("timeout"),
                    approval.Template("message"),
                    approval.Bool("allow_self_approval") ?? false,
                    map.Span)
                {
                    PerItem = approval.Bool("per_item") ?? false,
                };
            default:
                reader.WrongType("approval", node, "true or a mapping { approvers, min_approvals, timeout, message }");
                return null;
        }
    }

    private Compensation? BindRollback(MapReader reader)
    {
        var node = reader["rollback"];
        if (node is null)
        {
            return null;
        }

        if (node is not YamlMapping map)
        {
            reader.WrongType("rollback", node, "a step body (run: or uses: with with:)");
            return null;
        }

        var rollback = new MapReader(map, "rollback", RollbackKeys, _diagnostics);
        var action = BindAction(rollback, "the rollback", map.Span);
        return action is null ? null : new Compensation(action, rollback.String("name"), rollback.Duration("timeout"), map.Span);
    }

    private ImmutableArray<Argument> BindNamedValues(YamlMapping? map) =>
        map is null ? [] : [.. map.Entries.Select(e => new Argument(e.Key.Value, e.Key.Span, BindValue(e.Value)))];

    private ArgumentValue BindValue(YamlNode node) => node switch
    {
        YamlScalar s => new ScalarArgument(s.Span, TemplateParser.Parse(s, _diagnostics), ScalarValues.KindOf(s)),
        YamlSequence seq => new ListArgument(seq.Span, [.. seq.Items.Select(BindValue)]),
        YamlMapping m => new MapArgument(m.Span, BindNamedValues(m)),
        _ => throw new InvalidOperationException("unreachable: YAML nodes are scalars, lists or mappings"),
    };
}
