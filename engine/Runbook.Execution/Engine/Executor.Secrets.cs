using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Runbook.Execution.Actions;
using Runbook.Language.Model;

namespace Runbook.Execution.Engine;

/// <summary>Where secrets may go: which scripts get them, which outputs become secret, what notifications may say.</summary>
public sealed partial class Executor
{
    /// <summary>
    /// Arguments of notify.* that carry the delivery's own credentials or settings, sent as given; every other
    /// argument is text people will read (text, title, summary, source, channel, json …) and is masked first.
    /// </summary>
    private static readonly ImmutableHashSet<string> NotificationDelivery =
        ["webhook", "url", "routing_key", "headers", "fail_on_error", "event_action", "template", "__mutates"];

    /// <summary>run: steps that received a secret in this process (their outputs are secret as a whole).</summary>
    private readonly ConcurrentDictionary<string, bool> _secretSteps = new(StringComparer.Ordinal);

    /// <summary>Whether the latest invocation of each script read a secret, filled in as the invocation is built.</summary>
    private readonly ConcurrentDictionary<string, SecretUse> _scriptSecretUse = new(StringComparer.Ordinal);

    /// <summary>env.NAME for the names the playbook declares; nothing else of the engine's environment.</summary>
    private ImmutableDictionary<string, object?> DeclaredEnvironment() =>
        _playbook.Environment
            .Select(v => (v.Name, Value: Environment.GetEnvironmentVariable(v.Name)))
            .Where(v => v.Value is not null)
            .ToImmutableDictionary(v => v.Name, v => (object?)v.Value, StringComparer.Ordinal);

    /// <summary>
    /// INPUT_&lt;NAME&gt; for a script: every non-secret input, and a secret only when the script's own text or one
    /// of its env: values names INPUT_&lt;NAME&gt;. A script that calls another program which reads the
    /// variable passes it on with <c>env: { INPUT_TOKEN: "${{ inputs.token }}" }</c>.
    /// </summary>
    private Dictionary<string, string> ScriptInputs(RunAction run, SecretUse use)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in _request.Inputs)
        {
            var variable = "INPUT_" + name.ToUpperInvariant();
            if (_playbook.FindInput(name) is { IsSecret: true })
            {
                if (!Names(run.Script.Raw, variable) && !run.Environment.Any(e => e.Value.Templates().Any(t => Names(t.Raw, variable))))
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
    private void RegisterSecretOutputs(Step step, IReadOnlyDictionary<string, object?>? outputs)
    {
        if (step.Action is not RunAction || !_scriptSecretUse.TryGetValue(step.Id, out var use) || !use.Any)
        {
            return;
        }

        _secretSteps[step.Id] = true;
        foreach (var value in (outputs ?? ImmutableDictionary<string, object?>.Empty).Values)
        {
            _services.Masker.AddValue(value);
        }

        Interlocked.Increment(ref _version); // the expressions' view must now treat steps.<id> as secret
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
        string text => _services.Masker.Apply(text),
        IReadOnlyDictionary<string, object?> map => map.ToDictionary(e => MaskValue(e.Key) as string ?? e.Key, e => MaskValue(e.Value), StringComparer.Ordinal)
            as IReadOnlyDictionary<string, object?>,
        IEnumerable<object?> list => list.Select(MaskValue).ToList(),
        null or bool => value,
        _ when _services.Masker.Reveals(Values.ToText(value)) => Secrets.SecretMasker.Mask,
        _ => value,
    };

}
