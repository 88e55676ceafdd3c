using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Runbook.Providers.Aws;

namespace Runbook.Providers.Aws.Tests.Provider;

/// <summary>
/// The request and response types are written by hand; these tests walk each of them against its shape in the
/// official service definitions (shared/specs/aws/*.service-2.json), member by member and level by level, so a
/// misspelt field (which ECS would ignore or reject) or a wrong type cannot pass.
/// </summary>
public sealed class FieldNameTests
{
    public static TheoryData<string, string, string> Types() => new()
    {
        { "ecs", nameof(DescribeServicesRequest), "DescribeServicesRequest" },
        { "ecs", nameof(DescribeServicesResponse), "DescribeServicesResponse" },
        { "ecs", nameof(DescribeTaskDefinitionRequest), "DescribeTaskDefinitionRequest" },
        { "ecs", nameof(EcsTaskDefinition), "TaskDefinition" },
        { "ecs", nameof(UpdateServiceRequest), "UpdateServiceRequest" },
        { "ecs", nameof(UpdateServiceResponse), "UpdateServiceResponse" },
        { "ecs", nameof(RegisterTaskDefinitionResponse), "RegisterTaskDefinitionResponse" },
        { "ecs", nameof(ListTaskDefinitionsRequest), "ListTaskDefinitionsRequest" },
        { "ecs", nameof(ListTaskDefinitionsResponse), "ListTaskDefinitionsResponse" },
        { "ecs", nameof(ListTasksRequest), "ListTasksRequest" },
        { "ecs", nameof(ListTasksResponse), "ListTasksResponse" },
        { "ecs", nameof(DescribeTasksRequest), "DescribeTasksRequest" },
        { "ecs", nameof(DescribeTasksResponse), "DescribeTasksResponse" },
        { "logs", nameof(FilterLogEventsRequest), "FilterLogEventsRequest" },
        { "logs", nameof(FilterLogEventsResponse), "FilterLogEventsResponse" },
    };

    [Theory]
    [MemberData(nameof(Types))]
    public void Every_field_we_send_or_read_is_a_member_of_its_shape_with_a_matching_type(string service, string type, string shape)
    {
        var shapes = Shapes(service);
        var info = AwsJson.Default.GetTypeInfo(typeof(AwsJson).Assembly.GetType($"Runbook.Providers.Aws.{type}", throwOnError: true)!)!;
        var problems = new List<string>();

        Walk(info, shape, shapes, type, problems);

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void The_fields_deploy_drops_are_exactly_those_of_TaskDefinition_that_RegisterTaskDefinition_does_not_accept()
    {
        var shapes = Shapes("ecs");
        var described = Members(shapes, "TaskDefinition");
        var accepted = Members(shapes, "RegisterTaskDefinitionRequest");

        Assert.Equal(described.Except(accepted).Order(StringComparer.Ordinal), TaskDefinitionCopy.SetByEcs.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_walk_catches_a_misspelt_member()
    {
        var problems = new List<string>();

        Walk(AwsJson.Default.GetTypeInfo(typeof(EcsFailure))!, "Deployment", Shapes("ecs"), "EcsFailure-as-Deployment", problems);

        Assert.Contains(problems, p => p.Contains("'arn'", StringComparison.Ordinal));
    }

    private static void Walk(JsonTypeInfo info, string shape, JsonObject shapes, string path, List<string> problems)
    {
        var members = shapes[shape]?["members"] as JsonObject;
        if (members is null)
        {
            problems.Add($"{path}: shape {shape} is not a structure");
            return;
        }

        foreach (var property in info.Properties)
        {
            if (members[property.Name] is not JsonObject member)
            {
                problems.Add($"{path}.{property.Name}: '{property.Name}' is not a member of {shape} (members: {string.Join(", ", members.Select(m => m.Key))})");
                continue;
            }

            CheckType(property.PropertyType, (string)member["shape"]!, shapes, $"{path}.{property.Name}", problems);
        }
    }

    private static void CheckType(Type type, string shape, JsonObject shapes, string path, List<string> problems)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        var definition = (JsonObject)shapes[shape]!;
        var kind = (string)definition["type"]!;
        var ok = kind switch
        {
            "string" => type == typeof(string),
            "integer" => type == typeof(int),
            "long" => type == typeof(long),
            "boolean" => type == typeof(bool),
            "timestamp" => type == typeof(double) || type == typeof(long),
            "list" => type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyList<>),
            "map" => type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>),
            "structure" => type.Namespace == "Runbook.Providers.Aws",
            _ => false,
        };
        if (!ok)
        {
            problems.Add($"{path}: {type.Name} does not hold a {kind} ({shape})");
            return;
        }

        if (kind == "list")
        {
            CheckType(type.GetGenericArguments()[0], (string)definition["member"]!["shape"]!, shapes, path + "[]", problems);
        }
        else if (kind == "structure")
        {
            Walk(AwsJson.Default.GetTypeInfo(type)!, shape, shapes, path, problems);
        }
    }

    private static HashSet<string> Members(JsonObject shapes, string shape) =>
        [.. ((JsonObject)shapes[shape]!["members"]!).Select(m => m.Key)];

    internal static JsonObject Shapes(string service)
    {
        var file = service == "ecs" ? "ecs-2014-11-13.service-2.json" : "logs-2014-03-28.service-2.json";
        var path = Path.Combine(AppContext.BaseDirectory, "specs", file);
        return (JsonObject)JsonNode.Parse(File.ReadAllText(path))!["shapes"]!;
    }
}
