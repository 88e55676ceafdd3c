using System.Collections.Immutable;

namespace Runbook.Language.Expressions;

/// <summary>What <c>steps.X.status</c> reads in an expression: the executor sets these, the checker holds comparisons to them.</summary>
public static class StepStatusNames
{
    public const string Success = "success";
    public const string Failure = "failure";
    public const string Skipped = "skipped";
    public const string Pending = "pending";

    public static ImmutableArray<string> All { get; } = [Success, Failure, Skipped, Pending];
}
