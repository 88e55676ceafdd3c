using System.Collections.Immutable;
using Runbook.Language.Text;

namespace Runbook.Language.Expressions.Evaluation;

/// <summary>What success(), failure() and cancelled() see.</summary>
public enum JobStatus
{
    Success,
    Failure,
    Cancelled,
}

/// <summary>
/// Everything an expression may read. Values are JSON-like: string, bool, long, decimal, double, null,
/// lists of values and string-keyed maps of values; no other .NET object ever reaches an expression.
/// </summary>
/// <param name="Steps">Step id → map with <c>status</c> and <c>outputs</c>.</param>
public sealed record EvaluationContext(
    IReadOnlyDictionary<string, object?> Inputs,
    IReadOnlyDictionary<string, object?> Steps,
    IReadOnlyDictionary<string, object?> Environment,
    IReadOnlyDictionary<string, object?> Run,
    JobStatus Status = JobStatus.Success)
{
    /// <summary>What is secret here; results computed from it are reported by <see cref="ExpressionEvaluator.EvaluateTracked"/>.</summary>
    public SecretSources Secrets { get; init; } = SecretSources.None;

    /// <summary>
    /// Names bound only inside one step: a for_each step's item (<c>item</c> or its <c>as:</c> name) and
    /// <c>item_index</c>. Read as bare names; they never hide inputs, steps, env, run or a function.
    /// </summary>
    public IReadOnlyDictionary<string, object?> Locals { get; init; } = ImmutableDictionary<string, object?>.Empty;

    public static EvaluationContext Empty { get; } = new(
        ImmutableDictionary<string, object?>.Empty, ImmutableDictionary<string, object?>.Empty,
        ImmutableDictionary<string, object?>.Empty, ImmutableDictionary<string, object?>.Empty);
}

/// <summary>An expression failed at run time; the message names the expression, where it is, and why.</summary>
public sealed class ExpressionException(SourceSpan span, string message) : Exception($"{span}: {message}")
{
    public SourceSpan Span { get; } = span;

    public string Reason { get; } = message;
}
