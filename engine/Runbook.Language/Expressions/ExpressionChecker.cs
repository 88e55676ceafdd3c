using System.Collections.Immutable;
using Runbook.Language.Diagnostics;
using Runbook.Language.Model;
using Runbook.Language.Text;
using Scriban.Syntax;

namespace Runbook.Language.Expressions;

/// <summary>
/// Walks one expression's Scriban syntax tree: every name it reads must exist and be readable where the
/// expression stands; functions must exist and get the right number of arguments; comparisons of typed
/// inputs must make sense. Each problem is reported at the offending name's own line and column.
/// </summary>
public static partial class ExpressionChecker
{
    public static ExpressionReferences Check(ExpressionPart part, IExpressionScope scope, DiagnosticBag diagnostics)
    {
        if (part.Syntax is null)
        {
            return ExpressionReferences.Empty;
        }

        var walker = new Walker(part, scope, diagnostics);
        walker.Visit(part.Syntax);
        return walker.References();
    }

    private sealed partial class Walker(ExpressionPart part, IExpressionScope scope, DiagnosticBag diagnostics)
    {
        private readonly ImmutableArray<ExpressionReference>.Builder _inputs = ImmutableArray.CreateBuilder<ExpressionReference>();
        private readonly ImmutableArray<ExpressionReference>.Builder _steps = ImmutableArray.CreateBuilder<ExpressionReference>();
        private readonly ImmutableArray<ExpressionReference>.Builder _env = ImmutableArray.CreateBuilder<ExpressionReference>();

        private bool _anyInput;

        public ExpressionReferences References() => new(_inputs.ToImmutable(), _steps.ToImmutable(), _env.ToImmutable()) { ReadsAnyInput = _anyInput };

        public void Visit(ScriptNode? node)
        {
            switch (node)
            {
                case null:
                    return;
                case ScriptBinaryExpression binary when Hyphenated(binary) is { } hyphen:
                    Report(Descriptors.HyphenInExpression, hyphen.Span,
                        $"'{hyphen.Written}' reads as a subtraction: names in expressions cannot contain '-'",
                        $"use '_' in ids and names, e.g. {hyphen.Fixed}");
                    return;
                case ScriptBinaryExpression binary:
                    CheckTypes(binary);
                    Visit(binary.Left);
                    Visit(binary.Right);
                    return;
                case ScriptMemberExpression or ScriptIndexerExpression:
                    CheckChain((ScriptExpression)node);
                    return;
                case ScriptVariableGlobal variable:
                    CheckBareName(variable);
                    return;
                case ScriptFunctionCall call:
                    CheckCall(call, piped: 0);
                    if (IsFormat(call) && call.Arguments is [var format, ..])
                    {
                        CheckFormat(format, call.Arguments.Count - 1);
                    }

                    VisitAll(call.Arguments);
                    return;
                case ScriptPipeCall { To: ScriptFunctionCall call } pipe when IsFormat(call):
                    // 'x {0}' | format(a): the piped value is the format string.
                    CheckFormat(pipe.From, call.Arguments?.Count ?? 0);
                    Visit(pipe.From);
                    VisitPipeTarget(pipe.To);
                    return;
                case ScriptPipeCall pipe:
                    Visit(pipe.From);
                    VisitPipeTarget(pipe.To);
                    return;
                default:
                    VisitAll(node.Children);
                    return;
            }
        }

        private void VisitAll(IEnumerable<ScriptNode>? nodes)
        {
            foreach (var child in nodes ?? [])
            {
                Visit(child);
            }
        }

        private void VisitPipeTarget(ScriptExpression? target)
        {
            switch (target)
            {
                case ScriptFunctionCall call:
                    CheckCall(call, piped: 1);
                    VisitAll(call.Arguments);
                    break;
                case ScriptPipeCall pipe:
                    VisitPipeTarget(pipe.From);
                    VisitPipeTarget(pipe.To);
                    break;
                case ScriptVariableGlobal or ScriptMemberExpression:
                    CheckFunctionName(target, arguments: 1);
                    break;
                default:
                    Visit(target);
                    break;
            }
        }

