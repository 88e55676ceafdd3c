using System.Text.Json.Nodes;

namespace Runbook.Providers.Azure.Tests.ArmServer;

/// <summary>
/// The official Microsoft.App API definitions (swagger, api-version 2026-01-01) with ARM's common types, as copied
/// beside the test assembly: the server checks every body it sends against them (a property the spec does not
/// define, a wrong type or a value outside an enum is a bug in the server) and rejects a request body that names a
/// property the spec does not define, as ARM's strict deserialization does.
/// </summary>
internal sealed class SpecModel
{
    private readonly string _root;
    private readonly Dictionary<string, JsonObject> _files = new(StringComparer.Ordinal);

    private SpecModel(string root) => _root = root;

    /// <summary>The api-version the definitions describe.</summary>
    public const string SpecApiVersion = "2026-01-01";

    public const string ContainerApp = "Microsoft.App-2026-01-01/ContainerApps.json#/definitions/ContainerApp";
    public const string ContainerAppCollection = "Microsoft.App-2026-01-01/ContainerApps.json#/definitions/ContainerAppCollection";
    public const string ContainerAppAuthToken = "Microsoft.App-2026-01-01/ContainerApps.json#/definitions/ContainerAppAuthToken";
    public const string Revision = "Microsoft.App-2026-01-01/ContainerAppsRevisions.json#/definitions/Revision";
    public const string RevisionCollection = "Microsoft.App-2026-01-01/ContainerAppsRevisions.json#/definitions/RevisionCollection";
    public const string Replica = "Microsoft.App-2026-01-01/ContainerAppsRevisions.json#/definitions/Replica";
    public const string ReplicaCollection = "Microsoft.App-2026-01-01/ContainerAppsRevisions.json#/definitions/ReplicaCollection";
    public const string OperationStatus = "common-types/resource-management/v5/types.json#/definitions/OperationStatusResult";
    public const string ErrorResponse = "common-types/resource-management/v5/types.json#/definitions/ErrorResponse";

    /// <summary>The definitions copied to specs/azure beside the test assembly.</summary>
    public static SpecModel Load() => new(Path.Combine(AppContext.BaseDirectory, "specs", "azure"));

    /// <summary>Every way <paramref name="value"/> departs from the definition <paramref name="reference"/> (file#/pointer), as "path: what".</summary>
    public IReadOnlyList<string> Check(JsonNode? value, string reference, bool strictEnums = true)
    {
        var problems = new List<string>();
        var (file, schema) = Resolve(null, reference);
        Check(value, file, schema, "$", problems, strictEnums, depth: 0);
        return problems;
    }

    /// <summary>True when the definition names <paramref name="property"/> at the dotted <paramref name="path"/> (e.g. "properties.template.scale").</summary>
    public bool Defines(string reference, string path)
    {
        var (file, schema) = Resolve(null, reference);
        foreach (var name in path.Split('.'))
        {
            var (owner, property) = FindProperty(file, schema, name);
            if (property is null)
            {
                return false;
            }

            (file, schema) = Follow(owner, property);
        }

        return true;
    }

    private void Check(JsonNode? value, string file, JsonObject schema, string path, List<string> problems, bool strictEnums, int depth)
    {
        (file, schema) = Follow(file, schema);
        if (value is null || depth > 40)
        {
            return;
        }

        var type = (string?)schema["type"];
        switch (value)
        {
            case JsonObject obj:
                if (type is not null and not "object")
                {
                    problems.Add($"{path}: an object where the spec has {type}");
                    return;
                }

                foreach (var (name, child) in obj)
                {
                    var (owner, property) = FindProperty(file, schema, name);
                    if (property is not null)
                    {
                        Check(child, owner, property, $"{path}.{name}", problems, strictEnums, depth + 1);
                    }
                    else if (AdditionalProperties(file, schema) is { } additional)
                    {
                        if (additional.Schema is not null)
                        {
                            Check(child, additional.File, additional.Schema, $"{path}.{name}", problems, strictEnums, depth + 1);
                        }
                    }
                    else if (HasShape(file, schema))
                    {
                        problems.Add($"{path}.{name}: not a property of the spec's definition");
                    }
                }

                break;
            case JsonArray array:
                if (type is not null and not "array")
                {
                    problems.Add($"{path}: an array where the spec has {type}");
                    return;
                }

                if (schema["items"] is JsonObject items)
                {
                    for (var i = 0; i < array.Count; i++)
                    {
                        Check(array[i], file, items, $"{path}[{i}]", problems, strictEnums, depth + 1);
                    }
                }

                break;
            case JsonValue scalar:
                var kind = scalar.GetValueKind();
                var fits = type switch
                {
                    "string" => kind == System.Text.Json.JsonValueKind.String,
                    "integer" => kind == System.Text.Json.JsonValueKind.Number
                        && decimal.TryParse(scalar.ToJsonString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var number)
                        && decimal.IsInteger(number),
                    "number" => kind == System.Text.Json.JsonValueKind.Number,
                    "boolean" => kind is System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False,
                    "object" or "array" => false,
                    _ => true,
                };
                if (!fits)
                {
                    problems.Add($"{path}: {kind} where the spec has {type}");
                }
                else if (strictEnums && schema["enum"] is JsonArray allowed && kind == System.Text.Json.JsonValueKind.String
                    && !allowed.Any(a => (string?)a == scalar.GetValue<string>()))
                {
                    problems.Add($"{path}: '{scalar.GetValue<string>()}' is not one of the spec's values ({string.Join(", ", allowed.Select(a => (string?)a))})");
                }

                break;
        }
    }

