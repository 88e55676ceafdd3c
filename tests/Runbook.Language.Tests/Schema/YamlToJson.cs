using System.Globalization;
using Newtonsoft.Json.Linq;
using YamlDotNet.RepresentationModel;

namespace Runbook.Language.Tests.Schema;

/// <summary>
/// Reads a playbook as a JSON document the way a YAML language server does: plain scalars by the YAML 1.2
/// core schema (null, booleans, numbers), quoted and block scalars as strings, merge keys resolved.
/// </summary>
internal static class YamlToJson
{
    public static JToken Convert(string path)
    {
        using var reader = new StringReader(File.ReadAllText(path));
        var stream = new YamlStream();
        stream.Load(reader);
        return ToToken(stream.Documents[0].RootNode);
    }

    private static JToken ToToken(YamlNode node) => node switch
    {
        YamlMappingNode map => ToObject(map),
        YamlSequenceNode seq => new JArray(seq.Children.Select(ToToken)),
        YamlScalarNode scalar => ToScalar(scalar),
        _ => throw new InvalidOperationException($"unexpected YAML node {node.NodeType}"),
    };

    /// <summary>A mapping; merge keys (&lt;&lt;) bring entries that explicit keys override, as YAML defines.</summary>
    private static JObject ToObject(YamlMappingNode map)
    {
        var result = new JObject();
        foreach (var (key, value) in map.Children)
        {
            var name = ((YamlScalarNode)key).Value!;
            if (name != "<<")
            {
                result[name] = ToToken(value);
            }
        }

        foreach (var (key, value) in map.Children.Where(e => ((YamlScalarNode)e.Key).Value == "<<"))
        {
            foreach (var merged in value is YamlSequenceNode seq ? seq.Children : [value])
            {
                foreach (var property in ToObject((YamlMappingNode)merged).Properties().Where(p => result[p.Name] is null))
                {
                    result[property.Name] = property.Value;
                }
            }
        }

        return result;
    }

    private static JValue ToScalar(YamlScalarNode scalar)
    {
        var value = scalar.Value ?? string.Empty;
        if (scalar.Style != YamlDotNet.Core.ScalarStyle.Plain)
        {
            return new JValue(value);
        }

        return value switch
        {
            "" or "~" or "null" or "Null" or "NULL" => JValue.CreateNull(),
            "true" or "True" or "TRUE" => new JValue(true),
            "false" or "False" or "FALSE" => new JValue(false),
            _ when long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) => new JValue(n),
            _ when decimal.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => new JValue(d),
            _ => new JValue(value),
        };
    }
}
