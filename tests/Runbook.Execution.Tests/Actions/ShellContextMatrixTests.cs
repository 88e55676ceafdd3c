using Runbook.Execution.Actions;
using Runbook.Execution.Actions.Shell;
using Runbook.Execution.Tests.Support;
using Runbook.Language.Diagnostics;
using Runbook.Language.Expressions;
using Runbook.Language.Text;

namespace Runbook.Execution.Tests.Actions;

/// <summary>
/// Contexts × hostile values on the real shells, through the shell action: wherever a script puts
/// <c>${{ inputs.v }}</c>, a value built to run a command (which would create the file M) never does — the step
/// is refused before the script starts, or the shell reads the value as data — and legitimate uses still work.
/// pwsh is not in this matrix: it is not installed here and Debian does not ship it (docs/execution.md says so);
/// what PowerShell does with a value is covered by the reader's own tests (ShellValueContextsTests).
/// </summary>
public sealed class ShellContextMatrixTests
{
    /// <param name="Shells">The shells that have this construct (dash has no (( )), [[ ]], let, arrays …).</param>
    /// <param name="WithFive">What the script prints when the value is 5, or null when no value may stand there.</param>
    public sealed record Context(string Script, string[] Shells, string? WithFive);

    private static readonly string[] Both = ["bash", "sh"];
    private static readonly string[] Bash = ["bash"];

    public static readonly IReadOnlyDictionary<string, Context> Contexts = new Dictionary<string, Context>
    {
        ["arithmetic command"] = new("if (( ${{ inputs.v }} > 0 )); then echo positive; fi", Bash, "positive"),
        ["arithmetic expansion"] = new("echo $(( ${{ inputs.v }} + 1 ))", Both, "6"),
        ["arithmetic expansion, quoted"] = new("echo \"$(( \"${{ inputs.v }}\" * 2 ))\"", Bash, "10"),
        ["old arithmetic $[ ]"] = new("echo $[ ${{ inputs.v }} + 1 ]", Bash, "6"),
        ["[[ -gt ]]"] = new("[[ ${{ inputs.v }} -gt 0 ]] && echo positive", Bash, "positive"),
        ["[[ -eq ]] on the right"] = new("[[ 5 -eq \"${{ inputs.v }}\" ]] && echo equal", Bash, "equal"),
        ["let"] = new("let \"x = ${{ inputs.v }}\"; echo $x", Bash, "5"),
        ["declare -i"] = new("declare -i n=${{ inputs.v }}; echo $n", Bash, "5"),
        ["local -i"] = new("f() { local -i n=${{ inputs.v }}; echo $n; }; f", Bash, "5"),
        ["typeset -i, then assigned"] = new("typeset -i n; n=${{ inputs.v }}; echo $n", Bash, "5"),
        ["array subscript"] = new("arr=(a b c d e f g); echo ${arr[${{ inputs.v }}]}", Bash, "f"),
        ["array subscript assigned"] = new("arr[${{ inputs.v }}]=x; echo ${#arr[@]}", Bash, "1"),
        ["substring offset"] = new("s=abcdefgh; echo ${s:${{ inputs.v }}}", Bash, "fgh"),
        ["through a variable"] = new("n=${{ inputs.v }}; echo $(( n * 2 ))", Both, "10"),
        ["through a function argument"] = new("f() { echo $(( $1 + 1 )); }\nf ${{ inputs.v }}", Both, "6"),
        ["through read"] = new("read -r n <<< ${{ inputs.v }}; echo $(( n + 1 ))", Bash, "6"),
        ["line continuation"] = new("echo $(( \\\n${{ inputs.v }} + 1 ))", Both, "6"),
        ["printf -v"] = new("printf -v ${{ inputs.v }} x", Bash, null),
        ["[[ -v ]]"] = new("[[ -v ${{ inputs.v }} ]] || echo unset", Bash, null),
        ["test -v"] = new("test -v ${{ inputs.v }} || echo unset", Bash, null),
        ["declare a name"] = new("declare \"${{ inputs.v }}\"", Bash, null),
        ["indirect expansion"] = new("x=${{ inputs.v }}; echo ${!x}", Bash, null),
        ["eval"] = new("eval \"echo ${{ inputs.v }}\"", Both, null),
        ["source"] = new("source ${{ inputs.v }}", Bash, null),
        [". (dot)"] = new(". ${{ inputs.v }}", Both, null),
        ["bash -c"] = new("bash -c \"echo ${{ inputs.v }}\"", Both, null),
        ["sh -c in single quotes"] = new("sh -c 'echo ${{ inputs.v }}'", Both, null),
        ["piped into sh"] = new("echo ${{ inputs.v }} | sh", Both, null),
        ["here-document into bash"] = new("bash <<EOF\necho ${{ inputs.v }}\nEOF", Both, null),
        ["trap"] = new("trap \"echo ${{ inputs.v }}\" EXIT", Both, null),
        ["command name"] = new("${{ inputs.v }} --version", Both, null),
        ["sudo-style wrapper"] = new("timeout 5 sh -c \"echo ${{ inputs.v }}\"", Both, null),

        // data: the value is printed or compared, never evaluated — it works with every value
        ["test -gt (data)"] = new("[ ${{ inputs.v }} -gt 0 ] && echo positive || true", Both, "positive"),
        ["echo (data)"] = new("echo ${{ inputs.v }}", Both, "5"),
        ["sh -c with an argument (data)"] = new("sh -c 'echo \"$1\"' sh ${{ inputs.v }}", Both, "5"),
        ["here-document (data)"] = new("cat <<EOF\n${{ inputs.v }}\nEOF", Both, "5"),
    };

