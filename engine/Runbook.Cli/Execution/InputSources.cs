using System.Globalization;
using System.Text;
using System.Text.Json;
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
            result[key.Value] = value switch
            {
                YamlScalar s => s.Value,
                YamlSequence list => ListText(key.Value, list),
                _ => throw new UsageException($"{value.Span}: input '{key.Value}' must be a single value, or a list for a list input"),
            };
        }

        return result;
    }

    /// <summary>
    /// A YAML list of plain values, as the JSON array text a list input reads (the same text --input takes): plain
    /// numbers and booleans stay unquoted so number and boolean lists convert; everything else is a string.
    /// </summary>
    private static string ListText(string name, YamlSequence list)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartArray();
            foreach (var item in list.Items)
            {
                if (item is not YamlScalar { IsNull: false } scalar)
                {
                    throw new UsageException($"{item.Span}: an item of list input '{name}' must be a plain value");
                }

                if (scalar.Style == ScalarStyle.Plain && (scalar.Value is "true" or "false"
                    || decimal.TryParse(scalar.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out _)))
                {
                    writer.WriteRawValue(scalar.Value == "true" || scalar.Value == "false" ? scalar.Value
                        : decimal.Parse(scalar.Value, NumberStyles.Float, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture));
                }
                else
                {
                    writer.WriteStringValue(scalar.Value);
                }
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
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
