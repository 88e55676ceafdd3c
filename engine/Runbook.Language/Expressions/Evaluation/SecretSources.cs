using System.Collections.Immutable;

namespace Runbook.Language.Expressions.Evaluation;

/// <summary>
/// Which values of the context are secret, so the evaluator can tell when a result was computed from one.
/// A value read by any access form (member, literal or computed index, the whole object) counts as read.
/// </summary>
/// <param name="Inputs">Names of secret inputs.</param>
/// <param name="Steps">Ids of steps whose outputs are secret-derived as a whole (a script that received a secret).</param>
/// <param name="Environment">Environment variables that hold a secret (a secret input's <c>from: env:NAME</c>).</param>
/// <param name="Reveals">True when a value's text holds a known secret in any masked form: any value read that does is secret too.</param>
public sealed record SecretSources(
    ImmutableHashSet<string> Inputs,
    ImmutableHashSet<string> Steps,
    ImmutableHashSet<string> Environment,
    Func<string, bool> Reveals)
{
    public static SecretSources None { get; } = new([], [], [], _ => false);
}

/// <summary>A value and whether computing it read anything secret: if so, the value is a secret too.</summary>
public readonly record struct TrackedValue(object? Value, bool ReadsSecret);

/// <summary>A rendered template and the text of every value it wrote after it first read a secret.</summary>
public sealed record TrackedTemplate(string Text, ImmutableArray<object?> SecretWrites);

/// <summary>Set when an evaluation reads a secret value; one per evaluation, so parallel steps never share it.</summary>
internal sealed class SecretReads
{
    private int _count;

    public bool Any => Volatile.Read(ref _count) > 0;

    public void Mark() => Interlocked.Increment(ref _count);
}