        private void CheckCall(ScriptFunctionCall call, int piped) => CheckFunctionName(call.Target, (call.Arguments?.Count ?? 0) + piped);

        private void CheckFunctionName(ScriptExpression? target, int arguments)
        {
            switch (target)
            {
                case ScriptVariableGlobal { Name: var name } variable when FunctionCatalog.GitHub.TryGetValue(name, out var arity):
                    if (arguments < arity.Min || (arity.Max >= 0 && arguments > arity.Max))
                    {
                        var expected = arity.Min == arity.Max ? $"{arity.Min}" : arity.Max < 0 ? $"at least {arity.Min}" : $"{arity.Min} or {arity.Max}";
                        Report(Descriptors.WrongArgumentCount, SpanOf(variable),
                            $"{name}() takes {expected} argument{(arity.Max == 1 ? string.Empty : "s")}, given {arguments}",
                            "see the function list in docs/expressions.md");
                    }

                    break;
                case ScriptMemberExpression member when Segments(member) is [{ Name: var ns }, ..] && FunctionCatalog.BuiltinNamespaces.Contains(ns):
                    break;
                case ScriptVariableGlobal variable:
                    var known = FunctionCatalog.GitHub.Keys.Concat(FunctionCatalog.BuiltinNamespaces.Select(n => n + ".…"));
                    Report(Descriptors.UnknownFunction, SpanOf(variable),
                        $"unknown function '{variable.Name}'{Suggestions.DidYouMean(variable.Name, FunctionCatalog.GitHub.Keys)}",
                        $"functions: {string.Join(", ", known)}");
                    break;
                case ScriptMemberExpression member:
                    Report(Descriptors.UnknownFunction, SpanOf(member), $"'{Text(member)}' is not a function",
                        $"builtin functions live in {string.Join(", ", FunctionCatalog.BuiltinNamespaces)} (string.upcase, array.join …)");
                    break;
                default:
                    Visit(target);
                    break;
            }
        }

        private static bool IsFormat(ScriptFunctionCall call) => call.Target is ScriptVariableGlobal { Name: "format" };

        /// <summary>A literal format string is read now, as format() would read it at run time: a lone brace or a
        /// placeholder without an argument is an error here rather than a failed step later.</summary>
        private void CheckFormat(ScriptExpression? format, int arguments)
        {
            if (format is not ScriptLiteral { Value: string text } literal)
            {
                return; // computed: checked when the step runs
            }

            var (parsed, error, offset) = FormatString.Parse(text);
            if (parsed is null)
            {
                Report(Descriptors.InvalidFormatString, CharacterOf(literal, text, offset), $"format(): the format string has {error}",
                    "write {0}, {1} … for the arguments, and double a brace ('{{' or '}}') to print it");
            }
            else if (parsed.FirstBeyond(arguments) is { } beyond)
            {
                Report(Descriptors.FormatArgumentMissing, CharacterOf(literal, text, beyond.Offset),
                    $"format(): placeholder {{{beyond.Index}}} has no argument ({arguments} given after the format string)",
                    arguments == 0 ? "pass the values after the format string: format('{0} of {1}', a, b)"
                        : $"pass {beyond.Index + 1 - arguments} more argument(s), or number the placeholders from {{0}} to {{{arguments - 1}}}");
            }
        }

        /// <summary>The span of one character of a string literal, or the whole literal when escapes make offsets differ.</summary>
        private SourceSpan CharacterOf(ScriptLiteral literal, string value, int offset)
        {
            var written = Text(literal);
            return written.Length == value.Length + 2 && written.AsSpan(1, value.Length).SequenceEqual(value)
                ? part.SpanOf(literal.Span.Start.Offset + 1 + offset, 1)
                : SpanOf(literal);
        }

