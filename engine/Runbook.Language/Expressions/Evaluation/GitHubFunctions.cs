using System.Globalization;
using System.Text;
using Scriban;
using Scriban.Runtime;
using Scriban.Syntax;

namespace Runbook.Language.Expressions.Evaluation;

/// <summary>
/// GitHub Actions' expression functions, with GitHub's meaning, as <see cref="IScriptCustomFunction"/> objects:
/// registered without reflection, so the native binary stays free of trim warnings.
/// </summary>
internal static class GitHubFunctions
{
    public static void AddTo(ScriptObject globals, JobStatus status)
    {
        Add(globals, "contains", (_, a) => Contains(a[0], a[1]));
        Add(globals, "startsWith", (_, a) => Text(a[0]).StartsWith(Text(a[1]), StringComparison.OrdinalIgnoreCase));
        Add(globals, "endsWith", (_, a) => Text(a[0]).EndsWith(Text(a[1]), StringComparison.OrdinalIgnoreCase));
        Add(globals, "format", (_, a) => Format(Text(a[0]), [.. a.Skip(1)]));
        Add(globals, "join", (_, a) => a[0] is not string and IEnumerable<object?> list
            ? string.Join(a.Count > 1 ? Text(a[1]) : ",", list.Select(Text))
            : Text(a[0]));
        Add(globals, "toJSON", (_, a) => Json.Write(a[0], indented: true));
        Add(globals, "fromJSON", (_, a) => ScriptValues.ToScript(Json.Read(Text(a[0]))));
        Add(globals, "success", (_, _) => status == JobStatus.Success);
        Add(globals, "failure", (_, _) => status == JobStatus.Failure);
        Add(globals, "cancelled", (_, _) => status == JobStatus.Cancelled);
        Add(globals, "always", (_, _) => true);
    }

    private static void Add(ScriptObject globals, string name, Func<TemplateContext, ScriptArray, object?> body)
    {
        var (min, max) = FunctionCatalog.GitHub[name];
        globals.SetValue(name, new Function(name, min, max, body), readOnly: true);
    }

    private static bool Contains(object? search, object? item)
    {
        if (search is not string and IEnumerable<object?> list)
        {
            return list.Any(e => string.Equals(Text(e), Text(item), StringComparison.OrdinalIgnoreCase));
        }

        return Text(search).Contains(Text(item), StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>format('{0} of {1}', a, b); '{{' and '}}' stand for braces; a lone brace or a missing argument is an error, as in GitHub Actions.</summary>
    private static string Format(string format, object?[] arguments)
    {
        var (parsed, error, offset) = FormatString.Parse(format);
        if (parsed is null)
        {
            throw new FormatException($"the format string '{format}' has {error} at character {offset + 1}");
        }

        return parsed.Apply([.. arguments.Select(Text)]);
    }

    private static string Text(object? value) => ScriptValues.ToText(ScriptValues.FromScript(value));

    /// <summary>One function: arity checked here, so a wrong call fails with a clear message.</summary>
    private sealed class Function(string name, int min, int max, Func<TemplateContext, ScriptArray, object?> body) : IScriptCustomFunction
    {
        public int RequiredParameterCount => min;

        public int ParameterCount => max < 0 ? min + 1 : max;

        public ScriptVarParamKind VarParamKind => ScriptVarParamKind.Direct;

        public Type ReturnType => typeof(object);

        public ScriptParameterInfo GetParameterInfo(int index) => new(typeof(object), $"arg{index}");

        public object? Invoke(TemplateContext context, ScriptNode? callerContext, ScriptArray arguments, ScriptBlockStatement? blockStatement)
        {
            if (arguments.Count < min || (max >= 0 && arguments.Count > max))
            {
                throw new ScriptRuntimeException(callerContext?.Span ?? default, $"{name}() takes {(min == max ? min.ToString(CultureInfo.InvariantCulture) : $"{min} to {(max < 0 ? "any" : max.ToString(CultureInfo.InvariantCulture))}")} arguments, given {arguments.Count}");
            }

            try
            {
                return body(context, arguments);
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException or System.Text.Json.JsonException)
            {
                throw new ScriptRuntimeException(callerContext?.Span ?? default, $"{name}(): {ex.Message}");
            }
        }

        public ValueTask<object?> InvokeAsync(TemplateContext context, ScriptNode? callerContext, ScriptArray arguments, ScriptBlockStatement? blockStatement) =>
            new(Invoke(context, callerContext, arguments, blockStatement));
    }
}
