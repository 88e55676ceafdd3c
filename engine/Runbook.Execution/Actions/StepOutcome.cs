namespace Runbook.Execution.Actions;

/// <summary>What an attempt of a step came to. Failures are values, so retries, journal and rollback treat them alike.</summary>
public abstract record StepOutcome(IReadOnlyDictionary<string, object?> Outputs)
{
    public static StepOutcome Success(IReadOnlyDictionary<string, object?>? outputs = null) =>
        new Succeeded(outputs ?? new Dictionary<string, object?>());

    public static StepOutcome Failure(string error, IReadOnlyDictionary<string, object?>? outputs = null, bool retryable = true) =>
        new Failed(error, outputs ?? new Dictionary<string, object?>(), retryable);
}

public sealed record Succeeded(IReadOnlyDictionary<string, object?> Outputs) : StepOutcome(Outputs);

/// <param name="Error">What failed and, where it can say, how to fix it.</param>
/// <param name="Retryable">False when trying again cannot help (bad arguments, 4xx that is not 408/429).</param>
public sealed record Failed(string Error, IReadOnlyDictionary<string, object?> Outputs, bool Retryable) : StepOutcome(Outputs);
