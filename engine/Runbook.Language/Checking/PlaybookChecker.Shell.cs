using System.Text.RegularExpressions;
using Runbook.Language.Diagnostics;
using Runbook.Language.Expressions;
using Runbook.Language.Model;
using Runbook.Language.Shell;
using Runbook.Language.Text;

namespace Runbook.Language.Checking;

public sealed partial class PlaybookChecker
{
    /// <summary>
    /// The injection rule at validate time: an expression (or an env: variable or input) that stands where the
    /// shell runs code is an error (RB0310); one that stands in arithmetic is a warning (RB0311), because the
    /// step is refused before it starts unless the value is a plain integer.
    /// </summary>
    private void CheckShellValues(StepAction action)
    {
        switch (action)
        {
            case RunAction run:
                CheckShellText(run.Script, run.Shell, run.Environment, run.Span);
                break;
            case UsesAction uses when _catalog.FindAction(uses.Name) is { } descriptor:
                foreach (var argument in uses.With)
                {
                    if (descriptor.FindParameter(argument.Name) is { RunsInShell: true } && argument.Value is ScalarArgument { Text.IsLiteral: false } command)
                    {
                        CheckShellText(command.Text, "sh", [], argument.Span);
                    }
                }

                break;
        }
    }

    private void CheckShellText(TemplateString script, string shell, IReadOnlyList<Argument> environment, SourceSpan span)
    {
        var referenced = ShellReferences.Build(script, shell);
        if (referenced.Refusal is { } refusal)
        {
            _diagnostics.Add(Descriptors.ValueWhereShellRunsCode, referenced.RefusedAt!.Span, $"{referenced.RefusedAt}: {refusal}",
                "put the expression in double quotes, or no quotes");
            return;
        }

        var analysis = ShellValueContexts.Analyze(referenced.Text, shell);
        foreach (var (variable, expression) in referenced.References)
        {
            Report(variable, expression.ToString(), expression.Span, IsNumberInput(expression.Text));
        }

        foreach (var variable in environment)
        {
            var literal = variable.Value is ScalarArgument { Text.IsLiteral: true };
            if (!literal && ShellValueContexts.IsCodeVariable(variable.Name))
            {
                _diagnostics.Add(Descriptors.ValueWhereShellRunsCode, variable.Span,
                    $"env: {variable.Name} takes its value from an expression, and {variable.Name} tells the shell or the programs it starts what code to run",
                    $"write {variable.Name} literally, or pass the value under another name");
            }
            else if (!literal)
            {
                Report(variable.Name, $"env: {variable.Name}", variable.Span, variable.Value is ScalarArgument { Text: { IsSingleExpression: true } t } && IsNumberInput(t.Expressions.First().Text));
            }
        }

        foreach (var input in _playbook.Inputs)
        {
            Report("INPUT_" + input.Name.ToUpperInvariant(), $"$INPUT_{input.Name.ToUpperInvariant()}", span, input.Type == InputType.Number);
        }

        void Report(string variable, string what, SourceSpan at, bool isNumber)
        {
            switch (ShellValueContexts.DemandOn(analysis, variable))
            {
                case { Demand: ShellValueDemand.Code } use:
                    _diagnostics.Add(Descriptors.ValueWhereShellRunsCode, at,
                        $"{what} stands where {shell} runs it, or reads it as a name, as code (script line {use.Line}: {use.Construct}); no value is safe there",
                        "keep code in the script text and pass the value as data: an argument in double quotes, or to sh -c as \"$1\" after the script (sh -c 'echo \"$1\"' sh ${{ … }})");
                    break;
                case { Demand: ShellValueDemand.Integer } use when !isNumber:
                    _diagnostics.Add(Descriptors.ValueInShellArithmetic, at,
                        $"{what} stands where {shell} evaluates it as arithmetic (script line {use.Line}: {use.Construct}); the step is refused before it starts unless the value is a plain integer",
                        "pass a whole number — declare the input 'type: number' — or compare as text ([ \"$x\" -gt 0 ] does not evaluate its operands)");
                    break;
            }
        }
    }

    /// <summary><c>inputs.n</c> or <c>inputs['n']</c> naming an input of type number.</summary>
    private bool IsNumberInput(string expression) =>
        InputReference().Match(expression) is { Success: true } match
        && _playbook.FindInput(match.Groups[1].Success ? match.Groups[1].Value : match.Groups[2].Value) is { Type: InputType.Number };

    [GeneratedRegex(@"^\s*inputs(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[\s*['""]([A-Za-z_][A-Za-z0-9_]*)['""]\s*\])\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex InputReference();
}
