using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Runbook.Providers.Gcp.Tests.CloudRunServer;

/// <summary>
/// One Google API's official discovery document (copied into the test output from shared/specs/gcp): the schemas
/// the server checks every response of its own against — so it cannot answer with a property, a type or an enum
/// value the real API does not have — and checks request bodies against, refusing unknown fields the way Google's
/// JSON front end does (<c>Invalid JSON payload received. Unknown name "x"</c>).
/// </summary>
public sealed class DiscoveryDocument
{
    private readonly JsonObject _schemas;

    private DiscoveryDocument(JsonObject document) => _schemas = document["schemas"]!.AsObject();

    public static DiscoveryDocument Load(string fileName)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "specs", fileName);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"{path} is missing: the test project copies it from shared/specs/gcp beside the repository; check that folder exists and rebuild", path);
        }

        return new DiscoveryDocument(JsonNode.Parse(File.ReadAllText(path))!.AsObject());
    }

    public bool HasSchema(string name) => _schemas.ContainsKey(name);

    /// <summary>The property names a schema declares.</summary>
    public IReadOnlyList<string> Properties(string schema) =>
        [.. _schemas[schema]?["properties"]?.AsObject().Select(p => p.Key) ?? []];

    /// <summary>Whether the document marks a property output only (a client's value for it is ignored).</summary>
    public bool IsReadOnly(string schema, string property) =>
        _schemas[schema]?["properties"]?[property]?["readOnly"]?.GetValue<bool>() == true;

    /// <summary>
    /// Problems of <paramref name="value"/> against <paramref name="schema"/>: a property the schema lacks, a wrong JSON
    /// type, an enum value it does not list, an int64 not written as a string. Empty when it conforms. A google.protobuf.Any
    /// (an object with "@type") is checked against the schema its type URL names, when this document has it.
    /// </summary>
    public IReadOnlyList<string> Check(string schema, JsonNode? value, bool request = false)
    {
        var problems = new List<string>();
        CheckSchema(_schemas[schema]!.AsObject(), value, schema, problems, request);
        return problems;
    }

    private void CheckSchema(JsonObject schema, JsonNode? value, string path, List<string> problems, bool request)
    {
        if (schema["$ref"] is { } reference)
        {
            var name = reference.GetValue<string>();
            CheckSchema(_schemas[name]!.AsObject(), value, path, problems, request);
            return;
        }

        if (value is null)
        {
            return;
        }

        var type = schema["type"]?.GetValue<string>();
        var format = schema["format"]?.GetValue<string>();
        switch (type)
        {
            case "object":
                if (value is not JsonObject obj)
                {
                    problems.Add($"{path}: expected an object, got {value.GetValueKind()}");
                    return;
                }

                if (schema["properties"] is JsonObject properties)
                {
                    foreach (var (key, child) in obj)
                    {
                        if (properties[key] is JsonObject property)
                        {
                            CheckSchema(property, child, $"{path}.{key}", problems, request);
                        }
                        else
                        {
                            problems.Add($"{path}: unknown property '{key}'");
                        }
                    }
                }
                else if (schema["additionalProperties"] is JsonObject additional)
                {
                    if (additional["type"]?.GetValue<string>() == "any" && obj["@type"] is JsonValue any)
                    {
                        CheckAny(any.GetValue<string>(), obj, path, problems, request);
                        return;
                    }

                    foreach (var (key, child) in obj)
                    {
                        CheckSchema(additional, child, $"{path}[{key}]", problems, request);
                    }
                }

                return;
            case "array":
                if (value is not JsonArray array)
                {
                    problems.Add($"{path}: expected an array, got {value.GetValueKind()}");
                    return;
                }

                for (var i = 0; i < array.Count; i++)
                {
                    CheckSchema(schema["items"]!.AsObject(), array[i], $"{path}[{i}]", problems, request);
                }

                return;
            case "boolean":
                if (value.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
                {
                    problems.Add($"{path}: expected a boolean, got {value.GetValueKind()}");
                }

                return;
            case "integer" or "number":
                // proto3 JSON: parsers accept a number or a numeric string; a server writes numbers.
                if (value.GetValueKind() != JsonValueKind.Number
                    && !(request && value.GetValueKind() == JsonValueKind.String && double.TryParse(value.GetValue<string>(), CultureInfo.InvariantCulture, out _)))
                {
                    problems.Add($"{path}: expected a number, got {value.GetValueKind()}");
                }

                return;
            case "string":
                if (format is "int64" or "uint64")
                {
                    // proto3 JSON writes 64-bit integers as strings; parsers take a number too.
                    var ok = value.GetValueKind() == JsonValueKind.String
                        ? long.TryParse(value.GetValue<string>(), CultureInfo.InvariantCulture, out _)
                        : request && value.GetValueKind() == JsonValueKind.Number;
                    if (!ok)
                    {
                        problems.Add($"{path}: expected a 64-bit integer written as a string, got {value.ToJsonString()}");
                    }

                    return;
                }

                if (schema["enum"] is JsonArray values)
                {
                    if (request && value.GetValueKind() == JsonValueKind.Number)
                    {
                        // proto3 JSON parsers take an enum's number too (the JS client's REST mode may send numbers).
                        return;
                    }

                    if (value.GetValueKind() != JsonValueKind.String || !values.Any(v => v!.GetValue<string>() == value.GetValue<string>()))
                    {
                        problems.Add($"{path}: {value.ToJsonString()} is not one of the enum's values");
                    }

                    return;
                }

                if (value.GetValueKind() != JsonValueKind.String)
                {
                    problems.Add($"{path}: expected a string, got {value.GetValueKind()}");
                }

                return;
            case "any":
                return;
            default:
                problems.Add($"{path}: the document's schema has type '{type}', which this checker does not know");
                return;
        }
    }

    /// <summary>
    /// Rewrites the enums in <paramref name="value"/> (of <paramref name="schema"/>) in place: to their numbers when
    /// <paramref name="toNumbers"/>, else numbers to names. Returns what it could not convert (an enum missing from
    /// <see cref="ProtoEnums"/>, a number the enum does not have).
    /// </summary>
    public IReadOnlyList<string> ConvertEnums(string schema, JsonNode? value, bool toNumbers)
    {
        var problems = new List<string>();
        RewriteEnums(_schemas[schema]!.AsObject(), value, schema, toNumbers, problems);
        return problems;
    }

    private void RewriteEnums(JsonObject schema, JsonNode? value, string path, bool toNumbers, List<string> problems)
    {
        if (schema["$ref"] is { } reference)
        {
            RewriteEnums(_schemas[reference.GetValue<string>()]!.AsObject(), value, path, toNumbers, problems);
            return;
        }

        switch (value)
        {
            case JsonObject obj when schema["properties"] is JsonObject properties:
                foreach (var (key, child) in obj.ToList())
                {
                    if (properties[key] is JsonObject property)
                    {
                        if (property["enum"] is JsonArray values && child is JsonValue leaf)
                        {
                            var replaced = ConvertEnum(values[0]!.GetValue<string>(), leaf, toNumbers, $"{path}.{key}", problems);
                            if (replaced is not null)
                            {
                                obj[key] = replaced;
                            }
                        }
                        else
                        {
                            RewriteEnums(property, child, $"{path}.{key}", toNumbers, problems);
                        }
                    }
                }

                return;
            case JsonObject packed when IsAny(schema) && packed["@type"] is JsonValue typeUrl:
                if (TypeUrlSchema(typeUrl.GetValue<string>()) is { } name && _schemas.ContainsKey(name))
                {
                    RewriteEnums(_schemas[name]!.AsObject(), packed, $"{path}<{name}>", toNumbers, problems);
                }

                return;
            case JsonArray array when schema["items"] is JsonObject items:
                for (var i = 0; i < array.Count; i++)
                {
                    if (items["enum"] is JsonArray values && array[i] is JsonValue leaf)
                    {
                        if (ConvertEnum(values[0]!.GetValue<string>(), leaf, toNumbers, $"{path}[{i}]", problems) is { } replaced)
                        {
                            array[i] = replaced;
                        }
                    }
                    else
                    {
                        RewriteEnums(items, array[i], $"{path}[{i}]", toNumbers, problems);
                    }
                }

                return;
            default:
                return;
        }
    }

    /// <summary>A google.protobuf.Any: an object whose values may be anything, named by its "@type".</summary>
    private static bool IsAny(JsonObject schema) =>
        schema["additionalProperties"] is JsonObject additional && additional["type"]?.GetValue<string>() == "any";

    private static JsonNode? ConvertEnum(string firstValue, JsonValue leaf, bool toNumbers, string path, List<string> problems)
    {
        if (toNumbers && leaf.GetValueKind() == JsonValueKind.String)
        {
            var number = ProtoEnums.Number(firstValue, leaf.GetValue<string>());
            if (number is null)
            {
                problems.Add($"{path}: no proto number known for enum value {leaf.GetValue<string>()}");
            }

            return number is { } n ? JsonValue.Create(n) : null;
        }

        if (!toNumbers && leaf.GetValueKind() == JsonValueKind.Number)
        {
            var name = ProtoEnums.Name(firstValue, leaf.GetValue<int>());
            if (name is null)
            {
                problems.Add($"{path}: {leaf.GetValue<int>()} is not a number of the enum {firstValue[..firstValue.LastIndexOf('_')]}");
            }

            return name is null ? null : JsonValue.Create(name);
        }

        return null;
    }

    private void CheckAny(string typeUrl, JsonObject value, string path, List<string> problems, bool request)
    {
        var name = TypeUrlSchema(typeUrl);
        if (name is null || !_schemas.ContainsKey(name))
        {
            problems.Add($"{path}: '@type' {typeUrl} names no schema of this document");
            return;
        }

        var copy = value.DeepClone().AsObject();
        copy.Remove("@type");
        CheckSchema(_schemas[name]!.AsObject(), copy, $"{path}<{name}>", problems, request);
    }

    /// <summary>type.googleapis.com/google.cloud.run.v2.Service → GoogleCloudRunV2Service, as the discovery document names schemas.</summary>
    public static string? TypeUrlSchema(string typeUrl)
    {
        const string Prefix = "type.googleapis.com/";
        if (!typeUrl.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var parts = typeUrl[Prefix.Length..].Split('.');
        return string.Concat(parts.Select(p => p.Length == 0 ? p : char.ToUpperInvariant(p[0]) + p[1..]));
    }
}
