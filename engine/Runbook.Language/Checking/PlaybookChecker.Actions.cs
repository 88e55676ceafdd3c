using Runbook.Language.Actions;
using Runbook.Language.Binding;
using Runbook.Language.Diagnostics;
using Runbook.Language.Model;
using Runbook.Language.Text;

namespace Runbook.Language.Checking;

public sealed partial class PlaybookChecker
{
    /// <summary>Checks a uses: action against the catalog and the chosen provider; returns its descriptor.</summary>
    private ActionDescriptor? CheckAction(StepAction action)
    {
        if (action is not UsesAction uses)
        {
            return null;
        }

        var descriptor = _catalog.FindAction(uses.Name);
        if (descriptor is null)
        {
            _diagnostics.Add(Descriptors.UnknownAction, uses.Span,
                $"unknown action '{uses.Name}'{Suggestions.DidYouMean(uses.Name, _catalog.Actions.Select(a => a.Name))}",
                "run 'runbook providers' to list the actions, or use run: for a shell command");
            return null;
        }

        CheckProviderSupport(uses, descriptor);

        foreach (var argument in uses.With)
        {
            var parameter = descriptor.FindParameter(argument.Name);
            if (parameter is null)
            {
                _diagnostics.Add(Descriptors.UnknownArgument, argument.Span,
                    $"'{uses.Name}' takes no argument '{argument.Name}'{Suggestions.DidYouMean(argument.Name, descriptor.Parameters.Select(p => p.Name))}",
                    $"its arguments are: {string.Join(", ", descriptor.Parameters.Select(p => p.Name))}");
                continue;
            }

            CheckArgumentType(uses, parameter, argument.Value);
            CheckArgumentProviders(uses, parameter, argument.Span);
            if (parameter.Code is { } language)
            {
                CheckCodeArgument(uses, parameter, language, argument.Value);
            }

            if (parameter.IsFile && argument.Value is ScalarArgument { Text.IsLiteral: true } file)
            {
                CheckFileArgument(uses, parameter, file);
            }

            if (parameter.Rule is { } rule && argument.Value is ScalarArgument { Text.IsLiteral: true } literal
                && rule.Problem(uses, literal.Text.Raw) is { } problem)
            {
                _diagnostics.Add(rule.Code, literal.Span, $"'{parameter.Name}' of '{uses.Name}': {problem}", rule.Fix);
            }

            if (parameter.Rule is { MappingProblem: { } mappingProblem } mappingRule && argument.Value is MapArgument mapping
                && mappingProblem(uses, mapping) is { } found)
            {
                _diagnostics.Add(mappingRule.Code, found.Span, $"'{parameter.Name}' of '{uses.Name}': {found.Problem}", mappingRule.Fix);
            }
        }

        foreach (var missing in descriptor.Parameters.Where(p => p.Required && uses.Find(p.Name) is null))
        {
            _diagnostics.Add(Descriptors.MissingArgument, uses.Span,
                $"'{uses.Name}' needs the argument '{missing.Name}' ({missing.Description.TrimEnd('.')})",
                $"add it under with: as '{missing.Name}: …'");
        }

        return descriptor;
    }

    /// <summary>Literal values are checked now; values from expressions are checked when they are known.</summary>
    private void CheckArgumentType(UsesAction uses, ParameterDescriptor parameter, ArgumentValue value)
    {
        var ok = (parameter.Type, value) switch
        {
            (ParameterType.Any, _) => true,
            (_, ScalarArgument { Text.IsLiteral: false }) => true,
            (ParameterType.Number, ScalarArgument s) => s.Kind == ScalarKind.Number,
            (ParameterType.Boolean, ScalarArgument s) => s.Kind == ScalarKind.Boolean,
            (ParameterType.Duration, ScalarArgument s) => Duration.TryParse(s.Text.Raw, out _),
            (ParameterType.String, ScalarArgument) => true,
            (ParameterType.List, ListArgument) => true,
            (ParameterType.Map, MapArgument) => true,
            (ParameterType.StatusCodes, ScalarArgument s) => s.Kind == ScalarKind.Number && ArgumentTypes.IsStatusCodeLiteral(s.Text.Raw),
            (ParameterType.StatusCodes, ListArgument l) => l.Items.Length > 0 && l.Items.All(i => i is ScalarArgument s
                && (!s.Text.IsLiteral || (s.Kind == ScalarKind.Number && ArgumentTypes.IsStatusCodeLiteral(s.Text.Raw)))),
            _ => false,
        };
        if (!ok)
        {
            var found = value is ScalarArgument s2 ? $"'{s2.Text.Raw}'" : value is ListArgument ? $"the list {value.Raw}" : "a mapping";
            _diagnostics.Add(parameter.Type == ParameterType.Duration && value is ScalarArgument ? Descriptors.InvalidDuration : Descriptors.WrongType,
                value.Span, $"'{parameter.Name}' of '{uses.Name}' must be {ArgumentTypes.Expected(parameter.Type)}, found {found}",
                parameter.Description);
        }
    }

    /// <summary>
    /// An argument that is code (SQL, …) takes no expression: the value would become part of the code. Values go in
    /// through the argument the language provides (bind parameters), which the fix spells out.
    /// </summary>
    private void CheckCodeArgument(UsesAction uses, ParameterDescriptor parameter, CodeLanguage language, ArgumentValue value)
    {
        foreach (var expression in value.Templates().SelectMany(t => t.Expressions))
        {
            var name = ParameterNameFor(expression.Text);
            _diagnostics.Add(Descriptors.ExpressionInCode, expression.Span,
                $"'{parameter.Name}' of '{uses.Name}' is {language.Name}: the expression '${{{{ {expression.Text.Trim()} }}}}' would be spliced into the {language.Name} text, "
                + "and a value can then change what the code does",
                $"write {language.PlaceholderFor(name)} in the {parameter.Name} and pass the value as {language.ValuesArgument}: {{ {name}: \"${{{{ {expression.Text.Trim()} }}}}\" }}");
        }
    }

    /// <summary>A literal file argument must name a file inside the playbook's folder: no absolute path, no '..'.</summary>
    private void CheckFileArgument(UsesAction uses, ParameterDescriptor parameter, ScalarArgument value)
    {
        if (FileArguments.Problem(value.Text.Raw) is { } problem)
        {
            _diagnostics.Add(Descriptors.FileOutsidePlaybookFolder, value.Span,
                $"'{parameter.Name}' of '{uses.Name}' is '{value.Text.Raw}': {problem}",
                "put the file in the playbook's folder (or the templates folder of runbook.yaml) and name it relative to it");
        }
    }

    /// <summary>A bind-parameter name for the fix: the last identifier of the expression (<c>inputs.name</c> → <c>name</c>).</summary>
    private static string ParameterNameFor(string expression)
    {
        var words = new string(expression.Select(c => char.IsAsciiLetterOrDigit(c) || c == '_' ? c : ' ').ToArray())
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Where(w => w.Length > 0 && !char.IsAsciiDigit(w[0]) && w is not ("inputs" or "steps" or "outputs" or "env" or "run")).ToList();
        return words.Count == 0 ? "value" : words[^1];
    }
}
