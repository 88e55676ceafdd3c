using System.Collections.Frozen;

namespace Runbook.Language.Expressions;

/// <summary>The functions an expression may call: GitHub Actions' names, and Scriban's builtin namespaces.</summary>
public static class FunctionCatalog
{
    /// <summary>Name → (least, most) arguments; most = -1 for "any number".</summary>
    public static FrozenDictionary<string, (int Min, int Max)> GitHub { get; } = new Dictionary<string, (int, int)>(StringComparer.Ordinal)
    {
        ["contains"] = (2, 2),
        ["startsWith"] = (2, 2),
        ["endsWith"] = (2, 2),
        ["format"] = (1, -1),
        ["join"] = (1, 2),
        ["toJSON"] = (1, 1),
        ["fromJSON"] = (1, 1),
        ["success"] = (0, 0),
        ["failure"] = (0, 0),
        ["always"] = (0, 0),
        ["cancelled"] = (0, 0),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Scriban's builtin objects that expressions may use (string.upcase, array.join …); nothing that reads files.</summary>
    public static FrozenSet<string> BuiltinNamespaces { get; } =
        new[] { "string", "array", "math", "object", "date", "html", "regex", "timespan" }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Scriban's bare builtins kept: empty and blank.</summary>
    public static FrozenSet<string> BuiltinValues { get; } = new[] { "empty", "blank" }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>The roots of the context: inputs, steps, env, run.</summary>
    public static FrozenSet<string> Roots { get; } = new[] { "inputs", "steps", "env", "run" }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>What <c>run.*</c> holds.</summary>
    public static FrozenSet<string> RunFields { get; } = new[] { "id", "provider", "dry_run", "initiator", "playbook" }.ToFrozenSet(StringComparer.Ordinal);
}
