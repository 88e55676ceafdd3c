using Runbook.Providers.Gcp;

namespace Runbook.Providers.Gcp.Tests.Provider;

/// <summary>The Cloud Logging query of service.logs: every value stays inside its quoted string, whatever it holds.</summary>
public sealed class LogFilterTests
{
    private static readonly DateTimeOffset Since = new(2026, 11, 30, 18, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_query_selects_cloud_run_revision_entries_of_the_service_in_its_region_since_the_time()
    {
        var filter = LogFilter.Build("web", "europe-west1", Since, null);

        Assert.Equal("resource.type=\"cloud_run_revision\" AND resource.labels.service_name=\"web\" AND resource.labels.location=\"europe-west1\" AND timestamp>=\"2026-11-30T18:00:00.000Z\"", filter);
    }

    [Fact]
    public void A_text_filter_is_a_quoted_search_of_the_text_payload()
    {
        var filter = LogFilter.Build("web", "europe-west1", Since, "connection refused");

        Assert.EndsWith(" AND textPayload:\"connection refused\"", filter, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\" OR severity>=DEFAULT OR \"", "\"\\\" OR severity>=DEFAULT OR \\\"\"")]
    [InlineData("a\\\" OR \"b", "\"a\\\\\\\" OR \\\"b\"")]
    [InlineData("ends with a backslash\\", "\"ends with a backslash\\\\\"")]
    [InlineData("line\nbreak\ttab", "\"line\\nbreak\\ttab\"")]
    public void A_hostile_filter_value_is_escaped_into_one_string_literal(string value, string expected)
    {
        var quoted = LogFilter.Quote(value);

        Assert.Equal(expected, quoted);
        Assert.Equal(value, Unquote(quoted));
    }

    [Theory]
    [InlineData("\" OR \"")]
    [InlineData("\\\" OR resource.type=\"gce_instance")]
    [InlineData("\\")]
    [InlineData("x\\\\\" -- \"")]
    public void No_value_ends_its_string_early(string value)
    {
        var filter = LogFilter.Build("web", "europe-west1", Since, value);

        // Read the query as Cloud Logging's lexer would: outside strings only the fixed restrictions may appear.
        var outside = Outside(filter);
        Assert.Equal("resource.type= AND resource.labels.service_name= AND resource.labels.location= AND timestamp>= AND textPayload:", outside);
    }

    [Fact]
    public void A_filter_with_a_control_character_the_query_language_cannot_hold_is_not_sent()
    {
        var filter = LogFilter.Build("web", "europe-west1", Since, "bell\u0007");

        Assert.DoesNotContain("textPayload", filter, StringComparison.Ordinal);
        Assert.False(LogFilter.Searchable("bell\u0007"));
    }

    /// <summary>The text of a query outside its string literals (a backslash escapes the next character inside one).</summary>
    private static string Outside(string query)
    {
        var outside = new System.Text.StringBuilder();
        var inString = false;
        for (var i = 0; i < query.Length; i++)
        {
            var c = query[i];
            if (inString)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    inString = false;
                }
            }
            else if (c == '"')
            {
                inString = true;
            }
            else
            {
                outside.Append(c);
            }
        }

        Assert.False(inString, $"an unterminated string in {query}");
        return outside.ToString();
    }

    private static string Unquote(string literal)
    {
        Assert.StartsWith("\"", literal, StringComparison.Ordinal);
        Assert.EndsWith("\"", literal, StringComparison.Ordinal);
        var text = new System.Text.StringBuilder();
        for (var i = 1; i < literal.Length - 1; i++)
        {
            var c = literal[i];
            if (c == '"')
            {
                Assert.Fail($"an unescaped quote at {i} in {literal}");
            }

            if (c == '\\')
            {
                c = literal[++i] switch { 'n' => '\n', 't' => '\t', 'r' => '\r', var other => other };
            }

            text.Append(c);
        }

        return text.ToString();
    }
}
