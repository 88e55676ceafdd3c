using Runbook.Execution.Actions;
using Runbook.Execution.Actions.Shell;
using Runbook.Language.Shell;

namespace Runbook.Execution.Providers;

/// <summary>
/// A string command with expressions in it, prepared by the injection rule of <c>run:</c> scripts: the text with
/// variable references in place of the expressions, and the values those variables carry.
/// </summary>
public sealed record ShellCommandValue(
    string Script,
    IReadOnlyDictionary<string, string> Values,
    IReadOnlyDictionary<string, string> Sources,
    string? Refusal)
{
    public override string ToString() => Script;
}

/// <summary>The argument vector of a command in a container, or why it may not run.</summary>
public sealed record ContainerArguments(IReadOnlyList<string> Arguments, string? Refusal);

/// <summary>
/// The <c>command</c> of an exec action in a container. A list runs as it is, each item one argument whatever its
/// value. A string runs under <c>sh -c</c>; the values of its expressions never enter the text: they are passed
/// after it as <c>$1</c>, <c>$2</c> …, copied into the variables the text refers to, and checked first against
/// the contexts they stand in, exactly as in a <c>run:</c> script (docs/execution.md).
/// </summary>
public static class ContainerCommand
{
    public static ContainerArguments From(object? command) => command switch
    {
        ShellCommandValue shell => FromShell(shell),
        string text => new(["sh", "-c", text], null),
        IEnumerable<object?> list => new([.. list.Select(Values.ToText)], null),
        var one => new(["sh", "-c", Values.ToText(one)], null),
    };

    private static ContainerArguments FromShell(ShellCommandValue shell)
    {
        var refusal = shell.Refusal ?? ShellValueCheck.Refusal(shell.Script, "sh", shell.Values!, v => ShellScript.Describe(v, shell.Sources));
        if (refusal is not null)
        {
            return new([], $"refused before the command started: {refusal}");
        }

        var names = shell.Values.Keys.Order(StringComparer.Ordinal).ToList();
        var prologue = string.Concat(names.Select((name, k) => $"{name}=\"${{{k + 1}}}\"; ")) + $"shift {names.Count}\n";
        return new(["sh", "-c", prologue + shell.Script, "sh", .. names.Select(name => shell.Values[name])], null);
    }
}
