using Runbook.Language.Diagnostics;
using Runbook.Language.Expressions;
using Runbook.Language.Expressions.Evaluation;
using Runbook.Language.Text;

namespace Runbook.Language.Tests.Expressions;

/// <summary>The evaluator knows when an expression read a secret, whatever path it took to it.</summary>
public sealed class SecretTrackingTests
{
    private const string Secret = "hunter2-secret";

    private static readonly EvaluationContext Context = EvaluationContext.Empty with
    {
        Inputs = new Dictionary<string, object?> { ["token"] = Secret, ["service"] = "api" },
        Steps = new Dictionary<string, object?>
        {
            ["plain"] = new Dictionary<string, object?> { ["status"] = "success", ["outputs"] = new Dictionary<string, object?> { ["v"] = "ok" } },
            ["echoed"] = new Dictionary<string, object?> { ["status"] = "success", ["outputs"] = new Dictionary<string, object?> { ["v"] = "x " + Secret } },
            ["script"] = new Dictionary<string, object?> { ["status"] = "success", ["outputs"] = new Dictionary<string, object?> { ["v"] = "DERIVED" } },
        },
        Environment = new Dictionary<string, object?> { ["REGION"] = "eu", ["API_TOKEN"] = "from-env-secret" },
        Secrets = new SecretSources(["token"], ["script"], ["API_TOKEN"], text => text.Contains(Secret, StringComparison.Ordinal)),
    };

    private static TrackedValue Eval(string text)
    {
        var bag = new DiagnosticBag();
        var template = TemplateParser.Parse(text, SourceLocator.Fixed(SourceSpan.None("t")), SourceSpan.None("t"), bag);
        Assert.False(bag.HasErrors, string.Join("\n", bag.Items));
        return new ExpressionEvaluator(Context).EvaluateTracked((ExpressionPart)template.Parts.Single());
    }

    [Theory]
    [InlineData("${{ inputs.token }}")]
    [InlineData("${{ inputs['token'] | string.upcase }}")]
    [InlineData("${{ inputs[\"tok\" + \"en\"] }}")]
    [InlineData("${{ inputs[format('{0}', 'token')] | string.size }}")]
    [InlineData("${{ toJSON(inputs) }}")]
    [InlineData("${{ join(inputs, ',') }}")]
    [InlineData("${{ inputs.token == 'guess' && 'yes' || 'no' }}")]
    [InlineData("${{ steps.echoed.outputs.v | string.upcase }}")]
    [InlineData("${{ steps['script'].outputs.v }}")]
    [InlineData("${{ toJSON(steps) }}")]
    [InlineData("${{ env.API_TOKEN }}")]
    [InlineData("${{ toJSON(env) }}")]
    public void Every_path_to_a_secret_marks_the_result_as_secret(string expression) =>
        Assert.True(Eval(expression).ReadsSecret, expression);

    [Theory]
    [InlineData("${{ inputs.service | string.upcase }}")]
    [InlineData("${{ inputs['service'] }}")]
    [InlineData("${{ steps.plain.outputs.v }}")]
    [InlineData("${{ env.REGION }}")]
    [InlineData("${{ run }}")]
    public void Values_that_read_no_secret_stay_plain(string expression) =>
        Assert.False(Eval(expression).ReadsSecret, expression);

    [Theory]
    [InlineData("${{ object.values inputs }}")]
    [InlineData("${{ object.keys inputs }}")]
    public void Builtins_that_enumerate_inputs_without_asking_never_see_a_secret(string expression)
    {
        var (value, _) = Eval(expression);
        Assert.DoesNotContain(Secret, ExpressionValues.ToText(value), StringComparison.Ordinal);
    }

    [Fact]
    public void A_failing_expression_that_read_a_secret_does_not_quote_it()
    {
        var ex = Assert.Throws<ExpressionException>(() => Eval("${{ format(inputs.token | string.upcase | string.append '{') }}"));
        Assert.DoesNotContain(Secret.ToUpperInvariant(), ex.Message, StringComparison.Ordinal);
        Assert.Contains("the reason is withheld", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failing_expression_that_read_no_secret_keeps_its_reason()
    {
        var ex = Assert.Throws<ExpressionException>(() => Eval("${{ format(inputs.service | string.append '{') }}"));
        Assert.Contains("a lone '{'", ex.Message, StringComparison.Ordinal); // format()'s own reason, as the checker words it
    }

    [Fact]
    public void A_template_reports_what_it_wrote_after_reading_a_secret_and_nothing_before()
    {
        var rendered = new ExpressionEvaluator(Context).RenderTemplateTracked(
            "service {{ inputs.service }}\n{{ k = inputs.token }}key {{ k | string.upcase }} again {{ inputs.service }}", "t.sbn");

        Assert.Equal($"service api\nkey {Secret.ToUpperInvariant()} again api", rendered.Text);
        Assert.Equal(new object?[] { Secret.ToUpperInvariant(), "api" }, rendered.SecretWrites.ToArray());
    }
}
