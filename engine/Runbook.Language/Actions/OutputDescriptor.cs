using Runbook.Language.Model;

namespace Runbook.Language.Actions;

/// <summary>One output an action produces, with its type, so the checker can tell a number from text.</summary>
public sealed record OutputDescriptor(string Name, OutputType Type)
{
    public static OutputDescriptor Text(string name) => new(name, OutputType.String);

    public static OutputDescriptor Integer(string name) => new(name, OutputType.Integer);

    public static OutputDescriptor Number(string name) => new(name, OutputType.Number);

    public static OutputDescriptor Boolean(string name) => new(name, OutputType.Boolean);

    public static OutputDescriptor List(string name) => new(name, OutputType.List);

    public static OutputDescriptor Object(string name) => new(name, OutputType.Object);

    public static OutputDescriptor Json(string name) => new(name, OutputType.Json);
}