    /// <summary>Values built to run <c>touch M</c> (or to be read as something else) in one context or another.</summary>
    public static readonly string[] Payloads =
    [
        "$(touch M)",
        "`touch M`",
        "a[$(touch M)]",
        "x[$(touch M)]+1",
        "1; touch M",
        "1\ntouch M",
        "'; touch M; '",
        "\"; touch M; \"",
        "$'\\x41'; touch M",
        "${x[$(touch M)]}",
        "*",
        "-c touch M",
        "HOSTILE",
        "08",
        "0x10",
    ];

    public static TheoryData<string, string, string> Hostile()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var (name, context) in Contexts)
        {
            foreach (var shell in context.Shells)
            {
                foreach (var payload in Payloads)
                {
                    data.Add(name, shell, payload);
                }
            }
        }

        return data;
    }

    public static TheoryData<string, string> Legitimate()
    {
        var data = new TheoryData<string, string>();
        foreach (var (name, context) in Contexts)
        {
            foreach (var shell in context.Shells)
            {
                data.Add(name, shell);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Hostile))]
    public async Task A_hostile_value_never_runs_wherever_it_stands(string context, string shell, string payload)
    {
        var run = await RunAsync(Contexts[context].Script, shell, payload);

        Assert.False(run.Marked, $"'{payload}' ran as code in '{context}' under {shell}: {run.Error}");
        if (!context.EndsWith("(data)", StringComparison.Ordinal))
        {
            // wherever the shell would evaluate the value, no non-integer gets as far as the shell
            Assert.True(run.Error?.Contains("refused before the script started", StringComparison.Ordinal), $"'{payload}' in '{context}' under {shell} was not refused: {run.Error ?? run.Stdout}");
        }
    }

    [Theory]
    [MemberData(nameof(Legitimate))]
    public async Task An_integer_still_works_where_integers_belong_and_is_refused_where_no_value_does(string context, string shell)
    {
        var run = await RunAsync(Contexts[context].Script, shell, "5");

        if (Contexts[context].WithFive is { } expected)
        {
            Assert.Null(run.Error);
            Assert.Equal(expected, run.Stdout.Trim());
        }
        else
        {
            Assert.Contains("refused before the script started", run.Error, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("if (( N > 0 )); then echo positive; fi")]
    [InlineData("echo $(( $N + 1 ))")]
    [InlineData("eval \"echo $N\"")]
    public async Task A_value_given_in_env_gets_the_same_check_as_an_expression(string script)
    {
        var run = await RunAsync(script, "bash", "a[$(touch M)]", environment: "N");

        Assert.False(run.Marked);
        Assert.Contains("refused before the script started", run.Error, StringComparison.Ordinal);
        Assert.Contains("$N", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refusal_names_the_expression_the_line_and_the_construct()
    {
        var run = await RunAsync("echo start\nif (( ${{ inputs.v }} > 0 )); then echo positive; fi", "bash", "a[$(touch M)]");

        Assert.Contains("${{ inputs.v }}", run.Error, StringComparison.Ordinal);
        Assert.Contains("line 2: arithmetic (( ))", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("touch", run.Error, StringComparison.Ordinal); // the value itself is not echoed (it may be a secret)
    }

    public sealed record Run(string Stdout, string? Error, bool Marked);

    /// <param name="environment">When set, the value is given as this env: variable instead of through an expression.</param>
    internal static async Task<Run> RunAsync(string script, string shell, string value, string? environment = null)
    {
        var folder = Directory.CreateTempSubdirectory("runbook-matrix-").FullName;
        try
        {
            var template = TemplateParser.Parse(script, SourceLocator.Fixed(SourceSpan.None("t")), SourceSpan.None("t"), new DiagnosticBag());
            var prepared = ShellScript.Prepare(template, _ => value, shell);
            var env = prepared.Environment.ToDictionary(e => e.Key, e => (object?)e.Value);
            env["HOSTILE"] = "a[$(touch M)]"; // a variable a value may name: arithmetic would evaluate it in turn
            if (environment is not null)
            {
                env[environment] = value;
            }

            using var ctx = new ActionContext();
            var outcome = await new ShellAction().ExecuteAsync(ctx.Invocation("run", new Dictionary<string, object?>
            {
                ["script"] = prepared.Script,
                ["shell"] = shell,
                ["working_directory"] = folder,
                ["env"] = env as IReadOnlyDictionary<string, object?>,
                ["expressions"] = prepared.Sources.ToDictionary(e => e.Key, e => (object?)e.Value) as IReadOnlyDictionary<string, object?>,
                ["refusal"] = prepared.Refusal,
            }), CancellationToken.None);
            var stdout = outcome switch
            {
                Succeeded s => Values.ToText(s.Outputs["stdout"]),
                Failed f => Values.ToText(f.Outputs.GetValueOrDefault("stdout")),
                _ => string.Empty,
            };
            return new Run(stdout, (outcome as Failed)?.Error, File.Exists(Path.Combine(folder, "M")));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
