using System.Globalization;
using System.Text.Json.Nodes;

namespace Runbook.Providers.Kubernetes.Tests.ApiServer;

/// <summary>One stored change, as a watch reports it.</summary>
internal sealed record WatchEvent(long ResourceVersion, string Type, string Resource, JsonObject Object);

/// <summary>
/// The API server's storage: objects per resource, one global resourceVersion bumped by every write, and the
/// history of changes that watches replay from a resourceVersion (bounded, so a too-old one is 410 Gone).
/// </summary>
internal sealed class ObjectStore
{
    private const int HistoryLimit = 5000;
    private readonly object _gate = new();
    private readonly Dictionary<(string Resource, string Namespace, string Name), JsonObject> _objects = [];
    private readonly List<WatchEvent> _history = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _version = 100;

    public long Version
    {
        get
        {
            lock (_gate)
            {
                return _version;
            }
        }
    }

    /// <summary>Completes at the next write.</summary>
    public Task Changed
    {
        get
        {
            lock (_gate)
            {
                return _changed.Task;
            }
        }
    }

    public JsonObject? Get(string resource, string ns, string name)
    {
        lock (_gate)
        {
            return _objects.TryGetValue((resource, ns, name), out var o) ? (JsonObject)o.DeepClone() : null;
        }
    }

    public List<JsonObject> List(string resource, string? ns)
    {
        lock (_gate)
        {
            return [.. _objects.Where(o => o.Key.Resource == resource && (ns is null || o.Key.Namespace == ns))
                .OrderBy(o => o.Key.Namespace, StringComparer.Ordinal).ThenBy(o => o.Key.Name, StringComparer.Ordinal)
                .Select(o => (JsonObject)o.Value.DeepClone())];
        }
    }

    /// <summary>Stores <paramref name="value"/> with a new resourceVersion; creates when absent. Returns what was stored.</summary>
    public JsonObject Put(string resource, JsonObject value)
    {
        lock (_gate)
        {
            var metadata = value["metadata"]!.AsObject();
            var key = (resource, metadata["namespace"]?.GetValue<string>() ?? string.Empty, metadata["name"]!.GetValue<string>());
            var type = _objects.ContainsKey(key) ? "MODIFIED" : "ADDED";
            metadata["resourceVersion"] = (++_version).ToString(CultureInfo.InvariantCulture);
            // Through text, so every number reads back as any numeric type, as it would from the wire.
            var stored = JsonNode.Parse(value.ToJsonString())!.AsObject();
            _objects[key] = stored;
            Record(new WatchEvent(_version, type, resource, (JsonObject)stored.DeepClone()));
            return (JsonObject)stored.DeepClone();
        }
    }

    public bool Delete(string resource, string ns, string name)
    {
        lock (_gate)
        {
            if (!_objects.Remove((resource, ns, name), out var removed))
            {
                return false;
            }

            removed["metadata"]!["resourceVersion"] = (++_version).ToString(CultureInfo.InvariantCulture);
            Record(new WatchEvent(_version, "DELETED", resource, removed));
            return true;
        }
    }

    /// <summary>The changes after <paramref name="since"/>, or null when the history no longer reaches back that far.</summary>
    public List<WatchEvent>? ChangesAfter(long since)
    {
        lock (_gate)
        {
            if (_history.Count > 0 && since < _history[0].ResourceVersion - 1)
            {
                return null;
            }

            return [.. _history.Where(e => e.ResourceVersion > since)];
        }
    }

    private void Record(WatchEvent change)
    {
        _history.Add(change);
        if (_history.Count > HistoryLimit)
        {
            _history.RemoveRange(0, _history.Count - HistoryLimit);
        }

        var changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.SetResult();
    }
}
