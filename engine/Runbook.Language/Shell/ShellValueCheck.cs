namespace Runbook.Language.Shell;

/// <summary>
/// The run-time half of the rule, checked before a script starts: every value the engine hands a script must be
/// one that the context it stands in can only read as data.
/// </summary>
public static class ShellValueCheck
{
    /// <summary>Why the script may not run with these values; null when every value is safe where it stands.</summary>
    /// <param name="values">Every variable the engine sets for the script, with its value.</param>
    /// <param name="describe">How a message names a variable (<c>RUNBOOK_EXPR_1</c> → <c>${{ inputs.n }}</c>).</param>
    public static string? Refusal(string script, string shell, IEnumerable<KeyValuePair<string, string?>> values, Func<string, string> describe)
    {
        var analysis = ShellValueContexts.Analyze(script, shell);
        foreach (var (name, value) in values.OrderBy(v => v.Key, StringComparer.Ordinal))
        {
            if (ShellValueContexts.DemandOn(analysis, name) is not { } use)
            {
                continue;
            }

            if (use.Demand == ShellValueDemand.Code)
            {
                return $"{describe(name)} stands where {shell} would run it, or read it as a name, as code (line {use.Line}: {use.Construct}); " +
                    "no value is safe there: pass it as data instead — an argument in double quotes, or to sh -c as \"$1\" after the script";
            }

            if (use.Demand == ShellValueDemand.Integer && !ShellValueContexts.IsIntegerLiteral(value ?? string.Empty))
            {
                return $"{describe(name)} is not a plain integer (an optional '-' and up to 18 digits, no leading zero), and it stands where {shell} " +
                    $"evaluates it as arithmetic (line {use.Line}: {use.Construct}), which would run any command hidden in it; " +
                    "pass a whole number, or declare the input 'type: number'";
            }
        }

        return null;
    }
}
