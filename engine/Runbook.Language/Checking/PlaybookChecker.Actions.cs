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

        if (_provider is not null && !_provider.Supports(descriptor))
        {
            _diagnostics.Add(Descriptors.ActionNotSupportedByProvider, uses.Span,
                $"provider '{_provider.Name}' does not support '{uses.Name}'",
                $"use an action {_provider.Name} supports (see 'runbook providers'), or a run: step");
        }

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
        var expected = parameter.Type switch
        {
            ParameterType.Number => "a number",
            ParameterType.Boolean => "true or false",
            ParameterType.Duration => "a duration such as 30s or 5m",
            ParameterType.List => "a list",
            ParameterType.Map => "a mapping",
            ParameterType.String => "a single value",
            _ => null,
        };
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
            _ => false,
        };
        if (!ok)
        {
            var found = value is ScalarArgument s2 ? $"'{s2.Text.Raw}'" : value is ListArgument ? "a list" : "a mapping";
            _diagnostics.Add(parameter.Type == ParameterType.Duration && value is ScalarArgument ? Descriptors.InvalidDuration : Descriptors.WrongType,
                value.Span, $"'{parameter.Name}' of '{uses.Name}' must be {expected}, found {found}",
                parameter.Description);
        }
    }
}