        private void CheckBareName(ScriptVariableGlobal variable)
        {
            var name = variable.Name;
            _anyInput |= name == "inputs";
            if (FunctionCatalog.Roots.Contains(name) || FunctionCatalog.GitHub.ContainsKey(name)
                || FunctionCatalog.BuiltinNamespaces.Contains(name) || FunctionCatalog.BuiltinValues.Contains(name))
            {
                return;
            }

            if (scope.Locals.ContainsKey(name))
            {
                return;
            }

            if (IsItemName(name))
            {
                ReportItemOutside(name, SpanOf(variable));
                return;
            }

            Report(Descriptors.UnknownContext, SpanOf(variable),
                $"unknown name '{name}'{Suggestions.DidYouMean(name, FunctionCatalog.Roots.Concat(FunctionCatalog.GitHub.Keys))}",
                "expressions read inputs.<name>, steps.<id>.outputs.<name>, steps.<id>.status, env.<NAME> and run.<field>; quote text as 'text'");
        }

        private void CheckChain(ScriptExpression chain)
        {
            var segments = Segments(chain);
            if (segments.Count == 0)
            {
                // fromJSON(x).ok, (a).b: check what the chain starts from; member names are not variables.
                switch (chain)
                {
                    case ScriptMemberExpression member:
                        Visit(member.Target);
                        break;
                    case ScriptIndexerExpression indexer:
                        Visit(indexer.Target);
                        Visit(indexer.Index);
                        break;
                }

                return;
            }

            var root = segments[0];
            switch (root.Name)
            {
                case "inputs":
                    if (segments.Count > 1)
                    {
                        CheckInput(segments[1]);
                    }
                    else
                    {
                        _anyInput = true; // inputs[k]: which input is known only at run time
                    }

                    break;
                case "steps":
                    if (segments.Count > 1)
                    {
                        CheckStep(segments);
                    }

                    break;
                case "env":
                    if (segments.Count > 1)
                    {
                        _env.Add(new ExpressionReference(segments[1].Name, segments[1].Span));
                    }

                    break;
                case "run":
                    if (segments.Count > 1 && !FunctionCatalog.RunFields.Contains(segments[1].Name))
                    {
                        Report(Descriptors.UnknownContext, segments[1].Span,
                            $"run has no '{segments[1].Name}'{Suggestions.DidYouMean(segments[1].Name, FunctionCatalog.RunFields)}",
                            $"run holds: {string.Join(", ", FunctionCatalog.RunFields)}");
                    }

                    break;
                case var _ when scope.Locals.TryGetValue(root.Name, out var local):
                    if (local.Members is { } members && segments.Count > 1 && !members.Contains(segments[1].Name))
                    {
                        Report(Descriptors.ItemMemberUnknown, segments[1].Span,
                            $"'{root.Name}' is an entry of the for_each mapping: it has {string.Join(" and ", members)}, not '{segments[1].Name}'{Suggestions.DidYouMean(segments[1].Name, members)}",
                            $"read {string.Join(" or ", members.Select(m => $"{root.Name}.{m}"))}");
                    }

                    break;
                case var _ when IsItemName(root.Name):
                    ReportItemOutside(root.Name, root.Span);
                    break;
                default:
                    if (!FunctionCatalog.BuiltinNamespaces.Contains(root.Name))
                    {
                        Report(Descriptors.UnknownContext, root.Span,
                            $"unknown name '{root.Name}'{Suggestions.DidYouMean(root.Name, FunctionCatalog.Roots)}",
                            "expressions read inputs, steps, env and run");
                    }

                    break;
            }

            // Indexes that are expressions themselves (inputs[x]) are checked too.
            foreach (var index in Indexes(chain))
            {
                Visit(index);
            }
        }

