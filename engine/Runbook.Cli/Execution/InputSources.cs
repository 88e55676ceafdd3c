using Runbook.Language.Diagnostics;
using Runbook.Language.Model;
using Runbook.Language.Text;
using Runbook.Language.Yaml;

namespace Runbook.Cli.Execution;

/// <summary>Where input values come from at run time: an inputs file, --input pairs, and secret sources.</summary>
internal static class InputSources
{
    /// <summary>A YAML (or JSON) mapping of input names to values.</summary>
    public static Dictionary<string, string> ReadFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new UsageException($"inputs file '{path}' does not exist");
        }

        var diagnostics = new DiagnosticBag();
        var source = SourceDecoder.Decode(path, File.ReadAllBytes(path), diagnostics);
        var root = source is null ? null : YamlLoader.Load(source, diagnostics);
        if (diagnostics.HasErrors || root is not YamlMapping map)
        {
            throw new UsageException(diagnostics.Items.FirstOrDefault()?.ToString() ?? $"{path}: an inputs file is a mapping of name: value");
        }

        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in map.Entries)
        {
            result[key.Value] = value is YamlScalar s ? s.Value : throw new UsageException($"{value.Span}: input '{key.Value}' must be a single value");
        }

        return result;
    }

    /// <summary>Reads a secret from its declared source; null when it is not there.</summary>
    public static string? ResolveSecret(SecretSource source)
    {
        if (source.Kind == SecretSourceKind.Environment)
        {
            return Environment.GetEnvironmentVariable(source.Reference) is { Length: > 0 } value ? value : null;
        }

        var path = source.Reference.StartsWith("~/", StringComparison.Ordinal)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), source.Reference[2..])
            : source.Reference;
        return File.Exists(path) ? File.ReadAllText(path).TrimEnd('\n', '\r') : null;
    }
}
