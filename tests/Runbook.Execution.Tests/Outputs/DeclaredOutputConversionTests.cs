using Runbook.Execution.Actions;
using Runbook.Execution.Engine;
using Runbook.Language.Model;

namespace Runbook.Execution.Tests.Outputs;

/// <summary>What a script writes, read as the declared type: everything that converts, and everything that must not.</summary>
public sealed class DeclaredOutputConversionTests
{
    private static object? Converted(OutputType type, string text)
    {
        var result = DeclaredOutputs.FromText(type, text);
        Assert.Null(result.Problem);
        return result.Value;
    }

    private static string Refused(OutputType type, string text)
    {
        var result = DeclaredOutputs.FromText(type, text);
        Assert.NotNull(result.Problem);
        Assert.Null(result.Value);
        return result.Problem!;
    }

    [Theory]
    [InlineData("42", 42L)]
    [InlineData("-7", -7L)]
    [InlineData("+7", 7L)]
    [InlineData("007", 7L)]
    [InlineData("-0", 0L)]
    [InlineData("  12 \n", 12L)]
    [InlineData("12\r", 12L)]
    [InlineData("9223372036854775807", long.MaxValue)]
    [InlineData("-9223372036854775808", long.MinValue)]
    public void An_integer_is_digits_with_an_optional_sign_within_64_bits(string text, long expected)
    {
        var value = Converted(OutputType.Integer, text);

        Assert.Equal(expected, Assert.IsType<long>(value));
    }

    [Theory]
    [InlineData("9223372036854775808", "outside the integer range")]
    [InlineData("-9223372036854775809", "outside the integer range")]
    [InlineData("99999999999999999999999999999999999999999999", "outside the integer range")]
    [InlineData("3.0", "not a whole number (declare type: number for decimals)")]
    [InlineData("1e3", "not a whole number (declare type: number for decimals)")]
    [InlineData("0x1F", "not a whole number")]
    [InlineData("1,000", "not a whole number")]
    [InlineData("1 000", "not a whole number")]
    [InlineData("٣", "not a whole number")]
    [InlineData("３", "not a whole number")]
    [InlineData("-", "not a whole number")]
    [InlineData("--1", "not a whole number")]
    [InlineData("ten", "not a whole number")]
    [InlineData("NaN", "not a whole number")]
    [InlineData("", "it is empty")]
    [InlineData("   ", "it is empty")]
    public void Anything_else_is_not_an_integer(string text, string problem)
    {
        Assert.Contains(problem, Refused(OutputType.Integer, text), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0.25", "0.25")]
    [InlineData("-3", "-3")]
    [InlineData("+.5", "0.5")]
    [InlineData("5.", "5")]
    [InlineData("1.5e3", "1500")]
    [InlineData("1E-2", "0.01")]
    [InlineData("0.1000", "0.1000")]
    public void A_number_is_a_decimal_read_exactly(string text, string expected)
    {
        var value = Converted(OutputType.Number, text);

        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), Assert.IsType<decimal>(value));
    }

    [Fact]
    public void Minus_zero_is_zero_and_prints_as_zero()
    {
        var value = Converted(OutputType.Number, "-0");

        Assert.Equal(0m, value);
        Assert.Equal("0", Values.ToText(value));
    }

    [Fact]
    public void A_number_beyond_decimal_range_keeps_its_magnitude_as_a_double()
    {
        var value = Converted(OutputType.Number, "1e300");

        Assert.Equal(1e300, Assert.IsType<double>(value));
    }