        private void CheckInput(Segment name)
        {
            var inputs = scope.Inputs.ToList();
            if (inputs.Any(i => i.Name == name.Name))
            {
                _inputs.Add(new ExpressionReference(name.Name, name.Span));
                return;
            }

            Report(Descriptors.UnknownInput, name.Span,
                $"unknown input '{name.Name}'{Suggestions.DidYouMean(name.Name, inputs.Select(i => i.Name))}",
                inputs.Count == 0 ? "declare it under inputs:" : $"declare it under inputs:, or use one of: {string.Join(", ", inputs.Select(i => i.Name))}");
        }

        private void CheckStep(List<Segment> segments)
        {
            var id = segments[1];
            switch (scope.VisibilityOf(id.Name))
            {
                case StepVisibility.Unknown:
                    Report(Descriptors.UnknownStepInExpression, id.Span,
                        $"unknown step '{id.Name}'{Suggestions.DidYouMean(id.Name, scope.StepIds)}", "use the id of a step in this playbook");
                    return;
                case StepVisibility.NotYetCompleted:
                    Report(Descriptors.StepNotYetCompleted, id.Span,
                        $"step '{id.Name}' cannot have completed when this runs, so its outputs and status are not available here",
                        $"move '{id.Name}' to an earlier phase or before this step, or make the phase parallel so the reference orders them");
                    _steps.Add(new ExpressionReference(id.Name, id.Span));
                    return;
            }

            _steps.Add(new ExpressionReference(id.Name, id.Span));
            if (segments.Count < 3)
            {
                return;
            }

            var property = segments[2];
            if (property.Name is not ("outputs" or "status"))
            {
                Report(Descriptors.UnknownContext, property.Span,
                    $"a step has 'outputs' and 'status', not '{property.Name}'{Suggestions.DidYouMean(property.Name, ["outputs", "status"])}",
                    $"write steps.{id.Name}.outputs.<name> or steps.{id.Name}.status");
                return;
            }

            if (property.Name == "outputs" && segments.Count > 3 && scope.OutputsOf(id.Name) is { } outputs && !outputs.Contains(segments[3].Name))
            {
                var output = segments[3];
                if (scope.IsFanOut(id.Name))
                {
                    Report(Descriptors.UnknownOutput, output.Span,
                        $"step '{id.Name}' runs for each item of its for_each: its only output is 'items', one entry per item, so it has no output '{output.Name}'",
                        $"read one item's output: steps.{id.Name}.outputs.items[0].{output.Name}");
                    return;
                }

                Report(Descriptors.UnknownOutput, output.Span,
                    $"step '{id.Name}' has no output '{output.Name}'{Suggestions.DidYouMean(output.Name, outputs)}",
                    outputs.Count == 0 ? $"declare it under the outputs: of '{id.Name}'" : $"its outputs: {string.Join(", ", outputs)}; a run: step declares its own under outputs:");
            }
        }

