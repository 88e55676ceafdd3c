using Microsoft.AspNetCore.Http;
using Runbook.Execution.Actions;
using Runbook.Execution.Tests.Support;
using Runbook.Tests;

namespace Runbook.Execution.Tests.Actions;

/// <summary>
/// prometheus.query and prometheus.query_range against the real Prometheus, scraping a target whose rates are exact
/// (see <see cref="MetricsStack"/>): the numbers the queries must return are known before they run.
/// </summary>
[Collection(MetricsCollection.Name)]
public sealed class PrometheusQueryTests(MetricsStack stack)
{
    private const string CheckoutErrors = "http_requests_total{service=\"checkout\",code=\"500\"}";

    private static readonly IStepAction Query = BuiltinActionRegistry.Create().Single(a => a.Name == "prometheus.query");
    private static readonly IStepAction Range = BuiltinActionRegistry.Create().Single(a => a.Name == "prometheus.query_range");

    private async Task<StepOutcome> RunAsync(IStepAction action, string query, Dictionary<string, object?>? extra = null, string? password = MetricsStack.Password)
    {
        Assert.True(stack.Ready());
        // Ten samples in the last ten seconds: every rate window below is covered end to end, so rate() is exact.
        await stack.WaitForDataAsync($"count_over_time({CheckoutErrors}[10s]) >= 10");
        using var ctx = new ActionContext();
        var arguments = new Dictionary<string, object?>
        {
            ["url"] = stack.PrometheusUrl,
            ["query"] = query,
            ["username"] = MetricsStack.User,
            ["password"] = password,
        };
        foreach (var (name, value) in extra ?? [])
        {
            arguments[name] = value;
        }

        return await action.ExecuteAsync(ctx.Invocation(action.Name, arguments), CancellationToken.None);
    }

    private static IReadOnlyDictionary<string, object?> Labels(params (string Name, string Value)[] labels) =>
        labels.ToDictionary(l => l.Name, l => (object?)l.Value);

    [Fact]
    public async Task A_rate_of_the_scraped_counter_comes_back_as_the_exact_number()
    {
        // irate, not rate: rate() extrapolates to the window's edges, so its value depends on when the scrapes
        // happened (a loaded machine scrapes late); irate is the slope between the last two samples, exact here
        // because the target stamps its samples itself. The ratio tests below use rate(): the factor cancels.
        var outcome = Assert.IsType<Succeeded>(await RunAsync(Query, $"irate({CheckoutErrors}[5s])"));

        Assert.Equal(1.0, Assert.IsType<double>(outcome.Outputs["value"]), 6);
        Assert.Equal("vector", outcome.Outputs["result_type"]);
        Assert.Equal(1L, outcome.Outputs["count"]);
    }

    [Fact]
    public async Task Histogram_quantile_interpolates_inside_the_known_buckets()
    {
        var outcome = Assert.IsType<Succeeded>(await RunAsync(Query,
            "histogram_quantile(0.7, sum by (le) (rate(http_request_duration_seconds_bucket{service=$service}[5s])))",
            new() { ["labels"] = Labels(("service", "checkout")) }));

        // rank 7 of 10/s lies in (0.1, 0.5], whose 4/s hold ranks 5 to 9: 0.1 + 0.4 × 2/4.
        Assert.Equal(0.3, Assert.IsType<double>(outcome.Outputs["value"]), 9);
    }

    [Fact]
    public async Task An_error_budget_burn_rate_is_the_error_ratio_over_the_budget()
    {
        var outcome = Assert.IsType<Succeeded>(await RunAsync(Query,
            "sum(rate(http_requests_total{service=$service,code=~\"5..\"}[10s])) / sum(rate(http_requests_total{service=$service}[10s])) / (1 - 0.999)",
            new() { ["labels"] = Labels(("service", "checkout")) }));

        Assert.Equal(100.0, Assert.IsType<double>(outcome.Outputs["value"]), 6);
        ActionOutputContract.AssertAgree("prometheus.query", outcome.Outputs);
    }

    [Fact]
    public async Task Several_series_come_back_as_a_list_with_labels_and_numbers_and_no_single_value()
    {
        var outcome = Assert.IsType<Succeeded>(await RunAsync(Query, "sum by (service) (irate(http_requests_total[5s]))"));

        Assert.Null(outcome.Outputs["value"]);
        var series = Assert.IsAssignableFrom<IReadOnlyList<object?>>(outcome.Outputs["series"]).Cast<IReadOnlyDictionary<string, object?>>()
            .ToDictionary(s => (string)((IReadOnlyDictionary<string, object?>)s["labels"]!)["service"]!, s => Assert.IsType<double>(s["value"]));
        Assert.Equal(10.0, series["checkout"], 6);
        Assert.Equal(4.0, series["search"], 6);
    }