    [Theory]
    [InlineData("1e400")]
    [InlineData("-1e400")]
    [InlineData("1e999999999999")]
    public void A_number_beyond_every_range_is_refused_rather_than_made_infinite(string text)
    {
        Assert.Contains("outside the range of a number", Refused(OutputType.Number, text), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("nan")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    [InlineData("∞")]
    [InlineData("0x10")]
    [InlineData("1,5")]
    [InlineData("1.2.3")]
    [InlineData("1e")]
    [InlineData("e5")]
    [InlineData(".")]
    [InlineData("12abc")]
    [InlineData("١٢")]
    public void Not_a_number_is_refused_with_the_forms_a_number_takes(string text)
    {
        Assert.Contains("it is not a number", Refused(OutputType.Number, text), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("false", false)]
    [InlineData("True", true)]
    [InlineData("FALSE", false)]
    [InlineData(" true\n", true)]
    public void A_boolean_is_true_or_false_in_any_case(string text, bool expected)
    {
        Assert.Equal(expected, Assert.IsType<bool>(Converted(OutputType.Boolean, text)));
    }

    [Theory]
    [InlineData("yes")]
    [InlineData("no")]
    [InlineData("On")]
    [InlineData("off")]
    [InlineData("1")]
    [InlineData("0")]
    [InlineData("Y")]
    public void Yes_no_on_off_and_one_zero_are_not_booleans_and_the_failure_says_what_to_write(string text)
    {
        Assert.Equal("write true or false: yes/no, on/off and 1/0 are not booleans here (declare type: integer to keep 1/0)", Refused(OutputType.Boolean, text));
    }

    [Theory]
    [InlineData("truthy")]
    [InlineData("t")]
    [InlineData("")]
    public void Other_text_is_not_a_boolean(string text)
    {
        Refused(OutputType.Boolean, text);
    }

    [Fact]
    public void A_list_is_a_json_array_parsed_into_values()
    {
        var value = Converted(OutputType.List, """ ["api", 3, 2.5, true, null, {"a": [1]}] """);

        var list = Assert.IsType<IReadOnlyList<object?>>(value, exactMatch: false);
        Assert.Equal(["api", 3L, 2.5m, true, null], list.Take(5));
        Assert.Equal([1L], (IEnumerable<object?>)((IReadOnlyDictionary<string, object?>)list[5]!)["a"]!);
    }

    [Fact]
    public void An_object_is_a_json_object_parsed_into_a_map()
    {
        var value = Converted(OutputType.Object, """{"replicas": 3, "image": "api:2"}""");

        var map = Assert.IsType<IReadOnlyDictionary<string, object?>>(value, exactMatch: false);
        Assert.Equal(3L, map["replicas"]);
        Assert.Equal("api:2", map["image"]);
    }

    [Theory]
    [InlineData("3", 3L)]
    [InlineData("\"text\"", "text")]
    [InlineData("null", null)]
    [InlineData("false", false)]
    public void Json_takes_any_json_value(string text, object? expected)
    {
        Assert.Equal(expected, Converted(OutputType.Json, text));
    }

    [Theory]
    [InlineData(OutputType.List, """["a"] trailing""")]
    [InlineData(OutputType.List, """["a"]]""")]
    [InlineData(OutputType.Object, """{"a": 1}{"b": 2}""")]
    [InlineData(OutputType.Json, "1 2")]
    [InlineData(OutputType.Json, "{'a': 1}")]
    [InlineData(OutputType.Json, """{"a": 1,}""")]
    [InlineData(OutputType.Json, "[1, 2,]")]
    [InlineData(OutputType.Json, "/* c */ 1")]
    [InlineData(OutputType.Json, "NaN")]
    [InlineData(OutputType.Json, "undefined")]
    [InlineData(OutputType.Json, "{\"a\": ")]
    public void Json_with_trailing_garbage_or_javascript_liberties_is_not_valid_json(OutputType type, string text)
    {
        Assert.StartsWith("it is not valid JSON", Refused(type, text), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(OutputType.List, """{"a": 1}""", "it is an object in JSON, not a list")]
    [InlineData(OutputType.List, "\"a,b\"", "it is a string in JSON, not a list")]
    [InlineData(OutputType.List, "null", "it is null in JSON, not a list")]
    [InlineData(OutputType.Object, "[1]", "it is a list in JSON, not an object")]
    [InlineData(OutputType.Object, "3", "it is a number in JSON, not an object")]
    public void A_list_or_object_must_be_that_kind_of_json(OutputType type, string text, string problem)
    {
        Assert.Equal(problem, Refused(type, text));
    }

    [Fact]
    public void A_json_object_with_a_repeated_key_is_refused_rather_than_one_value_silently_winning()
    {
        Assert.Equal("its JSON has the key 'a' twice", Refused(OutputType.Object, """{"a": 1, "a": 2}"""));
    }

    [Fact]
    public void A_json_number_beyond_every_range_is_refused()
    {
        Assert.Contains("outside the range of a number", Refused(OutputType.Json, """{"n": 1e400}"""), StringComparison.Ordinal);
    }

    [Fact]
    public void Json_nested_deeper_than_64_levels_is_refused()
    {
        Assert.StartsWith("it is not valid JSON", Refused(OutputType.Json, new string('[', 65) + new string(']', 65)), StringComparison.Ordinal);
    }

    [Fact]
    public void A_string_is_kept_exactly_as_written_whitespace_and_all()
    {
        Assert.Equal("  spaced \n", Converted(OutputType.String, "  spaced \n"));
    }

    [Fact]
    public void A_value_that_already_has_the_declared_type_is_kept_and_a_number_declared_text_becomes_its_text()
    {
        Assert.Equal(3L, DeclaredOutputs.To(OutputType.Integer, 3L).Value);
        Assert.Equal(3L, DeclaredOutputs.To(OutputType.Number, 3L).Value);
        Assert.Equal("3", DeclaredOutputs.To(OutputType.String, 3L).Value);
        Assert.Equal(true, DeclaredOutputs.To(OutputType.Boolean, "TRUE").Value);
        Assert.Null(DeclaredOutputs.To(OutputType.Integer, null).Value);
        Assert.Null(DeclaredOutputs.To(OutputType.Integer, null).Problem);
    }
}
