using System.Text.RegularExpressions;
using Runbook.Language.Diagnostics;
using Runbook.Language.Expressions;
using Runbook.Language.Model;
using Runbook.Language.Text;

namespace Runbook.Language.Checking;

/// <summary>Where secrets flow: into a notification's text (RB0315); which process variables a playbook may read (RB0316).</summary>
public sealed partial class PlaybookChecker
{
    private HashSet<string>? _secretScripts;

    /// <summary>
    /// RB0315: a notification's text reads a secret by any access form — <c>inputs.token</c>, <c>inputs['token']</c>,
    /// <c>inputs[k]</c>, the whole <c>inputs</c>, the variable a secret comes from, or the outputs of a script that
    /// received a secret (the engine masks them all, so the message would arrive full of ***).
    /// </summary>
    private void CheckSecretFlow(ExpressionReferences references, TemplatePlace place, ExpressionPart expression)
    {
        if (!place.Notifies)
        {
            return;
        }

        var flow = references.Inputs.Where(i => _playbook.FindInput(i.Name) is { IsSecret: true }).Select(i => (What: $"secret input '{i.Name}'", i.Span))
            .Concat(references.ReadsAnyInput && _playbook.Inputs.Any(i => i.IsSecret) ? [(What: "every input, secret ones included,", expression.Span)] : [])
            .Concat(references.Environment.Where(e => SecretVariables().Contains(e.Name)).Select(e => (What: $"env.{e.Name}, where a secret input comes from,", e.Span)))
            .Concat(references.Steps.Where(s => SecretScripts().Contains(s.Name)).Select(s => (What: $"the outputs of '{s.Name}', a script that received a secret,", s.Span)))
            .FirstOrDefault();
        if (flow.What is not null)
        {
            _diagnostics.Add(Descriptors.SecretInNotification, flow.Span,
                $"{flow.What} flows into {place.Description}: the engine masks it, so the message would say *** instead",
                place.Fix);
        }
    }

    /// <summary>RB0316: env.NAME reads only what the playbook lists under its top-level env:.</summary>
    private void CheckEnvironment(ExpressionReferences references)
    {
        foreach (var variable in references.Environment.Where(e => !_playbook.Environment.Any(v => v.Name == e.Name)))
        {
            _diagnostics.Add(Descriptors.UndeclaredEnvironmentVariable, variable.Span,
                $"env.{variable.Name} is not declared: expressions read only the variables listed under the playbook's env:",
                _playbook.Environment.IsEmpty
                    ? $"add 'env: [{variable.Name}]' at the top level of the playbook (for a secret, declare an input {{ type: secret, from: env:{variable.Name} }})"
                    : $"add {variable.Name} to the top-level env: list ({string.Join(", ", _playbook.Environment.Select(v => v.Name))}){Suggestions.DidYouMean(variable.Name, _playbook.Environment.Select(v => v.Name))}");
        }
    }

    private HashSet<string> SecretVariables() =>
        [.. _playbook.Inputs.Where(i => i.IsSecret && i.From is { Kind: SecretSourceKind.Environment }).Select(i => i.From!.Reference)];

    /// <summary>Scripts that receive a secret (by expression, INPUT_NAME, or another such script's outputs): their outputs are secret.</summary>
    private HashSet<string> SecretScripts()
    {
        if (_secretScripts is not null)
        {
            return _secretScripts;
        }

        var secrets = _playbook.Inputs.Where(i => i.IsSecret).ToList();
        var variables = SecretVariables();
        var result = new HashSet<string>(StringComparer.Ordinal);
        foreach (var step in _playbook.Steps)
        {
            if (step.Action is not RunAction run)
            {
                continue;
            }

            var scope = new StepScope(_index, step, inRollback: false);
            var readsSecret = secrets.Any(s => NamesVariable(run, "INPUT_" + s.Name.ToUpperInvariant()));
            // A fan-out's items come from its for_each: a secret-derived list makes every item secret-derived too.
            foreach (var template in StepTemplates.Of(run).Select(t => t.Template).Concat(step.ForEach?.Items.Templates() ?? []))
            {
                foreach (var expression in template.Expressions)
                {
                    var references = ExpressionChecker.Check(expression, scope, new DiagnosticBag());
                    readsSecret |= references.Inputs.Any(i => secrets.Any(s => s.Name == i.Name))
                        || (references.ReadsAnyInput && secrets.Count > 0)
                        || references.Environment.Any(e => variables.Contains(e.Name))
                        || references.Steps.Any(s => result.Contains(s.Name));
                }
            }

            if (readsSecret)
            {
                result.Add(step.Id);
            }
        }

        return _secretScripts = result;
    }

    private bool NamedByScript(InputDefinition input) =>
        _playbook.Steps.SelectMany(s => s.Rollback is { } r ? [s.Action, r.Action] : new[] { s.Action }).OfType<RunAction>()
            .Any(run => NamesVariable(run, "INPUT_" + input.Name.ToUpperInvariant()));

    private static bool NamesVariable(RunAction run, string variable) =>
        run.Environment.SelectMany(e => e.Value.Templates()).Select(t => t.Raw).Append(run.Script.Raw)
            .Any(text => Regex.IsMatch(text, $"(?<![A-Za-z0-9_]){Regex.Escape(variable)}(?![A-Za-z0-9_])", RegexOptions.CultureInvariant));
}