        private void CheckTypes(ScriptBinaryExpression binary)
        {
            var comparison = binary.Operator is ScriptBinaryOperator.CompareEqual or ScriptBinaryOperator.CompareNotEqual
                or ScriptBinaryOperator.CompareLess or ScriptBinaryOperator.CompareGreater
                or ScriptBinaryOperator.CompareLessOrEqual or ScriptBinaryOperator.CompareGreaterOrEqual;
            var arithmetic = binary.Operator is ScriptBinaryOperator.Add or ScriptBinaryOperator.Subtract
                or ScriptBinaryOperator.Multiply or ScriptBinaryOperator.Divide or ScriptBinaryOperator.DivideRound
                or ScriptBinaryOperator.Modulus or ScriptBinaryOperator.Power;
            if (CheckOutputTypes(binary, comparison, arithmetic))
            {
                return;
            }

            foreach (var (side, other) in new[] { (binary.Left, binary.Right), (binary.Right, binary.Left) })
            {
                if (comparison && StatusOf(side) is { } step && other is ScriptLiteral { Value: string status } named && !StepStatusNames.All.Contains(status))
                {
                    // 'failed' and 'succeeded' are the usual slips (the journal's words); match on the stem.
                    var stem = status.Length >= 4 ? StepStatusNames.All.FirstOrDefault(s => s.StartsWith(status[..4], StringComparison.OrdinalIgnoreCase)) : null;
                    Report(Descriptors.TypeMismatch, SpanOf(named), $"steps.{step}.status is never '{status}': it is {string.Join(", ", StepStatusNames.All)}",
                        stem is null ? $"compare with one of those{Suggestions.DidYouMean(status, StepStatusNames.All)}" : $"compare with '{stem}'");
                    return;
                }

                if (TypedOf(side) is not { } input)
                {
                    continue;
                }

                if (arithmetic && input.Type == InputType.Boolean)
                {
                    Report(Descriptors.TypeMismatch, SpanOf(side!), $"{input.What} is a boolean; arithmetic on it has no meaning",
                        "compare it (== true) or use it as a condition");
                    return;
                }

                if (!comparison || other is not ScriptLiteral literal)
                {
                    continue;
                }

                var text = literal.Value is string;
                var number = literal.Value is int or long or double or float or decimal;
                var message = input.Type switch
                {
                    InputType.Number when text => $"{input.What} is a number, compared with the text {Quote(literal)}",
                    InputType.Boolean when text || number => $"{input.What} is a boolean, compared with {Quote(literal)}",
                    InputType.String or InputType.Enum or InputType.Secret when number => $"{input.What} is {Article(input.Type)}, compared with the number {literal.Value}",
                    InputType.Enum when text && !input.Values.Contains((string)literal.Value!) =>
                        $"{input.What} is never {Quote(literal)}: its values are {string.Join(", ", input.Values)}",
                    _ => null,
                };
                if (message is not null)
                {
                    Report(Descriptors.TypeMismatch, SpanOf(literal), message,
                        input.Type == InputType.Number ? "compare with a number literal (no quotes)" : $"compare with a value of the {input.Noun}'s type");
                    return;
                }
            }
        }

        private string? StatusOf(ScriptExpression? node) =>
            node is ScriptMemberExpression member && Segments(member) is [{ Name: "steps" }, { } id, { Name: "status" }] ? id.Name : null;

        /// <summary>An input, or a name bound in this step, whose type is known: what type checks compare against.</summary>
        private TypedName? TypedOf(ScriptExpression? node)
        {
            if (InputOf(node) is { } input)
            {
                return new TypedName($"input '{input.Name}'", "input", input.Type, input.Values);
            }

            return node is ScriptVariableGlobal { Name: var name } && scope.Locals.TryGetValue(name, out var local) && local.Type is { } type
                ? new TypedName($"{local.Origin} '{name}'", "item", type, [])
                : null;
        }

        private bool IsItemName(string name) => name is FanOut.DefaultItemName or FanOut.IndexName || scope.ItemNames.Contains(name);

        private void ReportItemOutside(string name, SourceSpan span) =>
            Report(Descriptors.ItemOutsideForEach, span,
                $"'{name}' is {(name == FanOut.IndexName ? "the position of an item" : "the item")} of a for_each step, and this is not inside one",
                "add 'for_each:' to this step to run it once per item, or read the fan-out step's results as steps.<id>.outputs.items");

        private InputDefinition? InputOf(ScriptExpression? node) =>
            node is ScriptMemberExpression member && Segments(member) is [{ Name: "inputs" }, var name]
                ? scope.Inputs.FirstOrDefault(i => i.Name == name.Name)
                : null;

