using System.Globalization;

namespace Runbook.Language.Actions;

/// <summary>
/// An <c>expect:</c> threshold on a measured number: an operator and a number (<c>&lt; 0.01</c>, <c>&gt;= 99.9</c>,
/// <c>== 0</c>, <c>!= 0</c>). Parsed by the checker for a literal (RB0319) and by the action for a computed value.
/// </summary>
public sealed record Threshold(string Operator, double Limit, string Text)
{
    private static readonly string[] Operators = ["<=", ">=", "==", "!=", "<", ">"];

    public const string Grammar = "an operator (<, <=, >, >=, ==, !=) and a number, such as \"< 0.01\" or \">= 99.9\"";

    /// <summary>The threshold, or null with <paramref name="problem"/> saying what is wrong with the text.</summary>
    public static Threshold? Parse(string text, out string? problem)
    {
        var trimmed = text.Trim();
        var op = Operators.FirstOrDefault(o => trimmed.StartsWith(o, StringComparison.Ordinal));
        if (op is null)
        {
            problem = $"'{text}' does not start with an operator";
            return null;
        }

        var number = trimmed[op.Length..].Trim();
        if (number.Length == 0)
        {
            problem = $"'{text}' has no number after '{op}'";
            return null;
        }

        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var limit) || !double.IsFinite(limit))
        {
            problem = $"'{number}' in '{text}' is not a finite number";
            return null;
        }

        problem = null;
        return new Threshold(op, limit, $"{op} {number}");
    }

    /// <summary>
    /// True when the measured value meets the threshold. NaN meets none (a ratio of zero by zero is not a pass),
    /// and the infinities compare as numbers (+Inf is above every limit).
    /// </summary>
    public bool Holds(double measured) => !double.IsNaN(measured) && Operator switch
    {
        "<" => measured < Limit,
        "<=" => measured <= Limit,
        ">" => measured > Limit,
        ">=" => measured >= Limit,
        "==" => measured == Limit,
        _ => measured != Limit,
    };

    public override string ToString() => Text;
}