    /// <summary>Whether a definition says what its object holds (properties or allOf); a bare "type: object" is free-form.</summary>
    private bool HasShape(string file, JsonObject schema) =>
        schema["properties"] is JsonObject || (schema["allOf"] as JsonArray)?.Any(a => a is JsonObject part && HasShape(Follow(file, part))) == true;

    private bool HasShape((string File, JsonObject Schema) resolved) => HasShape(resolved.File, resolved.Schema);

    private (string File, JsonObject? Schema)? AdditionalProperties(string file, JsonObject schema)
    {
        switch (schema["additionalProperties"])
        {
            case JsonObject additional:
                return (file, additional);
            case JsonValue flag when flag.GetValueKind() == System.Text.Json.JsonValueKind.True:
                return (file, null);
        }

        if (!HasShape(file, schema))
        {
            return (file, null);
        }

        foreach (var part in (schema["allOf"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var (partFile, partSchema) = Follow(file, part);
            if (AdditionalProperties(partFile, partSchema) is { } found && HasShape(partFile, partSchema))
            {
                return found;
            }
        }

        return null;
    }

    private (string File, JsonObject? Schema) FindProperty(string file, JsonObject schema, string name)
    {
        (file, schema) = Follow(file, schema);
        if (schema["properties"] is JsonObject properties && properties[name] is JsonObject property)
        {
            return (file, property);
        }

        foreach (var part in (schema["allOf"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var found = FindProperty(file, part, name);
            if (found.Schema is not null)
            {
                return found;
            }
        }

        return (file, null);
    }

    private (string File, JsonObject Schema) Follow(string file, JsonObject schema)
    {
        for (var hops = 0; schema["$ref"] is JsonValue reference && hops < 20; hops++)
        {
            (file, schema) = Resolve(file, (string)reference!);
        }

        return (file, schema);
    }

    private (string File, JsonObject Schema) Resolve(string? fromFile, string reference)
    {
        var hash = reference.IndexOf('#', StringComparison.Ordinal);
        var target = hash < 0 ? reference : reference[..hash];
        var pointer = hash < 0 ? string.Empty : reference[(hash + 1)..];
        string file;
        if (target.Length == 0)
        {
            file = fromFile ?? throw new ArgumentException($"a local reference '{reference}' without a file");
        }
        else if (target.Contains("common-types/", StringComparison.Ordinal))
        {
            // The spec refers to ARM's common types by a path into the azure-rest-api-specs tree; the copy keeps
            // them under common-types/ beside the Microsoft.App folder.
            file = target[target.IndexOf("common-types/", StringComparison.Ordinal)..];
        }
        else
        {
            var directory = fromFile is null ? string.Empty : Path.GetDirectoryName(fromFile) ?? string.Empty;
            file = Path.GetRelativePath(_root, Path.GetFullPath(Path.Combine(_root, directory, target))).Replace('\\', '/');
        }

        JsonNode node = Document(file);
        foreach (var segment in pointer.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            node = node[segment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)]
                ?? throw new InvalidOperationException($"the spec has no {pointer} in {file}");
        }

        return (file, (JsonObject)node);
    }

    private JsonObject Document(string file)
    {
        lock (_files)
        {
            if (!_files.TryGetValue(file, out var document))
            {
                var path = Path.Combine(_root, file);
                if (!File.Exists(path))
                {
                    throw new FileNotFoundException($"the API definition {file} is not beside the tests (specs/azure); the csproj copies ../shared/specs/azure", path);
                }

                document = (JsonObject)JsonNode.Parse(File.ReadAllText(path))!;
                _files[file] = document;
            }

            return document;
        }
    }
}
