using Runbook.Execution.Actions.Shell;
using Runbook.Execution.Providers;
using Runbook.Language.Model;

namespace Runbook.Execution.Engine;

public sealed partial class Executor
{
    /// <summary>
    /// An argument a shell runs (an exec action's <c>command</c>) with expressions in it is not spliced: it becomes a
    /// <see cref="ShellCommandValue"/>, so the action passes the values beside the text. False for a literal command.
    /// </summary>
    private static bool TryShellCommand(Argument argument, RunExpressions expressions, out object? command)
    {
        command = null;
        if (argument.Value is not ScalarArgument { Text.IsLiteral: false } scalar)
        {
            return false;
        }

        if (scalar.Text.IsSingleExpression && expressions.Argument(argument.Value) is IEnumerable<object?> list)
        {
            command = list; // a list from an expression: one argument per item
            return true;
        }

        var prepared = ShellScript.Prepare(scalar.Text, expressions.TextOf, "sh");
        command = new ShellCommandValue(prepared.Script, prepared.Environment, prepared.Sources, prepared.Refusal);
        return true;
    }
}
