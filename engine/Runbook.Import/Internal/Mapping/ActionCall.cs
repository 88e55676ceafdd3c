using System.Collections.Immutable;
using Runbook.Import.Internal.Shell;

namespace Runbook.Import.Internal.Mapping;

/// <summary>What a value taken from a command is, which decides the input it becomes and its type.</summary>
internal enum ValueKind
{
    /// <summary>A service or application name: an input with the literal as default.</summary>
    Service,

    /// <summary>A replica count: a number input with the literal as default.</summary>
    Replicas,

    /// <summary>A revision to go back to: a placeholder's input, or an input with the literal as default.</summary>
    Revision,

    /// <summary>An image reference: an input with the literal as default.</summary>
    Image,

    /// <summary>A Kubernetes namespace: an input with the literal as default.</summary>
    Namespace,

    /// <summary>A number written into the step as it is (a log tail length).</summary>
    Count,
}

/// <summary>One argument of an action, taken from one word of the command.</summary>
internal sealed record ArgumentSource(string Parameter, ValueKind Kind, string Value);

/// <summary>A platform setting the action leaves to runbook.yaml (cluster, resource group, region, namespace, project).</summary>
internal sealed record PlatformSetting(string Provider, string Name, string Value);

/// <summary>A command a provider action covers: the action, its arguments, and what it leaves to runbook.yaml.</summary>
internal sealed record ActionCall(
    string Action,
    ImmutableArray<ArgumentSource> Arguments,
    ImmutableArray<PlatformSetting> Settings,
    string? Note = null,
    ImmutableArray<ShellWord> ExecCommand = default)
{
    public ArgumentSource? Find(string parameter) => Arguments.FirstOrDefault(a => a.Parameter == parameter);
}