    [Theory]
    [InlineData("\"}) or vector(1) #")]
    [InlineData("checkout\"} or vector(1) or x{a=\"")]
    [InlineData("\\\"}) or vector(1)")]
    [InlineData("$service")]
    public async Task A_hostile_label_value_stays_one_string_and_cannot_add_a_series(string hostile)
    {
        var outcome = Assert.IsType<Succeeded>(await RunAsync(Query, "sum(rate(http_requests_total{service=$service}[5s]))",
            new() { ["labels"] = Labels(("service", hostile)) }));

        // Spliced in, the value would have closed the matcher and added vector(1): one series with value 1.
        Assert.Equal(0L, outcome.Outputs["count"]);
        Assert.Null(outcome.Outputs["value"]);
    }

    [Fact]
    public async Task A_met_threshold_passes_and_a_missed_one_fails_with_the_measured_value()
    {
        const string ratio = "sum(rate(http_requests_total{service=$service,code=\"500\"}[10s])) / sum(rate(http_requests_total{service=$service}[10s]))";

        var met = await RunAsync(Query, ratio, new() { ["labels"] = Labels(("service", "checkout")), ["expect"] = "< 0.2" });
        var missed = await RunAsync(Query, ratio, new() { ["labels"] = Labels(("service", "checkout")), ["expect"] = "< 0.01" });

        Assert.IsType<Succeeded>(met);
        var failed = Assert.IsType<Failed>(missed);
        // The measured value is Prometheus' own text of the float (0.1 or 0.09999999999999998).
        Assert.Matches(@"^prometheus\.query: expected < 0\.01, measured (0\.1|0\.1000000\d*|0\.0999999\d*)$", failed.Error);
        Assert.Equal(0.1, Assert.IsType<double>(failed.Outputs["value"]), 6);
    }

