using System.Text;
using System.Text.Json.Nodes;

namespace Runbook.Providers.Kubernetes.Objects;

/// <summary>One field a write changed: its JSON pointer, and its value before and after (absent when it was not there).</summary>
internal sealed record FieldChange(string Pointer, bool HadBefore, JsonNode? Before, bool HasAfter, JsonNode? After);

/// <summary>
/// What a write changed in an object, field by field, and the JSON patch that undoes exactly that. The undo first
/// tests that every changed field still holds what the write left there, so a rollback after someone else changed
/// one of them fails (the server answers 422) instead of overwriting their change; fields the write did not touch
/// are never part of it. Lists are compared whole, as the server replaces them.
/// </summary>
internal static class ObjectDiff
{
    /// <summary>The server maintains these; a write's own change is in the other fields.</summary>
    private static readonly HashSet<string> Volatile = ["/metadata/resourceVersion", "/metadata/managedFields", "/metadata/generation", "/status"];

    public static List<FieldChange> Changes(JsonNode? before, JsonNode? after)
    {
        var changes = new List<FieldChange>();
        Walk(before, after, string.Empty, changes);
        return changes;
    }

    private static void Walk(JsonNode? before, JsonNode? after, string pointer, List<FieldChange> changes)
    {
        if (Volatile.Contains(pointer))
        {
            return;
        }

        if (before is JsonObject b && after is JsonObject a)
        {
            foreach (var key in b.Select(p => p.Key).Union(a.Select(p => p.Key), StringComparer.Ordinal))
            {
                var child = $"{pointer}/{Escape(key)}";
                var had = b.TryGetPropertyValue(key, out var old);
                var has = a.TryGetPropertyValue(key, out var now);
                if (had && has)
                {
                    Walk(old, now, child, changes);
                }
                else if (!Volatile.Contains(child))
                {
                    changes.Add(new FieldChange(child, had, old?.DeepClone(), has, now?.DeepClone()));
                }
            }

            return;
        }

        if (!JsonNode.DeepEquals(before, after))
        {
            changes.Add(new FieldChange(pointer, true, before?.DeepClone(), true, after?.DeepClone()));
        }
    }

    /// <summary>The JSON patch that puts back what <paramref name="changes"/> changed, guarded by a test of each changed field.</summary>
    public static JsonArray Undo(IReadOnlyList<FieldChange> changes)
    {
        var operations = new JsonArray();
        foreach (var change in changes.Where(c => c.HasAfter))
        {
            operations.Add((JsonNode)new JsonObject { ["op"] = "test", ["path"] = change.Pointer, ["value"] = change.After?.DeepClone() });
        }

        foreach (var change in changes)
        {
            operations.Add((JsonNode)(change switch
            {
                { HadBefore: true, HasAfter: true } => new JsonObject { ["op"] = "replace", ["path"] = change.Pointer, ["value"] = change.Before?.DeepClone() },
                { HadBefore: true } => new JsonObject { ["op"] = "add", ["path"] = change.Pointer, ["value"] = change.Before?.DeepClone() },
                _ => new JsonObject { ["op"] = "remove", ["path"] = change.Pointer },
            }));
        }

        return operations;
    }

    /// <summary>The changed fields as one line per field, before or after ("/spec/replicas: 2"), for previews and logs.</summary>
    public static string Describe(IReadOnlyList<FieldChange> changes, bool after)
    {
        if (changes.Count == 0)
        {
            return "no change";
        }

        var text = new StringBuilder();
        foreach (var change in changes)
        {
            var present = after ? change.HasAfter : change.HadBefore;
            var value = after ? change.After : change.Before;
            text.Append(text.Length == 0 ? string.Empty : "; ").Append(change.Pointer).Append(": ")
                .Append(present ? value?.ToJsonString() ?? "null" : "(absent)");
        }

        return text.ToString();
    }

    private static string Escape(string token) => token.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
}
