using Runbook.Language.Expressions;
using Runbook.Language.Shell;

namespace Runbook.Execution.Actions.Shell;

/// <summary>
/// A script ready to run: its text with variable references in place of expressions, the variables' values, which
/// expression each variable carries (for messages), and why it may not run at all (null when it may).
/// </summary>
public sealed record PreparedScript(
    string Script,
    IReadOnlyDictionary<string, string> Environment,
    IReadOnlyDictionary<string, string> Sources,
    string? Refusal);

/// <summary>
/// The injection rule. Every <c>${{ expr }}</c> in a script becomes a reference to an environment variable
/// (<c>RUNBOOK_EXPR_n</c>) that holds its value — never the value itself — quoted for where it stands
/// (<see cref="ShellReferences"/>), so <c>echo "${{ inputs.path }}"</c> works as written and no value, however
/// hostile, can run as code. Where the shell would evaluate the value again (arithmetic, eval, sh -c …) the
/// step's values are checked before it starts (<see cref="ShellValueCheck"/>, in the shell action).
/// </summary>
public static class ShellScript
{
    public static PreparedScript Prepare(TemplateString script, Func<ExpressionPart, string> evaluate, string shell)
    {
        var referenced = ShellReferences.Build(script, shell);
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        var sources = new Dictionary<string, string>(StringComparer.Ordinal);
        if (referenced.Refusal is { } refusal)
        {
            return new PreparedScript(referenced.Text, env, sources, $"{referenced.RefusedAt!.Span}: {refusal}");
        }

        foreach (var (name, expression) in referenced.References)
        {
            var value = evaluate(expression);
            sources[name] = expression.ToString();
            if (value.Contains('\0', StringComparison.Ordinal))
            {
                return new PreparedScript(referenced.Text, env, sources,
                    $"{expression.Span}: the value of {expression} holds a NUL character, which no environment variable can carry");
            }

            env[name] = value;
        }

        return new PreparedScript(referenced.Text, env, sources, null);
    }

    /// <summary>How a refusal names a variable the engine set: the expression it carries, or what it is.</summary>
    public static string Describe(string variable, IReadOnlyDictionary<string, string> sources) =>
        sources.TryGetValue(variable, out var expression) ? $"the value of {expression}"
        : variable.StartsWith("INPUT_", StringComparison.Ordinal) ? $"the input in ${variable}"
        : $"the value of ${variable} (env:)";
}
