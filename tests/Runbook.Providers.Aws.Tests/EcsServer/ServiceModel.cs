using System.Globalization;
using System.Text.Json.Nodes;

namespace Runbook.Providers.Aws.Tests.EcsServer;

/// <summary>
/// One AWS service's official definition (botocore's service-2.json, copied into the test output from
/// shared/specs/aws): the target prefix and signing name the server routes and verifies by, and the shapes it
/// checks every request body and every response body of its own against — so a misspelt member, a string where
/// a number belongs or a missing required member is caught here the way the real service would refuse it, and
/// the server cannot answer with a field the real one does not have.
/// </summary>
internal sealed class ServiceModel
{
    private readonly JsonObject _operations;
    private readonly JsonObject _shapes;

    private ServiceModel(JsonObject document)
    {
        var metadata = document["metadata"]!.AsObject();
        TargetPrefix = metadata["targetPrefix"]!.GetValue<string>();
        SigningName = metadata["signingName"]?.GetValue<string>() ?? metadata["endpointPrefix"]!.GetValue<string>();
        _operations = document["operations"]!.AsObject();
        _shapes = document["shapes"]!.AsObject();
    }

    public string TargetPrefix { get; }

    public string SigningName { get; }

    public static ServiceModel Load(string fileName)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "specs", fileName);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"{path} is missing: the test project copies it from shared/specs/aws beside the repository; check that folder exists and rebuild", path);
        }

        return new ServiceModel(JsonNode.Parse(File.ReadAllText(path))!.AsObject());
    }

    public bool HasOperation(string operation) => _operations.ContainsKey(operation);

    /// <summary>The error shapes the definition lists for an operation.</summary>
    public IReadOnlyList<string> Errors(string operation) =>
        [.. _operations[operation]?["errors"]?.AsArray().Select(e => e!["shape"]!.GetValue<string>()) ?? []];

    /// <summary>The input's problem as (error type, message), or null when it matches the input shape.</summary>
    public (string Type, string Message)? CheckInput(string operation, JsonObject body)
    {
        var shape = _operations[operation]!["input"]?["shape"]?.GetValue<string>();
        if (shape is null)
        {
            return null;
        }

        var problems = new List<(bool Serialization, string Message)>();
        Check(body, shape, string.Empty, problems);
        if (problems.Count == 0)
        {
            return null;
        }

        // A body that cannot be read into the shape is refused before validation, as the real services do;
        // validation problems come back together in the Coral wording.
        var serialization = problems.FirstOrDefault(p => p.Serialization);
        if (serialization.Message is not null)
        {
            return ("SerializationException", serialization.Message);
        }

        var validation = problems.Select(p => p.Message).ToList();
        return ("InvalidParameterException",
            $"{validation.Count} validation error{(validation.Count == 1 ? string.Empty : "s")} detected: {string.Join("; ", validation)}");
    }

    /// <summary>Problems of a response body against the output shape: any is a bug in the test server.</summary>
    public IReadOnlyList<string> CheckOutput(string operation, JsonObject body)
    {
        var shape = _operations[operation]!["output"]?["shape"]?.GetValue<string>();
        var problems = new List<(bool, string Message)>();
        if (shape is not null)
        {
            Check(body, shape, string.Empty, problems, output: true);
        }

        return [.. problems.Select(p => p.Message)];
    }

    private void Check(JsonNode? node, string shapeName, string path, List<(bool Serialization, string Message)> problems, bool output = false)
    {
        var shape = _shapes[shapeName]!.AsObject();
        var type = shape["type"]!.GetValue<string>();
        var where = path.Length == 0 ? "the body" : $"'{path}'";
        if (node is null)
        {
            return;
        }

        switch (type)
        {
            case "structure":
                if (node is not JsonObject obj)
                {
                    problems.Add((true, $"Expected an object for {where} ({shapeName})"));
                    return;
                }

                var members = shape["members"]!.AsObject();
                foreach (var (name, value) in obj)
                {
                    if (!members.TryGetPropertyValue(name, out var member))
                    {
                        problems.Add((true, $"Unknown member '{Join(path, name)}': {shapeName} has no such member"));
                        continue;
                    }

                    Check(value, member!["shape"]!.GetValue<string>(), Join(path, name), problems, output);
                }

                if (!output)
                {
                    foreach (var required in shape["required"]?.AsArray().Select(r => r!.GetValue<string>()) ?? [])
                    {
                        if (obj[required] is null)
                        {
                            problems.Add((false, $"Value null at '{Join(path, required)}' failed to satisfy constraint: Member must not be null"));
                        }
                    }
                }

                return;
            case "list":
                if (node is not JsonArray array)
                {
                    problems.Add((true, $"Expected a list for {where} ({shapeName})"));
                    return;
                }

                var item = shape["member"]!["shape"]!.GetValue<string>();
                for (var i = 0; i < array.Count; i++)
                {
                    Check(array[i], item, $"{path}.{i + 1}", problems, output);
                }

                if (!output && shape["min"] is { } min && array.Count < min.GetValue<int>())
                {
                    problems.Add((false, $"Value at '{path}' failed to satisfy constraint: Member must have length greater than or equal to {min}"));
                }

                return;
            case "map":
                if (node is not JsonObject map)
                {
                    problems.Add((true, $"Expected a map for {where} ({shapeName})"));
                    return;
                }

                var valueShape = shape["value"]!["shape"]!.GetValue<string>();
                foreach (var (key, value) in map)
                {
                    Check(value, valueShape, Join(path, key), problems, output);
                }

                return;
            case "string":
                if (node.GetValueKind() != System.Text.Json.JsonValueKind.String)
                {
                    problems.Add((true, $"Expected a string for {where}, got {node.GetValueKind()}"));
                }
                else if (!output && shape["enum"] is JsonArray allowed && !allowed.Any(a => a!.GetValue<string>() == node.GetValue<string>()))
                {
                    problems.Add((false, $"Value '{node.GetValue<string>()}' at '{path}' failed to satisfy constraint: Member must satisfy enum value set: [{string.Join(", ", allowed.Select(a => a!.GetValue<string>()))}]"));
                }

                return;
            case "integer" or "long":
                if (node.GetValueKind() != System.Text.Json.JsonValueKind.Number
                    || !long.TryParse(node.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole))
                {
                    problems.Add((true, $"Expected a whole number for {where}, got {node.ToJsonString()}"));
                }
                else if (!output && ((shape["min"] is { } low && whole < low.GetValue<long>()) || (shape["max"] is { } high && whole > high.GetValue<long>())))
                {
                    problems.Add((false, $"Value '{whole}' at '{path}' failed to satisfy constraint: Member must be between {shape["min"]?.ToJsonString() ?? "-inf"} and {shape["max"]?.ToJsonString() ?? "inf"}"));
                }

                return;
            case "double" or "float" or "timestamp":
                if (node.GetValueKind() != System.Text.Json.JsonValueKind.Number)
                {
                    problems.Add((true, $"Expected a number for {where} ({type}), got {node.GetValueKind()}"));
                }

                return;
            case "boolean":
                if (node.GetValueKind() is not (System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False))
                {
                    problems.Add((true, $"Expected true or false for {where}, got {node.ToJsonString()}"));
                }

                return;
            case "blob":
                if (node.GetValueKind() != System.Text.Json.JsonValueKind.String)
                {
                    problems.Add((true, $"Expected base64 text for {where}"));
                }

                return;
            default:
                return;
        }
    }

    private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";
}
