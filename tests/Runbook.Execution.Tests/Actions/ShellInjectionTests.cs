using FsCheck;
using FsCheck.Fluent;
using Runbook.Execution.Actions;
using Runbook.Execution.Actions.Shell;
using Runbook.Execution.Tests.Support;
using Runbook.Language.Diagnostics;
using Runbook.Language.Expressions;
using Runbook.Language.Text;

namespace Runbook.Execution.Tests.Actions;

/// <summary>
/// The injection rule against real bash: a value passed through an expression is printed exactly as it is
/// and never runs, whether the expression stands bare, in double quotes or in single quotes.
/// </summary>
public sealed class ShellInjectionTests
{
    public static TheoryData<string, string> Hostile()
    {
        string[] values = ["x; touch MARK", "\"; touch MARK; echo \"", "$(touch MARK)", "`touch MARK`", "' ; touch MARK ; '", "a\ntouch MARK", "${HOME}$(touch MARK)", "-n", "*"];
        string[] contexts = ["bare", "double", "single"];
        var data = new TheoryData<string, string>();
        foreach (var v in values)
        {
            foreach (var c in contexts)
            {
                data.Add(v, c);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Hostile))]
    public async Task A_hostile_value_is_printed_as_it_is_and_never_runs(string value, string context)
    {
        var (printed, marked) = await RunAsync(value, context);

        Assert.False(marked, $"'{value}' ran as code in a {context} context");
        Assert.Equal(value, printed);
    }

    [FsCheck.Xunit.Property(MaxTest = 60)]
    public Property A_random_string_through_an_input_never_runs_as_shell_code() =>
        Prop.ForAll(Strings.ToArbitrary(), Gen.Elements("bare", "double", "single").ToArbitrary(), (value, context) =>
        {
            var (printed, marked) = RunAsync(value, context).GetAwaiter().GetResult();
            return (!marked && printed == value).Label($"value {value} in {context}: printed {printed}, marked {marked}");
        });

    [Fact]
    public void A_pwsh_expression_in_single_quotes_is_refused_rather_than_guessed()
    {
        var prepared = ShellScript.Prepare(Parse("Write-Output '${{ inputs.value }}'"), _ => "x", "pwsh");

        Assert.Contains("cannot stand inside single quotes", prepared.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void Here_documents_get_plain_references()
    {
        var (script, env, _, _) = ShellScript.Prepare(Parse("cat <<EOF\nvalue: ${{ inputs.value }}\nEOF\necho ${{ inputs.value }}"), _ => "v", "bash");
        Assert.Equal("cat <<EOF\nvalue: ${RUNBOOK_EXPR_1}\nEOF\necho \"${RUNBOOK_EXPR_2}\"", script);
        Assert.Equal(2, env.Count);
    }

    [Theory]
    [InlineData("echo $((1<<2))")]
    [InlineData("(( x <<= 1 ))")]
    [InlineData("echo \"notes<<END\"")]
    [InlineData("echo 'a << b'")]
    [InlineData("# cat <<EOF")]
    [InlineData("grep x <<< \"$text\"")]
    public void A_double_less_than_that_opens_no_here_document_leaves_the_next_lines_code(string line)
    {
        var (script, _, _, _) = ShellScript.Prepare(Parse($"{line}\nrm ${{{{ inputs.value }}}}"), _ => "-rf /", "bash");

        Assert.Equal($"{line}\nrm \"${{RUNBOOK_EXPR_1}}\"", script);
    }

    [Theory]
    [InlineData("cat <<-'EOF'", "\tEOF")]
    [InlineData("cat >f <<\"EOF\"", "EOF")]
    [InlineData("x=$((1<<2)); cat <<EOF", "EOF")]
    public void A_here_document_ends_at_its_delimiter_and_code_follows(string opening, string closing)
    {
        var (script, _, _, _) = ShellScript.Prepare(Parse($"{opening}\nvalue ${{{{ inputs.value }}}}\n{closing}\nrm ${{{{ inputs.value }}}}"), _ => "v", "bash");

        Assert.Equal($"{opening}\nvalue ${{RUNBOOK_EXPR_1}}\n{closing}\nrm \"${{RUNBOOK_EXPR_2}}\"", script);
    }

    private static readonly Gen<string> Strings =
        Gen.ArrayOf(Gen.Elements("a", "Z", "0", " ", "'", "\"", "$", "`", ";", "(", ")", "\\", "\n", "|", "&", "*", "#", "!", "{", "}", "~", "é", "touch MARK"))
            .Select(parts => string.Concat(parts).Replace("\0", string.Empty, StringComparison.Ordinal));

    private static TemplateString Parse(string script) =>
        TemplateParser.Parse(script, SourceLocator.Fixed(SourceSpan.None("t")), SourceSpan.None("t"), new DiagnosticBag());

    private static async Task<(string Printed, bool Marked)> RunAsync(string value, string context)
    {
        var folder = Directory.CreateTempSubdirectory("runbook-inject-").FullName;
        try
        {
            var line = context switch
            {
                "bare" => "printf '%s' ${{ inputs.value }} > out",
                "double" => "printf '%s' \"${{ inputs.value }}\" > out",
                _ => "printf '%s' '${{ inputs.value }}' > out",
            };
            var (script, env, _, _) = ShellScript.Prepare(Parse(line), _ => value, "bash");
            using var ctx = new ActionContext();
            var outcome = await new ShellAction().ExecuteAsync(ctx.Invocation("run", new Dictionary<string, object?>
            {
                ["script"] = script,
                ["shell"] = "bash",
                ["working_directory"] = folder,
                ["env"] = env.ToDictionary(e => e.Key, e => (object?)e.Value) as IReadOnlyDictionary<string, object?>,
            }), CancellationToken.None);
            Assert.IsType<Succeeded>(outcome);
            return (File.ReadAllText(Path.Combine(folder, "out")), File.Exists(Path.Combine(folder, "MARK")));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
