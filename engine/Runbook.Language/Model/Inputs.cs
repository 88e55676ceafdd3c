using System.Collections.Immutable;
using Runbook.Language.Text;

namespace Runbook.Language.Model;

public enum InputType
{
    String,
    Number,
    Boolean,
    Enum,
    Duration,
    Secret,

    /// <summary>A list of values of one <see cref="InputDefinition.ItemType"/> (<c>type: list</c>, <c>items:</c>).</summary>
    List,
}

/// <summary>
/// A declared input. <see cref="Default"/> holds a string, decimal, bool or <see cref="Duration"/>, or for a list
/// input an <see cref="ImmutableArray{T}"/> of string, decimal or bool.
/// </summary>
public sealed record InputDefinition(
    string Name,
    SourceSpan Span,
    InputType Type,
    string? Description,
    object? Default,
    bool Required,
    string? Pattern,
    decimal? Min,
    decimal? Max,
    ImmutableArray<string> Values,
    SecretSource? From)
{
    public bool IsSecret => Type == InputType.Secret;

    /// <summary>The type of each item of a list input (<c>items:</c>): string, number or boolean; string when not said.</summary>
    public InputType ItemType { get; init; } = InputType.String;
}

public enum SecretSourceKind
{
    Environment,
    File,
}

/// <summary>Where a secret input's value comes from: <c>env:NAME</c> or <c>file:PATH</c>.</summary>
public sealed record SecretSource(SecretSourceKind Kind, string Reference)
{
    public override string ToString() => (Kind == SecretSourceKind.Environment ? "env:" : "file:") + Reference;
}
