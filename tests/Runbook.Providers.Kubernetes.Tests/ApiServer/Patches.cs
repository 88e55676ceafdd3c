using System.Text.Json.Nodes;

namespace Runbook.Providers.Kubernetes.Tests.ApiServer;

/// <summary>The three PATCH formats the API server takes: JSON merge patch, strategic merge patch, JSON patch.</summary>
internal static class Patches
{
    /// <summary>RFC 7386: objects merge, null deletes, anything else replaces.</summary>
    public static JsonNode? Merge(JsonNode? target, JsonNode? patch, bool strategic, string path = "")
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var result = target as JsonObject ?? new JsonObject();
        foreach (var (key, value) in patchObject)
        {
            if (key.StartsWith('$'))
            {
                continue; // $patch, $setElementOrder/…, $retainKeys: directives; the lists here merge by name anyway.
            }

            if (value is null)
            {
                result.Remove(key);
            }
            else if (strategic && value is JsonArray items && MergeKey(key) is { } mergeKey && result[key] is JsonArray existing)
            {
                result[key] = MergeByKey(existing, items, mergeKey, $"{path}/{key}");
            }
            else
            {
                result[key] = Merge(result[key]?.DeepClone(), value, strategic, $"{path}/{key}");
            }
        }

        return result;
    }

    /// <summary>Strategic merge patch merges these lists by a key instead of replacing them (as the Pod schema's patchMergeKey says).</summary>
    internal static string? MergeKey(string field) => field switch
    {
        "containers" or "initContainers" or "env" or "volumes" or "volumeMounts" or "imagePullSecrets" => "name",
        "ports" => "containerPort",
        _ => null,
    };

    private static JsonArray MergeByKey(JsonArray existing, JsonArray patch, string key, string path)
    {
        var result = new JsonArray([.. existing.Select(e => e?.DeepClone())]);
        foreach (var item in patch)
        {
            var id = item?[key]?.ToJsonString();
            var match = result.FirstOrDefault(e => e?[key]?.ToJsonString() == id);
            if (item?["$patch"]?.GetValue<string>() == "delete")
            {
                result.Remove(match);
            }
            else if (match is not null)
            {
                var index = result.IndexOf(match);
                result[index] = Merge(match.DeepClone(), item, strategic: true, path);
            }
            else
            {
                result.Add(item?.DeepClone());
            }
        }

        return result;
    }

    /// <summary>RFC 6902 JSON patch; a failed 'test' or a bad path throws <see cref="InvalidOperationException"/>.</summary>
    public static JsonNode ApplyJsonPatch(JsonNode document, JsonArray operations)
    {
        var root = new JsonObject { ["doc"] = document.DeepClone() };
        foreach (var operation in operations.OfType<JsonObject>())
        {
            var op = operation["op"]!.GetValue<string>();
            var path = "/doc" + operation["path"]!.GetValue<string>();
            switch (op)
            {
                case "add": Add(root, path, operation["value"]?.DeepClone()); break;
                case "remove": Remove(root, path); break;
                case "replace": Remove(root, path); Add(root, path, operation["value"]?.DeepClone()); break;
                case "move": { var from = "/doc" + operation["from"]!.GetValue<string>(); var value = Get(root, from); Remove(root, from); Add(root, path, value); break; }
                case "copy": Add(root, path, Get(root, "/doc" + operation["from"]!.GetValue<string>())?.DeepClone()); break;
                case "test":
                    if (!JsonNode.DeepEquals(Get(root, path), operation["value"]))
                    {
                        throw new InvalidOperationException($"test failed at {operation["path"]}");
                    }

                    break;
                default: throw new InvalidOperationException($"unknown op '{op}'");
            }
        }

        return root["doc"]!.DeepClone();
    }

    private static string[] Tokens(string pointer) =>
        [.. pointer.Split('/').Skip(1).Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal))];

    private static JsonNode? Get(JsonNode root, string pointer)
    {
        var node = root;
        foreach (var token in Tokens(pointer))
        {
            node = node switch
            {
                JsonObject o when o.ContainsKey(token) => o[token],
                JsonArray a when int.TryParse(token, out var i) && i < a.Count => a[i],
                _ => throw new InvalidOperationException($"path {pointer} does not exist"),
            };
        }

        return node;
    }

    private static (JsonNode Parent, string Last) Parent(JsonNode root, string pointer)
    {
        var tokens = Tokens(pointer);
        var parent = Get(root, tokens.Length == 1 ? string.Empty : "/" + string.Join('/', tokens[..^1].Select(t => t.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal))))
            ?? throw new InvalidOperationException($"parent of {pointer} is null");
        return (parent, tokens[^1]);
    }

    private static void Add(JsonNode root, string pointer, JsonNode? value)
    {
        var (parent, last) = Parent(root, pointer);
        switch (parent)
        {
            case JsonObject o: o[last] = value; break;
            case JsonArray a when last == "-": a.Add(value); break;
            case JsonArray a when int.TryParse(last, out var i) && i <= a.Count: a.Insert(i, value); break;
            default: throw new InvalidOperationException($"cannot add at {pointer}");
        }
    }

    private static void Remove(JsonNode root, string pointer)
    {
        var (parent, last) = Parent(root, pointer);
        switch (parent)
        {
            case JsonObject o when o.ContainsKey(last): o.Remove(last); break;
            case JsonArray a when int.TryParse(last, out var i) && i < a.Count: a.RemoveAt(i); break;
            default: throw new InvalidOperationException($"path {pointer} does not exist");
        }
    }
}
