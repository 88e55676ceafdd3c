using Runbook.Language.Diagnostics;
using Runbook.Language.Expressions;
using Runbook.Language.Expressions.Evaluation;
using Runbook.Language.Text;

namespace Runbook.Language.Tests.Expressions;

public sealed class ExpressionEvaluatorTests
{
    private static readonly EvaluationContext Context = EvaluationContext.Empty with
    {
        Inputs = new Dictionary<string, object?> { ["service"] = "Backend", ["replicas"] = 3L, ["tags"] = new List<object?> { "a", "b" } },
        Steps = new Dictionary<string, object?>
        {
            ["pods"] = new Dictionary<string, object?>
            {
                ["status"] = "success",
                ["outputs"] = new Dictionary<string, object?>
                {
                    ["items"] = new List<object?>
                    {
                        new Dictionary<string, object?> { ["name"] = "api-1" },
                        new Dictionary<string, object?> { ["name"] = "api-2" },
                    },
                    ["json"] = """{"ok": true, "count": 2}""",
                },
            },
        },
        Run = new Dictionary<string, object?> { ["id"] = "r1" },
    };

    private static object? Eval(string text, EvaluationContext? context = null)
    {
        var bag = new DiagnosticBag();
        var template = TemplateParser.Parse(text, SourceLocator.Fixed(SourceSpan.None("t")), SourceSpan.None("t"), bag);
        Assert.False(bag.HasErrors, string.Join("\n", bag.Items));
        return new ExpressionEvaluator(context ?? Context).EvaluateValue(template);
    }

    [Theory]
    [InlineData("${{ contains(inputs.service, 'back') }}", true)]
    [InlineData("${{ contains(inputs.tags, 'B') }}", true)]
    [InlineData("${{ startsWith(inputs.service, 'BACK') }}", true)]
    [InlineData("${{ endsWith(inputs.service, 'x') }}", false)]
    [InlineData("${{ success() && !failure() && !cancelled() && always() }}", true)]
    [InlineData("${{ fromJSON(steps.pods.outputs.json).ok }}", true)]
    [InlineData("${{ inputs.replicas > 2 }}", true)]
    public void GitHub_functions_mean_what_they_mean_in_GitHub_Actions(string expression, bool expected) =>
        Assert.Equal(expected, Eval(expression));

    [Theory]
    [InlineData("${{ inputs.missing ?? 'api' }}", "api")]
    [InlineData("${{ steps.pods.outputs.service ?? 'api' }}", "api")]
    [InlineData("${{ inputs.service ?? 'api' }}", "Backend")]
    [InlineData("${{ inputs.replicas ?? 1 }}", 3L)]
    public void A_fallback_with_double_question_mark_gives_the_value_itself_or_the_fallback_when_it_is_null(string expression, object expected) =>
        Assert.Equal(expected, Eval(expression));

    [Theory]
    [InlineData("${{ inputs.missing || 'api' }}")]
    [InlineData("${{ inputs.service || 'api' }}")]
    public void Or_is_a_boolean_test_never_a_text_fallback(string expression) =>
        Assert.Equal(true, Eval(expression));

    [Fact]
    public void Format_join_and_toJSON_produce_text()
    {
        Assert.Equal("Backend has 3 {replicas}", Eval("${{ format('{0} has {1} {{replicas}}', inputs.service, inputs.replicas) }}"));
        Assert.Equal("a|b", Eval("${{ join(inputs.tags, '|') }}"));
        Assert.Equal("[\n  \"a\",\n  \"b\"\n]", Eval("${{ toJSON(inputs.tags) }}"));
    }

    [Theory]
    [InlineData("${{ format(inputs.service + ' }', 1) }}", "lone '}'")]
    [InlineData("${{ format(inputs.service + ' {', 1) }}", "lone '{'")]
    [InlineData("${{ format(inputs.service + ' {2}', 1) }}", "placeholder {2} has no argument")]
    [InlineData("${{ format(inputs.service + ' {x}', 1) }}", "is not a placeholder")]
    public void A_computed_format_string_GitHub_would_refuse_fails_with_an_explanation(string expression, string expected)
    {
        var error = Assert.Throws<ExpressionException>(() => Eval(expression));
        Assert.Contains("format()", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Scriban_pipes_and_builtins_work()
    {
        Assert.Equal("BACKEND", Eval("${{ inputs.service | string.upcase }}"));
        Assert.Equal("api-1, api-2", Eval("${{ steps.pods.outputs.items | array.map 'name' | array.join ', ' }}"));
    }

    [Fact]
    public void Interpolation_keeps_text_and_a_whole_value_keeps_its_type()
    {
        Assert.Equal(3L, Eval("${{ inputs.replicas }}"));
        Assert.Equal("scale Backend to 3", Eval("scale ${{ inputs.service }} to ${{ inputs.replicas }}"));
        Assert.Equal("docker inspect --format '{{.State.Health.Status}}' Backend", Eval("docker inspect --format '{{.State.Health.Status}}' ${{ inputs.service }}"));
    }

    [Fact]
    public void No_dotnet_member_and_no_file_can_be_reached()
    {
        Assert.Null(Eval("${{ inputs.service.Length }}"));
        Assert.Null(Eval("${{ run.id.GetType }}"));
        var include = Assert.Throws<ExpressionException>(() => Eval("${{ include 'secrets.txt' }}"));
        Assert.Contains("include", include.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_name_at_run_time_is_an_error_naming_the_expression()
    {
        var error = Assert.Throws<ExpressionException>(() => Eval("${{ nothing_here }}"));
        Assert.Contains("cannot evaluate 'nothing_here'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_output_reads_as_null()
    {
        Assert.Equal(true, Eval("${{ steps.pods.outputs.previous_revision == null }}"));
    }

    [Fact]
    public void Deep_string_growth_is_bounded()
    {
        Assert.Throws<ExpressionException>(() => Eval("${{ '0123456789' | string.pad_left 200000 }}"));
    }
}
