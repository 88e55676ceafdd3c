namespace Runbook.Language.Model;

/// <summary>
/// The type of a step output, declared (<c>outputs: { count: { type: integer } }</c>) or known from an action's
/// descriptor. <see cref="Json"/> is any JSON value: the checker assumes nothing of it.
/// </summary>
public enum OutputType
{
    String,
    Integer,
    Number,
    Boolean,
    List,
    Object,
    Json,
}

public static class OutputTypes
{
    /// <summary>The names as written in a playbook, in the enum's order.</summary>
    public static readonly string[] Names = ["string", "integer", "number", "boolean", "list", "object", "json"];

    public static string ToName(this OutputType type) => Names[(int)type];

    public static OutputType? Parse(string name) => Array.IndexOf(Names, name) is var i and >= 0 ? (OutputType)i : null;
}
