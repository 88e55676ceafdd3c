using System.Text.Json;
using Runbook.Language.Expressions.Evaluation;

namespace Runbook.Execution.Actions;

/// <summary>Run values (the JSON-like set) as text and JSON: the language's rules, for actions.</summary>
public static class Values
{
    public static string ToText(object? value) => ExpressionValues.ToText(value);

    public static string ToJson(object? value) => Json.Write(value);

    public static void Write(Utf8JsonWriter writer, object? value) => Json.Write(writer, value);

    public static object? FromJson(JsonElement element) => Json.FromElement(element);
}
