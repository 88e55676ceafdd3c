using Runbook.Execution.Actions;
using Runbook.Language.Actions;

namespace Runbook.Execution.Providers;

/// <summary>
/// A platform: what the language knows of it (<see cref="Descriptor"/>) and the actions that run on it.
/// Registered at compile time in the CLI's composition root; adding one touches nothing else.
/// </summary>
public interface IPlatformProvider
{
    ProviderDescriptor Descriptor { get; }

    /// <summary>Settings it reads, with what each means, for 'runbook providers' and error messages.</summary>
    IReadOnlyList<(string Key, string Meaning, string? Default)> Settings { get; }

    /// <summary>The service.* actions (over its backend) and its own namespaced actions, for one run.</summary>
    IReadOnlyList<IStepAction> CreateActions(ProviderSettings settings);
}
