using Runbook.Language.Diagnostics;
using Runbook.Language.Expressions;
using Runbook.Language.Expressions.Evaluation;
using Runbook.Language.Text;

namespace Runbook.Language.Tests.Outputs;

/// <summary>
/// Why RB0216 and RB0217 exist: what the evaluator really does with text where a number or boolean was meant.
/// If one of these starts to hold the other way, the warnings' messages must change with it.
/// </summary>
public sealed class TextComparisonTests
{
    private static readonly EvaluationContext Context = EvaluationContext.Empty with
    {
        Steps = new Dictionary<string, object?>
        {
            ["pods"] = new Dictionary<string, object?>
            {
                ["status"] = "success",
                ["outputs"] = new Dictionary<string, object?> { ["text"] = "10", ["count"] = 10L, ["ready"] = true },
            },
            ["skipped"] = new Dictionary<string, object?>
            {
                ["status"] = "skipped",
                ["outputs"] = new Dictionary<string, object?>(),
            },
        },
    };

    private static object? Eval(string text)
    {
        var bag = new DiagnosticBag();
        var template = TemplateParser.Parse(text, SourceLocator.Fixed(SourceSpan.None("t")), SourceSpan.None("t"), bag);
        Assert.False(bag.HasErrors, string.Join("\n", bag.Items));
        return new ExpressionEvaluator(Context).EvaluateValue(template);
    }

    [Fact]
    public void Text_compares_in_order_as_text_so_ten_is_less_than_nine()
    {
        Assert.Equal(false, Eval("${{ steps.pods.outputs.text > '9' }}"));
        Assert.Equal(true, Eval("${{ steps.pods.outputs.count > 9 }}"));
    }

    [Fact]
    public void A_boolean_compared_with_text_compares_text_so_only_the_lowercase_word_matches()
    {
        Assert.Equal(true, Eval("${{ steps.pods.outputs.ready == 'true' }}"));
        Assert.Equal(false, Eval("${{ steps.pods.outputs.ready == 'True' }}"));
        Assert.Equal(false, Eval("${{ steps.pods.outputs.ready == 'yes' }}"));
        Assert.Equal(true, Eval("${{ steps.pods.outputs.ready == true }}"));
    }

    [Fact]
    public void A_number_compared_with_text_compares_text_so_the_same_number_written_otherwise_does_not_match()
    {
        Assert.Equal(true, Eval("${{ steps.pods.outputs.count == '10' }}"));
        Assert.Equal(false, Eval("${{ steps.pods.outputs.count == '10.0' }}"));
        Assert.Equal(false, Eval("${{ steps.pods.outputs.count == '010' }}"));
    }

    [Fact]
    public void Text_plus_a_number_is_text()
    {
        Assert.Equal("101", Eval("${{ steps.pods.outputs.text + 1 }}"));
        Assert.Equal(11L, Eval("${{ steps.pods.outputs.count + 1 }}"));
    }

    [Fact]
    public void A_skipped_step_s_outputs_are_null_compare_as_null_and_its_status_is_skipped()
    {
        Assert.Null(Eval("${{ steps.skipped.outputs.anything }}"));
        Assert.Equal(true, Eval("${{ steps.skipped.outputs.anything == null && steps.skipped.status == 'skipped' }}"));
        Assert.Equal(false, Eval("${{ steps.skipped.outputs.anything > 3 }}"));
    }
}
