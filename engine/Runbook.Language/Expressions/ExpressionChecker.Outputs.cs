using Runbook.Language.Diagnostics;
using Runbook.Language.Model;
using Scriban.Syntax;

namespace Runbook.Language.Expressions;

/// <summary>
/// Comparisons and arithmetic over step outputs, held to the outputs' types: a run: step's outputs are text
/// unless declared otherwise, so <c>steps.x.outputs.count &gt; 3</c> compares text (Scriban compares "10" and "9"
/// as text), and a boolean output compared with <c>'true'</c> compares text, which <c>'True'</c> never matches.
/// </summary>
public static partial class ExpressionChecker
{
    private sealed partial class Walker
    {
        /// <summary>Reports the first mismatch of an output's type in <paramref name="binary"/>; true when it did.</summary>
        private bool CheckOutputTypes(ScriptBinaryExpression binary, bool comparison, bool arithmetic)
        {
            if (!comparison && !arithmetic)
            {
                return false;
            }

            foreach (var (side, other) in new[] { (binary.Left, binary.Right), (binary.Right, binary.Left) })
            {
                if (OutputOf(side) is not { } output)
                {
                    continue;
                }

                var reported = output.Type switch
                {
                    OutputType.String => CheckTextOutput(binary, output, side!, other, comparison),
                    OutputType.Json => false, // any JSON value: nothing to hold it to
                    _ => comparison && CheckTypedComparison(output, other),
                };
                if (reported)
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>Text compared in order with a number, compared equal to one, or used in arithmetic.</summary>
        private bool CheckTextOutput(ScriptBinaryExpression binary, TypedOutput output, ScriptExpression side, ScriptExpression? other, bool comparison)
        {
            var numeric = IsNumeric(other);
            var problem = comparison
                ? numeric ? $"compared with the number {Text(other!)}" : null
                : binary.Operator != ScriptBinaryOperator.Add || numeric ? $"used in arithmetic ('{Text(binary).Trim()}')" : null;
            if (problem is null)
            {
                return false;
            }

            var reference = $"steps.{output.Step}.outputs.{output.Name}";
            var why = output.Source switch
            {
                OutputTypeSource.Declared => "it is declared as a string",
                OutputTypeSource.UndeclaredRunOutput => "a run: step's outputs are text unless declared",
                _ => "the action returns it as text",
            };
            var fix = output.Source == OutputTypeSource.UndeclaredRunOutput
                ? $"declare its type under the outputs: of '{output.Step}' ({output.Name}: {{ type: integer }}, or number), or convert it: {reference} | string.to_int"
                : $"convert it: {reference} | string.to_int (or string.to_float)";
            Report(Descriptors.TextOutputUsedAsNumber, SpanOf(side), $"{reference} is text ({why}), {problem}: text compares and adds as text, so '10' < '9'", fix);
            return true;
        }

        /// <summary>A boolean, number, list or object output compared with a literal of another kind.</summary>
        private bool CheckTypedComparison(TypedOutput output, ScriptExpression? other)
        {
            if (other is not ScriptLiteral { Value: not null } literal)
            {
                return false;
            }

            var text = literal.Value is string;
            var number = IsNumberLiteral(literal);
            var reference = $"steps.{output.Step}.outputs.{output.Name}";
            var (message, fix) = output.Type switch
            {
                OutputType.Boolean when text => ($"{reference} is a boolean, compared with the text {Quote(literal)}: that compares text, not booleans ('True' and 'yes' never match)",
                    "compare with true or false (no quotes), or use the output itself as the condition"),
                OutputType.Boolean when number => ($"{reference} is a boolean, compared with the number {Quote(literal)}: a boolean is true or false, never a number",
                    "compare with true or false (no quotes), or use the output itself as the condition"),
                OutputType.Integer or OutputType.Number when text => ($"{reference} is {(output.Type == OutputType.Integer ? "an integer" : "a number")}, compared with the text {Quote(literal)}: that compares text, not numbers ('3.0' and '03' never match 3)",
                    "compare with a number literal (no quotes)"),
                OutputType.List or OutputType.Object => ($"{reference} is {(output.Type == OutputType.List ? "a list" : "an object")}, compared with {Quote(literal)}: it is never a single value",
                    output.Type == OutputType.List ? $"compare its size ({reference} | array.size) or an item of it" : $"compare one of its members ({reference}.<name>)"),
                _ => (null, null),
            };
            if (message is null)
            {
                return false;
            }

            Report(Descriptors.OutputComparedWithWrongType, SpanOf(literal), message, fix!);
            return true;
        }

        private bool IsNumeric(ScriptExpression? node) => node switch
        {
            ScriptLiteral literal => IsNumberLiteral(literal),
            _ when InputOf(node) is { Type: InputType.Number } => true,
            _ => OutputOf(node) is { Type: OutputType.Integer or OutputType.Number },
        };

        private static bool IsNumberLiteral(ScriptLiteral literal) => literal.Value is int or long or double or float or decimal or System.Numerics.BigInteger;

        /// <summary><c>steps.&lt;id&gt;.outputs.&lt;name&gt;</c> with the type the scope knows for it.</summary>
        private TypedOutput? OutputOf(ScriptExpression? node)
        {
            // rows[0] continues a chain in Segments(); an item of an output is not the output.
            if (node is not (ScriptMemberExpression or ScriptIndexerExpression { Index: ScriptLiteral { Value: string } })
                || Segments(node) is not [{ Name: "steps" }, var step, { Name: "outputs" }, var name]
                || scope.OutputTypeOf(step.Name, name.Name) is not { } known)
            {
                return null;
            }

            return new TypedOutput(step.Name, name.Name, known.Type, known.Source);
        }
    }

    private sealed record TypedOutput(string Step, string Name, OutputType Type, OutputTypeSource Source);
}
