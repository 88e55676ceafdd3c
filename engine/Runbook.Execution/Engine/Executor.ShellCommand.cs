using Runbook.Execution.Actions.Shell;
using Runbook.Execution.Providers;
using Runbook.Language.Model;

namespace Runbook.Execution.Engine;

public sealed partial class Executor
{
    /// <summary>
    /// An argument's value. A string that a shell runs (an exec action's <c>command</c>) with expressions in it is
    /// not spliced: it becomes a <see cref="ShellCommandValue"/>, so the action passes the values beside the text.
    /// </summary>
    private object? EvaluateArgument(string action, Argument argument, RunExpressions expressions)
    {
        if (argument.Value is ScalarArgument { Text.IsLiteral: false } scalar
            && _services.Catalog.FindAction(action)?.FindParameter(argument.Name) is { RunsInShell: true })
        {
            if (scalar.Text.IsSingleExpression && expressions.Argument(argument.Value) is IEnumerable<object?> list)
            {
                return list; // a list from an expression: one argument per item
            }

            var prepared = ShellScript.Prepare(scalar.Text, expressions.TextOf, "sh");
            return new ShellCommandValue(prepared.Script, prepared.Environment, prepared.Sources, prepared.Refusal);
        }

        return expressions.Argument(argument.Value);
    }
}