        /// <summary><c>steps.check-health.outputs.x</c> parses as <c>steps.check - health.outputs.x</c>: spot it by the missing spaces.</summary>
        private Hyphen? Hyphenated(ScriptBinaryExpression binary)
        {
            if (binary.Operator is not ScriptBinaryOperator.Subtract
                || binary.Left is not (ScriptMemberExpression or ScriptVariableGlobal)
                || Segments(binary.Left) is not { Count: > 0 } left
                || !FunctionCatalog.Roots.Contains(left[0].Name)
                || binary.Right is not (ScriptMemberExpression or ScriptVariableGlobal)
                || Segments(binary.Right) is not { Count: > 0 } right)
            {
                return null;
            }

            var leftEnd = binary.Left.Span.End.Offset + 1;
            var rightStart = binary.Right.Span.Start.Offset;
            if (rightStart - leftEnd != 1 || part.Text[leftEnd] != '-')
            {
                return null;
            }

            var written = part.Text.Substring(binary.Left.Span.Start.Offset, binary.Right.Span.End.Offset - binary.Left.Span.Start.Offset + 1);
            var fixedName = string.Join('.', left.Select(s => s.Name).SkipLast(1).Append(left[^1].Name + "_" + right[0].Name).Concat(right.Skip(1).Select(s => s.Name)));
            return new Hyphen(written, fixedName, part.SpanOf(binary.Left.Span.Start.Offset, written.Length));
        }

        private List<Segment> Segments(ScriptExpression? node)
        {
            var result = new List<Segment>();
            if (!Collect(node, result))
            {
                result.Clear();
            }

            return result;
        }

        private bool Collect(ScriptExpression? node, List<Segment> into)
        {
            switch (node)
            {
                case ScriptVariableGlobal variable:
                    into.Add(new Segment(variable.Name, SpanOf(variable)));
                    return true;
                case ScriptMemberExpression member:
                    if (!Collect(member.Target, into))
                    {
                        return false;
                    }

                    if (member.Member is null)
                    {
                        return false;
                    }

                    into.Add(new Segment(member.Member.Name, SpanOf(member.Member)));
                    return true;
                case ScriptIndexerExpression { Index: ScriptLiteral { Value: string key } literal } indexer:
                    if (!Collect(indexer.Target, into))
                    {
                        return false;
                    }

                    into.Add(new Segment(key, SpanOf(literal)));
                    return true;
                case ScriptIndexerExpression indexer:
                    return Collect(indexer.Target, into); // rows[0]: the chain goes on past a dynamic index
                default:
                    return false;
            }
        }

        private static IEnumerable<ScriptExpression> Indexes(ScriptExpression? node)
        {
            while (node is ScriptMemberExpression or ScriptIndexerExpression)
            {
                if (node is ScriptIndexerExpression indexer)
                {
                    if (indexer.Index is { } index and not ScriptLiteral)
                    {
                        yield return index;
                    }

                    node = indexer.Target;
                }
                else
                {
                    node = ((ScriptMemberExpression)node).Target;
                }
            }
        }

        private SourceSpan SpanOf(ScriptNode node) =>
            part.SpanOf(node.Span.Start.Offset, Math.Max(1, node.Span.End.Offset - node.Span.Start.Offset + 1));

        private string Text(ScriptNode node) =>
            part.Text.Substring(node.Span.Start.Offset, Math.Min(part.Text.Length - node.Span.Start.Offset, node.Span.End.Offset - node.Span.Start.Offset + 1));

        private static string Quote(ScriptLiteral literal) => literal.Value is string s ? $"'{s}'" : $"{literal.Value}";

        private static string Article(InputType type) => type == InputType.Enum ? "an enum" : $"a {type.ToString().ToLowerInvariant()}";

        private void Report(DiagnosticDescriptor descriptor, SourceSpan span, string message, string fix) =>
            diagnostics.Add(descriptor, span, message, fix);
    }

    private sealed record Segment(string Name, SourceSpan Span);

    /// <summary>A value whose type the checker knows: <paramref name="What"/> names it in messages.</summary>
    private sealed record TypedName(string What, string Noun, InputType Type, ImmutableArray<string> Values);

    private sealed record Hyphen(string Written, string Fixed, SourceSpan Span);
}