    [Fact]
    public async Task Every_series_is_held_to_the_threshold_and_the_message_names_the_one_that_misses()
    {
        var failed = Assert.IsType<Failed>(await RunAsync(Query, "sum by (service) (rate(http_requests_total{code=\"500\"}[5s]))", new() { ["expect"] = "== 0" }));

        Assert.Matches(@"expected == 0, measured (1|1\.000000\d*|0\.999999\d*) for", failed.Error);
        Assert.Contains("for {service=\"checkout\"}", failed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_empty_result_with_a_threshold_fails_as_no_data_never_as_a_pass()
    {
        var failed = Assert.IsType<Failed>(await RunAsync(Query, "rate(http_requests_total{service=\"nonexistent\"}[5s])", new() { ["expect"] = "== 0" }));

        Assert.StartsWith("prometheus.query: no data: the query returned no series, so expect == 0 cannot be judged", failed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NaN_meets_no_threshold_and_is_named_in_the_message()
    {
        var failed = Assert.IsType<Failed>(await RunAsync(Query, "0 / 0", new() { ["expect"] = "!= 5" }));

        Assert.Contains("measured NaN (NaN: no meaningful value", failed.Error, StringComparison.Ordinal);
        Assert.Null(failed.Outputs["value"]);
        Assert.Equal("NaN", failed.Outputs["value_text"]);
        Assert.Equal("scalar", failed.Outputs["result_type"]);
    }

    [Fact]
    public async Task Positive_infinity_compares_above_every_limit_and_keeps_its_text()
    {
        var above = Assert.IsType<Succeeded>(await RunAsync(Query, "1 / 0", new() { ["expect"] = "> 1e300" }));
        var below = Assert.IsType<Failed>(await RunAsync(Query, "1 / 0", new() { ["expect"] = "< 1" }));

        Assert.Equal("+Inf", above.Outputs["value_text"]);
        Assert.Null(above.Outputs["value"]);
        Assert.Contains("measured +Inf", below.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_range_query_returns_every_sample_and_holds_each_to_the_threshold()
    {
        var outcome = Assert.IsType<Succeeded>(await RunAsync(Range, $"{CheckoutErrors} > 0",
            new() { ["range"] = "5s", ["step"] = "1s", ["expect"] = ">= 1000" }));
        var missed = Assert.IsType<Failed>(await RunAsync(Range, $"{CheckoutErrors}", new() { ["range"] = "5s", ["step"] = "1s", ["expect"] = "< 1000" }));

        Assert.Equal("matrix", outcome.Outputs["result_type"]);
        ActionOutputContract.AssertAgree("prometheus.query_range", outcome.Outputs);
        var series = Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(Assert.Single(Assert.IsAssignableFrom<IReadOnlyList<object?>>(outcome.Outputs["series"])));
        var values = Assert.IsAssignableFrom<IReadOnlyList<object?>>(series["values"]);
        Assert.InRange(values.Count, 5, 6);
        Assert.All(values, v => Assert.IsType<double>(((IReadOnlyDictionary<string, object?>)v!)["value"]));
        Assert.Contains("expected < 1000, measured 10", missed.Error, StringComparison.Ordinal);
        Assert.Contains("samples miss it", missed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_promql_fails_with_the_servers_parse_error()
    {
        var failed = Assert.IsType<Failed>(await RunAsync(Query, "rate(http_requests_total[5s]"));

        Assert.StartsWith($"prometheus.query: {stack.PrometheusUrl} rejected the request (HTTP 400): ", failed.Error, StringComparison.Ordinal);
        Assert.Contains("parse error", failed.Error, StringComparison.Ordinal);
        Assert.False(failed.Retryable);
    }

    [Fact]
    public async Task A_wrong_password_is_refused_credentials_and_the_password_appears_nowhere()
    {
        const string wrong = "not-the-password-7f3a";
        var failed = Assert.IsType<Failed>(await RunAsync(Query, "up", password: wrong));

        Assert.Equal($"prometheus.query: {stack.PrometheusUrl} refused the credentials (HTTP 401); check the token, or the username and password", failed.Error);
        Assert.False(failed.Retryable);
    }

    [Fact]
    public async Task Credentials_written_into_the_url_are_used_and_never_shown()
    {
        var url = stack.PrometheusUrl.Replace("http://", $"http://{MetricsStack.User}:wrong-in-url-9b1c@", StringComparison.Ordinal);
        var failed = Assert.IsType<Failed>(await RunAsync(Query, "up", new() { ["url"] = url, ["username"] = null, ["password"] = null }));

        Assert.Contains("refused the credentials (HTTP 401)", failed.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-in-url-9b1c", failed.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(MetricsStack.User, failed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_server_fails_naming_it_and_the_fix()
    {
        using var ctx = new ActionContext();
        var failed = Assert.IsType<Failed>(await Query.ExecuteAsync(ctx.Invocation("prometheus.query", new Dictionary<string, object?>
        {
            ["url"] = "http://127.0.0.1:1",
            ["query"] = "up",
            ["token"] = "tok-never-shown-42",
        }), CancellationToken.None));

        Assert.StartsWith("prometheus.query: cannot reach http://127.0.0.1:1: ", failed.Error, StringComparison.Ordinal);
        Assert.EndsWith("check the url and that the server is up", failed.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("tok-never-shown-42", failed.Error, StringComparison.Ordinal);
        Assert.True(failed.Retryable);
    }

    [Fact]
    public async Task A_computed_threshold_that_is_not_one_fails_with_its_code_before_any_request()
    {
        using var ctx = new ActionContext();
        var failed = Assert.IsType<Failed>(await Query.ExecuteAsync(ctx.Invocation("prometheus.query", new Dictionary<string, object?>
        {
            ["url"] = "http://127.0.0.1:1",
            ["query"] = "up",
            ["expect"] = "about 5",
        }), CancellationToken.None));

        Assert.Equal("prometheus.query: expect: 'about 5' does not start with an operator (RB0319); write an operator (<, <=, >, >=, ==, !=) and a number, such as \"< 0.01\" or \">= 99.9\"", failed.Error);
    }

    [Fact]
    public async Task A_bearer_token_is_sent_as_the_authorization_header()
    {
        await using var server = await LoopbackServer.StartAsync(async (context, _) =>
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"status":"success","data":{"resultType":"scalar","result":[1700000000,"42"]}}""");
        });
        using var ctx = new ActionContext();

        var outcome = await Query.ExecuteAsync(ctx.Invocation("prometheus.query", new Dictionary<string, object?>
        {
            ["url"] = server.Url + "/prom/",
            ["query"] = "scalar(up)",
            ["token"] = "tok-123",
        }), CancellationToken.None);

        Assert.Equal(42.0, Assert.IsType<double>(Assert.IsType<Succeeded>(outcome).Outputs["value"]));
        var request = Assert.Single(server.Requests);
        Assert.Equal("Bearer tok-123", request.Headers.Authorization.ToString());
        Assert.StartsWith("/prom/api/v1/query?query=scalar%28up%29", request.Path, StringComparison.Ordinal);
    }
    [Theory]
    [InlineData("token", "tok-echoed-5521")]
    [InlineData("password", "pw-echoed-8812")]
    public async Task A_server_that_echoes_the_credentials_in_its_error_does_not_put_them_in_the_step_error(string argument, string secret)
    {
        await using var server = await LoopbackServer.StartAsync(async (context, _) =>
        {
            context.Response.StatusCode = 400;
            context.Response.ContentType = "application/json";
            var auth = context.Request.Headers.Authorization.ToString();
            var decoded = auth.StartsWith("Basic ", StringComparison.Ordinal) ? System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(auth[6..])) : string.Empty;
            await context.Response.WriteAsync(System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string>
            {
                ["status"] = "error",
                ["error"] = $"bad request from {auth} ({decoded})",
            }));
        });
        using var ctx = new ActionContext();
        var arguments = new Dictionary<string, object?> { ["url"] = server.Url, ["query"] = "up", [argument] = secret };
        if (argument == "password")
        {
            arguments["username"] = "ops";
        }

        var failed = Assert.IsType<Failed>(await Query.ExecuteAsync(ctx.Invocation("prometheus.query", arguments), CancellationToken.None));

        Assert.StartsWith($"prometheus.query: {server.Url} rejected the request (HTTP 400): bad request from ", failed.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, failed.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"ops:{secret}")), failed.Error, StringComparison.Ordinal);
        Assert.Contains("***", failed.Error, StringComparison.Ordinal);
    }
}
