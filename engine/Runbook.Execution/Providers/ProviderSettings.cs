using System.Collections.Immutable;

namespace Runbook.Execution.Providers;

/// <summary>A provider's settings for one run: from the runbook.yaml environment, then --set, then RUNBOOK_&lt;PROVIDER&gt;_&lt;KEY&gt;.</summary>
public sealed record ProviderSettings(
    string Provider,
    ImmutableDictionary<string, string> Values,
    ImmutableDictionary<string, string> ServiceNames,
    string WorkingDirectory)
{
    public string? Get(string key) =>
        Values.TryGetValue(key, out var value) ? value
        : Environment.GetEnvironmentVariable($"RUNBOOK_{Provider.ToUpperInvariant()}_{key.ToUpperInvariant()}") is { Length: > 0 } env ? env
        : null;

    /// <summary>A setting the provider cannot work without; a clear error naming it and where to put it.</summary>
    public string Require(string key, string meaning) => Get(key) ?? throw new ProviderException(ProviderErrorKind.Failed,
        $"provider '{Provider}' needs the setting '{key}' ({meaning}): add '{key}: …' to the environment in runbook.yaml, pass --set {key}=…, or export RUNBOOK_{Provider.ToUpperInvariant()}_{key.ToUpperInvariant()}");

    /// <summary>The platform's name for a service the playbook names.</summary>
    public string ServiceName(string playbookName) => ServiceNames.GetValueOrDefault(playbookName, playbookName);
}
