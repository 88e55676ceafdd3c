using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Runbook.Providers.Gcp;

namespace Runbook.Providers.Gcp.Tests.Provider;

/// <summary>
/// The request and response types are written by hand; these tests walk each of them against its schema in the official
/// discovery documents (shared/specs/gcp/*.discovery.json), property by property and level by level, so a misspelt field
/// (which Google would ignore, or answer with INVALID_ARGUMENT) or a wrong type cannot pass.
/// </summary>
public sealed class FieldNameTests
{
    public static TheoryData<string, string, string> Types() => new()
    {
        { "run", nameof(RunService), "GoogleCloudRunV2Service" },
        { "run", nameof(RunRevision), "GoogleCloudRunV2Revision" },
        { "run", nameof(RunRevisionList), "GoogleCloudRunV2ListRevisionsResponse" },
        { "run", nameof(RunOperation), "GoogleLongrunningOperation" },
        { "run", nameof(GoogleRpcStatus), "GoogleRpcStatus" },
        { "logging", nameof(ListLogEntriesRequest), "ListLogEntriesRequest" },
        { "logging", nameof(ListLogEntriesResponse), "ListLogEntriesResponse" },
    };

    [Theory]
    [MemberData(nameof(Types))]
    public void Every_field_we_send_or_read_is_a_property_of_its_schema_with_a_matching_type(string api, string type, string schema)
    {
        var schemas = Schemas(api);
        var info = Info(typeof(GcpJson).Assembly.GetType($"Runbook.Providers.Gcp.{type}", throwOnError: true)!);
        var problems = new List<string>();

        Walk(info, schema, schemas, type, problems);

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void The_error_body_holds_the_fields_of_a_google_rpc_status_and_its_http_status_name()
    {
        var status = Properties(Schemas("run"), "GoogleRpcStatus");
        var problems = new List<string>();

        foreach (var property in Info(typeof(GoogleError)).Properties.Where(p => p.Name != "status"))
        {
            if (!status.Contains(property.Name))
            {
                problems.Add($"GoogleError.{property.Name} is not a field of GoogleRpcStatus");
            }
        }

        Assert.Empty(problems);
    }

    [Fact]
    public void The_traffic_types_and_condition_states_we_compare_with_are_values_of_their_enums()
    {
        var schemas = Schemas("run");
        var types = Enum(schemas, "GoogleCloudRunV2TrafficTarget", "type");
        var states = Enum(schemas, "GoogleCloudRunV2Condition", "state");

        Assert.Contains(CloudRunServiceBackend.LatestType, types);
        Assert.Contains(CloudRunServiceBackend.RevisionType, types);
        Assert.Contains("CONDITION_SUCCEEDED", states);
        Assert.Contains("CONDITION_FAILED", states);
    }

    [Fact]
    public void The_walk_catches_a_misspelt_property()
    {
        var problems = new List<string>();

        Walk(Info(typeof(RunCondition)), "GoogleCloudRunV2TrafficTarget", Schemas("run"), "RunCondition-as-TrafficTarget", problems);

        Assert.Contains(problems, p => p.Contains("'state'", StringComparison.Ordinal));
    }

    /// <summary>
    /// Every property path of a JSON body (objects and arrays followed, map values not) against a schema: what services.patch
    /// sends, which is Cloud Run's own Service with our changes, must still be a Service.
    /// </summary>
    internal static List<string> PathsOutsideSchema(JsonObject body, string schema, string api)
    {
        var problems = new List<string>();
        WalkJson(body, schema, Schemas(api), string.Empty, problems);
        return problems;
    }

    private static void WalkJson(JsonObject body, string schema, JsonObject schemas, string path, List<string> problems)
    {
        var properties = schemas[schema]?["properties"] as JsonObject;
        foreach (var (name, value) in body)
        {
            if (properties?[name] is not JsonObject property)
            {
                problems.Add($"{path}{name}: not a property of {schema}");
                continue;
            }

            var target = property["$ref"]?.GetValue<string>() ?? property["items"]?["$ref"]?.GetValue<string>();
            if (target is null)
            {
                continue;
            }

            foreach (var child in value is JsonArray array ? array.OfType<JsonObject>() : value is JsonObject single ? [single] : [])
            {
                WalkJson(child, target, schemas, $"{path}{name}.", problems);
            }
        }
    }

    private static JsonTypeInfo Info(Type type) => GcpJson.Default.GetTypeInfo(type) ?? throw new InvalidOperationException($"{type.Name} is not in GcpJson");

    private static void Walk(JsonTypeInfo info, string schema, JsonObject schemas, string path, List<string> problems)
    {
        if (schemas[schema]?["properties"] is not JsonObject properties)
        {
            problems.Add($"{path}: schema {schema} has no properties");
            return;
        }

        foreach (var property in info.Properties)
        {
            if (properties[property.Name] is not JsonObject definition)
            {
                problems.Add($"{path}.{property.Name}: '{property.Name}' is not a property of {schema} (properties: {string.Join(", ", properties.Select(p => p.Key))})");
                continue;
            }

            CheckType(property.PropertyType, definition, schemas, $"{path}.{property.Name}", problems);
        }
    }

    private static void CheckType(Type type, JsonObject definition, JsonObject schemas, string path, List<string> problems)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (definition["$ref"]?.GetValue<string>() is { } reference)
        {
            if (type.Namespace != "Runbook.Providers.Gcp" || GcpJson.Default.GetTypeInfo(type) is not { } info)
            {
                problems.Add($"{path}: {type.Name} does not hold a {reference}");
                return;
            }

            Walk(info, reference, schemas, path, problems);
            return;
        }

        var kind = definition["type"]?.GetValue<string>();
        var format = definition["format"]?.GetValue<string>();
        var ok = kind switch
        {
            // int64 and uint64 travel as JSON strings in Google's JSON mapping.
            "string" => type == typeof(string),
            "integer" => type == typeof(int) && format is "int32" or null,
            "boolean" => type == typeof(bool),
            "number" => type == typeof(double),
            "array" => type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyList<>),
            "object" when definition["additionalProperties"] is JsonObject values && values["type"]?.GetValue<string>() == "string" =>
                type == typeof(IReadOnlyDictionary<string, string>),
            "object" => type == typeof(JsonObject),
            _ => false,
        };
        if (!ok)
        {
            problems.Add($"{path}: {type.Name} does not hold a {kind}{(format is null ? string.Empty : $" ({format})")}");
            return;
        }

        if (kind == "array")
        {
            CheckType(type.GetGenericArguments()[0], (JsonObject)definition["items"]!, schemas, path + "[]", problems);
        }
    }

    private static HashSet<string> Properties(JsonObject schemas, string schema) =>
        [.. ((JsonObject)schemas[schema]!["properties"]!).Select(p => p.Key)];

    private static HashSet<string> Enum(JsonObject schemas, string schema, string property) =>
        [.. ((JsonArray)schemas[schema]!["properties"]![property]!["enum"]!).Select(v => v!.GetValue<string>())];

    internal static JsonObject Schemas(string api)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "specs", api == "run" ? "run.v2.discovery.json" : "logging.v2.discovery.json");
        return (JsonObject)JsonNode.Parse(File.ReadAllText(path))!["schemas"]!;
    }
}
