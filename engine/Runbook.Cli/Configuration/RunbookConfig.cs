using System.Collections.Immutable;
using Runbook.Language.Diagnostics;
using Runbook.Language.Text;
using Runbook.Language.Yaml;

namespace Runbook.Cli.Configuration;

/// <summary>One named environment of runbook.yaml: which provider, its settings, and service names on it.</summary>
internal sealed record EnvironmentConfig(
    string Name,
    string Provider,
    ImmutableDictionary<string, string> Settings,
    ImmutableDictionary<string, string> Services);

/// <summary>
/// runbook.yaml: approver groups and named environments. Read with the language's own YAML loader, so a
/// mistake in it is reported with file:line:col like a playbook's.
/// </summary>
internal sealed record RunbookConfig(
    string? Path,
    ImmutableDictionary<string, ImmutableArray<string>> Groups,
    ImmutableDictionary<string, EnvironmentConfig> Environments)
{
    /// <summary>
    /// Folders (absolute, or relative to runbook.yaml) where <c>template:</c> files are looked up after the playbook's
    /// own folder: <c>templates: shared/templates</c> or a list of them.
    /// </summary>
    public ImmutableArray<string> Templates { get; init; } = [];

    public const string FileName = "runbook.yaml";

    public static RunbookConfig Empty { get; } = new(null, ImmutableDictionary<string, ImmutableArray<string>>.Empty,
        ImmutableDictionary<string, EnvironmentConfig>.Empty);

    /// <summary>The config at <paramref name="path"/>, or runbook.yaml in the working directory, or none.</summary>
    public static RunbookConfig Load(string? path, string workingDirectory)
    {
        var file = path ?? System.IO.Path.Combine(workingDirectory, FileName);
        if (!File.Exists(file))
        {
            return path is null ? Empty : throw new UsageException($"config file '{path}' does not exist");
        }

        var diagnostics = new DiagnosticBag();
        var source = SourceDecoder.Decode(file, File.ReadAllBytes(file), diagnostics);
        var root = source is null ? null : YamlLoader.Load(source, diagnostics);
        if (diagnostics.HasErrors || root is not YamlMapping map)
        {
            var first = diagnostics.Items.FirstOrDefault();
            throw new UsageException(first is null ? $"{file}: the config must be a mapping" : first.ToString());
        }

        return new RunbookConfig(file, ReadGroups(map, file), ReadEnvironments(map, file)) { Templates = ReadTemplates(map, file) };
    }

    private static ImmutableArray<string> ReadTemplates(YamlMapping root, string file)
    {
        var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(file)) ?? ".";
        var names = root["templates"] switch
        {
            null => [],
            YamlScalar one => [one],
            YamlSequence many when many.Items.All(i => i is YamlScalar) => many.Items.Cast<YamlScalar>().ToList(),
            var other => throw new UsageException($"{other.Span}: templates must be a folder or a list of folders"),
        };
        return [.. names.Select(n => System.IO.Path.GetFullPath(n.Value, folder))];
    }

    private static ImmutableDictionary<string, ImmutableArray<string>> ReadGroups(YamlMapping root, string file)
    {
        if ((root["approvers"] as YamlMapping)?["groups"] is not YamlMapping groups)
        {
            return ImmutableDictionary<string, ImmutableArray<string>>.Empty;
        }

        return groups.Entries.ToImmutableDictionary(
            e => e.Key.Value,
            e => e.Value is YamlSequence s
                ? s.Items.OfType<YamlScalar>().Select(i => i.Value).ToImmutableArray()
                : throw new UsageException($"{e.Value.Span}: approvers.groups.{e.Key.Value} must be a list of names"),
            StringComparer.Ordinal);
    }

    private static ImmutableDictionary<string, EnvironmentConfig> ReadEnvironments(YamlMapping root, string file)
    {
        if (root["environments"] is not YamlMapping environments)
        {
            return ImmutableDictionary<string, EnvironmentConfig>.Empty;
        }

        var result = ImmutableDictionary.CreateBuilder<string, EnvironmentConfig>(StringComparer.Ordinal);
        foreach (var (key, value) in environments.Entries)
        {
            if (value is not YamlMapping env || env["provider"] is not YamlScalar provider)
            {
                throw new UsageException($"{value.Span}: environment '{key.Value}' needs 'provider: <name>' (in {file})");
            }

            var settings = env.Entries.Where(e => e.Key.Value is not ("provider" or "services") && e.Value is YamlScalar)
                .ToImmutableDictionary(e => e.Key.Value, e => ((YamlScalar)e.Value).Value, StringComparer.Ordinal);
            var services = (env["services"] as YamlMapping)?.Entries.Where(e => e.Value is YamlScalar or YamlMapping)
                .ToImmutableDictionary(e => e.Key.Value, e => ServiceName(key.Value, provider.Value, e.Key.Value, e.Value), StringComparer.Ordinal)
                ?? ImmutableDictionary<string, string>.Empty;
            result[key.Value] = new EnvironmentConfig(key.Value, provider.Value, settings, services);
        }

        return result.ToImmutable();
    }

    /// <summary>Kinds of workload a Kubernetes service may be, as written under <c>kind:</c>.</summary>
    private static readonly string[] WorkloadKinds = ["deployment", "statefulset"];

    /// <summary>
    /// A service's platform name: a scalar as it is, or (Kubernetes) <c>{ kind: statefulset, name: postgres }</c>, which
    /// becomes <c>statefulset/postgres</c>, the way kubectl names a workload and the provider reads it.
    /// </summary>
    private static string ServiceName(string environment, string provider, string service, YamlNode value)
    {
        if (value is YamlScalar scalar)
        {
            return scalar.Value;
        }

        var map = (YamlMapping)value;
        var where = $"environment '{environment}', service '{service}'";
        if (provider != "kubernetes")
        {
            throw new UsageException($"{map.Span}: {where}: a service given as a mapping (kind:, name:) is for the kubernetes provider; for {provider}, write '{service}: <name on {provider}>'");
        }

        if (map.Entries.FirstOrDefault(e => e.Key.Value is not ("kind" or "name")).Key is { } unknown)
        {
            throw new UsageException($"{unknown.Span}: {where}: unknown key '{unknown.Value}'; a service mapping takes kind: (deployment or statefulset) and name:");
        }

        if (map["name"] is not YamlScalar { Value.Length: > 0 } name)
        {
            throw new UsageException($"{map.Span}: {where}: needs 'name: <object name>' (the {((map["kind"] as YamlScalar)?.Value ?? "deployment")}'s name in the cluster)");
        }

        var kind = map["kind"] switch
        {
            null => "deployment",
            YamlScalar k when WorkloadKinds.Contains(k.Value) => k.Value,
            var other => throw new UsageException(
                $"{other.Span}: {where}: kind '{(other as YamlScalar)?.Value ?? "(not text)"}' is not a workload runbook drives; write kind: deployment (the default) or kind: statefulset"),
        };
        // Always KIND/NAME, so a name that itself holds a slash is refused by the provider instead of read as a kind.
        return $"{kind}/{name.Value}";
    }
}
