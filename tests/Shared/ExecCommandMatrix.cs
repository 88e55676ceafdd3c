using Runbook.Execution.Actions;
using Runbook.Execution.Actions.Shell;
using Runbook.Execution.Providers;
using Runbook.Language.Diagnostics;
using Runbook.Language.Expressions;
using Runbook.Language.Text;

namespace Runbook.Providers.Tests;

/// <summary>
/// Contexts × hostile values for an exec action's <c>command</c>, shared by the Compose and Kubernetes tests: a
/// string command is prepared exactly as the executor prepares it (its expressions become references, their
/// values travel beside the sh -c text), a list passes each value as one argument. A value never runs — the
/// marker file never appears — and legitimate uses still work.
/// </summary>
public static class ExecCommandMatrix
{
    /// <param name="Command">The command with <c>${{ inputs.v }}</c> where the value goes; "list" for a list command.</param>
    /// <param name="WithFive">What it prints when the value is 5; "value" when it prints any value as it is; null when no value may stand there.</param>
    public sealed record Context(string Command, string? WithFive);

    public static readonly IReadOnlyDictionary<string, Context> Contexts = new Dictionary<string, Context>
    {
        ["bare (data)"] = new("printf '%s' ${{ inputs.v }}", "value"),
        ["double quotes (data)"] = new("printf '%s' \"${{ inputs.v }}\"", "value"),
        ["single quotes (data)"] = new("printf '%s' '${{ inputs.v }}'", "value"),
        ["list (data)"] = new("list", "value"),
        ["arithmetic"] = new("echo $(( ${{ inputs.v }} + 1 ))", "6"),
        ["eval"] = new("eval \"echo ${{ inputs.v }}\"", null),
        ["sh -c"] = new("sh -c 'echo ${{ inputs.v }}'", null),
        ["the whole command"] = new("${{ inputs.v }}", null),
    };

    /// <summary>Values built to run <c>touch MARK</c>; MARK is replaced by the marker's path.</summary>
    public static readonly string[] Payloads =
    [
        "$(touch MARK)",
        "`touch MARK`",
        "a[$(touch MARK)]",
        "x[$(touch MARK)]+1",
        "1; touch MARK",
        "1\ntouch MARK",
        "'; touch MARK; '",
        "\"; touch MARK; \"",
        "${x:-$(touch MARK)}",
        "*",
        "-n",
    ];

    /// <summary>Every context × every payload and 5; or, where each exec is slow, the contexts and payloads named.</summary>
    public static TheoryData<string, string> Cases(string[]? contexts = null, string[]? payloads = null)
    {
        var data = new TheoryData<string, string>();
        foreach (var context in contexts ?? [.. Contexts.Keys])
        {
            foreach (var payload in payloads ?? Payloads)
            {
                data.Add(context, payload);
            }

            data.Add(context, "5");
        }

        return data;
    }

    /// <summary>The <c>command</c> argument the action gets, as the executor builds it.</summary>
    public static object Command(string context, string value)
    {
        var command = Contexts[context].Command;
        if (command == "list")
        {
            return new List<object?> { "sh", "-c", "printf '%s' \"$1\"", "sh", value };
        }

        var template = TemplateParser.Parse(command, SourceLocator.Fixed(SourceSpan.None("t")), SourceSpan.None("t"), new DiagnosticBag());
        var prepared = ShellScript.Prepare(template, _ => value, "sh");
        return new ShellCommandValue(prepared.Script, prepared.Environment, prepared.Sources, prepared.Refusal);
    }

    /// <summary>Checks one case's outcome; <paramref name="marked"/> says whether the marker file exists.</summary>
    public static void Verify(string context, string value, StepOutcome outcome, bool marked)
    {
        Assert.False(marked, $"'{value}' ran as code in '{context}'");
        var expected = Contexts[context].WithFive;
        if (expected is null || expected != "value" && value != "5")
        {
            var failed = Assert.IsType<Failed>(outcome);
            Assert.Contains("refused before the command started", failed.Error, StringComparison.Ordinal);
            return;
        }

        var succeeded = outcome as Succeeded;
        Assert.True(succeeded is not null, $"'{value}' in '{context}' failed: {(outcome as Failed)?.Error}");
        Assert.Equal(expected == "value" ? value : expected, Values.ToText(succeeded!.Outputs["stdout"]).TrimEnd('\n'));
    }
}
