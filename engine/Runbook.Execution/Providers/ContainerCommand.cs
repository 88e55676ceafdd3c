using Runbook.Execution.Actions;

namespace Runbook.Execution.Providers;

/// <summary>The <c>command</c> of an exec action in a container: a string runs under <c>sh -c</c>, a list runs as it is.</summary>
public static class ContainerCommand
{
    public static string[] From(object? command) => command switch
    {
        string text => ["sh", "-c", text],
        IEnumerable<object?> list => [.. list.Select(Values.ToText)],
        var one => ["sh", "-c", Values.ToText(one)],
    };
}
