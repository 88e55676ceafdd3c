using System.Text.Json.Nodes;

namespace Runbook.Providers.Kubernetes.Tests.ApiServer;

/// <summary>
/// Field ownership as server-side apply keeps it: a set of field paths per manager, written to
/// metadata.managedFields as FieldsV1 ({"f:spec": {"f:replicas": {}}}). A path is a list of tokens: "f:name" for an
/// object member, "k:{\"name\":\"app\"}" for the item of a list merged by key (containers by name, env by name,
/// ports by containerPort); other lists are owned whole, as atomic lists are.
/// </summary>
internal static class FieldSets
{
    private const char Separator = '\u0001';

    /// <summary>Server-owned or identifying fields: never part of what a manager owns.</summary>
    private static readonly HashSet<string> NotOwned =
    [
        "f:apiVersion", "f:kind", "f:status",
        Join("f:metadata", "f:name"), Join("f:metadata", "f:namespace"), Join("f:metadata", "f:uid"), Join("f:metadata", "f:resourceVersion"),
        Join("f:metadata", "f:generation"), Join("f:metadata", "f:creationTimestamp"), Join("f:metadata", "f:managedFields"), Join("f:metadata", "f:ownerReferences"),
    ];

    private static string Join(params string[] tokens) => string.Join(Separator, tokens);

    public static string[] Tokens(string path) => path.Split(Separator);

    /// <summary>The leaf fields an object sets.</summary>
    public static HashSet<string> Of(JsonObject obj)
    {
        var paths = new HashSet<string>(StringComparer.Ordinal);
        Walk(obj, string.Empty, paths);
        return paths;
    }

    private static void Walk(JsonObject obj, string prefix, HashSet<string> paths)
    {
        foreach (var (key, value) in obj)
        {
            var path = prefix.Length == 0 ? "f:" + key : prefix + Separator + "f:" + key;
            if (NotOwned.Contains(path))
            {
                continue;
            }

            if (value is JsonObject { Count: > 0 } child)
            {
                Walk(child, path, paths);
            }
            else if (value is JsonArray items && Patches.MergeKey(key) is { } mergeKey && items.All(i => i is JsonObject o && o[mergeKey] is not null))
            {
                foreach (var item in items.OfType<JsonObject>())
                {
                    var itemPath = path + Separator + ItemToken(mergeKey, item[mergeKey]!);
                    Walk(item, itemPath, paths);
                }
            }
            else
            {
                paths.Add(path);
            }
        }
    }

    private static string ItemToken(string mergeKey, JsonNode key) => "k:" + new JsonObject { [mergeKey] = key.DeepClone() }.ToJsonString();

    /// <summary>The value at a path, and whether it is there.</summary>
    public static (bool Found, JsonNode? Value) At(JsonNode? root, string path)
    {
        var node = root;
        foreach (var token in Tokens(path))
        {
            switch (node)
            {
                case JsonObject o when token.StartsWith("f:", StringComparison.Ordinal) && o.TryGetPropertyValue(token[2..], out var next):
                    node = next;
                    break;
                case JsonArray a when token.StartsWith("k:", StringComparison.Ordinal) && Item(a, token) is { } item:
                    node = item;
                    break;
                default:
                    return (false, null);
            }
        }

        return (true, node);
    }

    /// <summary>Removes the field at a path (a member, or a keyed list item) when it is there.</summary>
    public static void Remove(JsonNode root, string path)
    {
        var tokens = Tokens(path);
        var (found, parent) = tokens.Length == 1 ? (true, root) : At(root, string.Join(Separator, tokens[..^1]));
        var last = tokens[^1];
        if (!found)
        {
            return;
        }

        if (parent is JsonObject o && last.StartsWith("f:", StringComparison.Ordinal))
        {
            o.Remove(last[2..]);
        }
        else if (parent is JsonArray a && Item(a, last) is { } item)
        {
            a.Remove(item);
        }
    }

    private static JsonObject? Item(JsonArray items, string token)
    {
        var key = JsonNode.Parse(token[2..])!.AsObject().First();
        return items.OfType<JsonObject>().FirstOrDefault(i => JsonNode.DeepEquals(i[key.Key], key.Value));
    }

    /// <summary>True when one path is the other or lies under it (owning a list whole overlaps owning one of its items).</summary>
    public static bool Overlap(string a, string b) =>
        a == b || a.StartsWith(b + Separator, StringComparison.Ordinal) || b.StartsWith(a + Separator, StringComparison.Ordinal);

    /// <summary>As a field path in a conflict message: .spec.replicas, .spec.template.spec.containers[name="app"].image.</summary>
    public static string Display(string path) => string.Concat(Tokens(path).Select(t => t.StartsWith("f:", StringComparison.Ordinal)
        ? "." + t[2..]
        : "[" + string.Join(",", JsonNode.Parse(t[2..])!.AsObject().Select(p => $"{p.Key}={p.Value!.ToJsonString()}")) + "]"));

    /// <summary>FieldsV1, the tree form managedFields stores.</summary>
    public static JsonObject Tree(IEnumerable<string> paths)
    {
        var root = new JsonObject();
        foreach (var path in paths.Order(StringComparer.Ordinal))
        {
            var node = root;
            foreach (var token in Tokens(path))
            {
                if (node[token] is not JsonObject child)
                {
                    child = new JsonObject();
                    node[token] = child;
                }

                node = child;
            }
        }

        return root;
    }

    public static HashSet<string> FromTree(JsonObject? tree)
    {
        var paths = new HashSet<string>(StringComparer.Ordinal);
        void Visit(JsonObject node, string prefix)
        {
            var children = node.Where(p => p.Key != ".").ToList();
            if (children.Count == 0 && prefix.Length > 0)
            {
                paths.Add(prefix);
            }

            foreach (var (key, value) in children)
            {
                Visit(value as JsonObject ?? [], prefix.Length == 0 ? key : prefix + Separator + key);
            }
        }

        if (tree is not null)
        {
            Visit(tree, string.Empty);
        }

        return paths;
    }
}

/// <summary>One entry of metadata.managedFields: a manager, the operation (Apply or Update) and the fields it owns.</summary>
internal sealed record ManagedEntry(string Manager, string Operation, string ApiVersion, HashSet<string> Fields)
{
    public static List<ManagedEntry> Read(JsonObject obj) =>
        [.. (obj["metadata"]?["managedFields"] as JsonArray ?? []).OfType<JsonObject>().Select(e => new ManagedEntry(
            e["manager"]?.GetValue<string>() ?? string.Empty, e["operation"]?.GetValue<string>() ?? "Update",
            e["apiVersion"]?.GetValue<string>() ?? "v1", FieldSets.FromTree(e["fieldsV1"] as JsonObject)))];

    public static void Write(JsonObject obj, IEnumerable<ManagedEntry> entries)
    {
        var now = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        obj["metadata"]!["managedFields"] = new JsonArray([.. entries.Where(e => e.Fields.Count > 0).Select(e => (JsonNode)new JsonObject
        {
            ["manager"] = e.Manager,
            ["operation"] = e.Operation,
            ["apiVersion"] = e.ApiVersion,
            ["time"] = now,
            ["fieldsType"] = "FieldsV1",
            ["fieldsV1"] = FieldSets.Tree(e.Fields),
        })]);
    }
}
