using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Runbook.Providers.Kubernetes.Tests.ApiServer;

/// <summary>
/// Server-side apply (PATCH application/apply-patch+yaml) with managedFields and conflicts, the field ownership
/// every other write moves to its manager, and dryRun=All, after the API server's documented behaviour.
/// </summary>
public sealed partial class KubeApiServer
{
    /// <summary>True for dryRun=All; a request with any other dryRun value has been answered 400 and <paramref name="refused"/> is set.</summary>
    private static async Task<(bool DryRun, bool Refused)> DryRunAsync(HttpContext context)
    {
        var values = context.Request.Query["dryRun"];
        if (values.Count == 0)
        {
            return (false, false);
        }

        if (values.All(v => v == "All"))
        {
            return (true, false);
        }

        await StatusAsync(context, 400, "BadRequest", $"Invalid dry run value: {string.Join(",", values.ToArray())}; only All is supported");
        return (false, true);
    }

    private static bool IsDryRun(HttpContext context) => context.Request.Query["dryRun"].ToString() == "All";

    /// <summary>The manager of a write: ?fieldManager=, else the client's User-Agent up to its first '/', as the server derives it.</summary>
    private static string Manager(HttpContext context) =>
        context.Request.Query["fieldManager"].ToString() is { Length: > 0 } manager ? manager
        : context.Request.Headers.UserAgent.ToString().Split('/')[0] is { Length: > 0 } agent ? agent : "unknown";

    /// <summary>An Update (create, PUT, PATCH): the fields whose values it changed move to its manager.</summary>
    private static void TrackUpdate(HttpContext context, JsonObject? current, JsonObject next, string apiVersion) =>
        TrackUpdate(Manager(context), current, next, apiVersion);

    private static void TrackUpdate(string manager, JsonObject? current, JsonObject next, string apiVersion)
    {
        var entries = current is null ? [] : ManagedEntry.Read(current);
        var before = current ?? [];
        var changed = FieldSets.Of(next).Union(FieldSets.Of(before))
            .Where(p => FieldSets.At(before, p) is var b && FieldSets.At(next, p) is var a && (b.Found != a.Found || !JsonNode.DeepEquals(b.Value, a.Value)))
            .ToHashSet(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            entry.Fields.RemoveWhere(p => changed.Any(c => FieldSets.Overlap(p, c)));
        }

        var mine = entries.FirstOrDefault(e => e.Manager == manager && e.Operation == "Update");
        if (mine is null)
        {
            mine = new ManagedEntry(manager, "Update", apiVersion, new HashSet<string>(StringComparer.Ordinal));
            entries.Add(mine);
        }

        mine.Fields.UnionWith(changed.Where(p => FieldSets.At(next, p).Found));
        ManagedEntry.Write(next, entries);
    }

    private async Task ApplyAsync(HttpContext context, string resource, string ns, string name, ServedResource info)
    {
        var dryRun = IsDryRun(context);
        var manager = context.Request.Query["fieldManager"].ToString();
        if (manager.Length == 0)
        {
            await StatusAsync(context, 422, "Invalid", "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch");
            return;
        }

        JsonObject applied;
        try
        {
            applied = (await JsonNode.ParseAsync(context.Request.Body))!.AsObject();
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            await StatusAsync(context, 400, "BadRequest", $"error decoding YAML: {ex.Message}");
            return;
        }

        if (applied["kind"]?.GetValue<string>() != info.Kind || applied["apiVersion"]?.GetValue<string>() != info.ApiVersion
            || applied["metadata"]?["name"]?.GetValue<string>() != name)
        {
            await StatusAsync(context, 400, "BadRequest", $"the body's apiVersion, kind and metadata.name must be {info.ApiVersion}, {info.Kind}, {name}");
            return;
        }

        if (applied["metadata"]?["namespace"]?.GetValue<string>() is { } written && info.Namespaced && written != ns)
        {
            await StatusAsync(context, 400, "BadRequest", "the namespace of the provided object does not match the namespace sent on the request");
            return;
        }

        var force = context.Request.Query["force"].ToString() == "true";
        var fields = FieldSets.Of(applied);
        var current = _store.Get(resource, ns, name);
        if (current is null)
        {
            var meta = applied["metadata"]!.AsObject();
            var created = (JsonObject)applied.DeepClone();
            created["metadata"] = info.Namespaced
                ? Controller.Metadata(ns, name, meta["labels"]?.DeepClone().AsObject() ?? [], meta["annotations"]?.DeepClone().AsObject(), null)
                : ClusterMetadata(name, meta["labels"]?.DeepClone().AsObject() ?? []);
            created["status"] ??= new JsonObject();
            Defaults(resource, created);
            ManagedEntry.Write(created, [new ManagedEntry(manager, "Apply", info.ApiVersion, fields)]);
            await JsonAsync(context, 201, WithTypeMeta(info)(dryRun ? WithVersion(created, _store.Version) : _store.Put(resource, created)));
            return;
        }

        var entries = ManagedEntry.Read(current);
        var conflicts = (from entry in entries
                         where entry.Manager != manager
                         from owned in entry.Fields
                         from field in fields
                         where FieldSets.Overlap(owned, field) && !JsonNode.DeepEquals(FieldSets.At(current, field).Value, FieldSets.At(applied, field).Value)
                         select (entry.Manager, entry.ApiVersion, Field: owned)).Distinct().ToList();
        if (conflicts.Count > 0 && !force)
        {
            var lines = conflicts.Select(c => $"conflict with \"{c.Manager}\" using {c.ApiVersion}: {FieldSets.Display(c.Field)}").ToList();
            var message = conflicts.Count == 1
                ? $"Apply failed with 1 conflict: {lines[0]}"
                : $"Apply failed with {conflicts.Count} conflicts: {string.Join("\n", lines)}";
            await StatusAsync(context, 409, "Conflict", message, new JsonObject
            {
                ["name"] = name,
                ["group"] = info.Group,
                ["kind"] = resource,
                ["causes"] = new JsonArray([.. conflicts.Select(c => (JsonNode)new JsonObject
                {
                    ["reason"] = "FieldManagerConflict",
                    ["message"] = $"conflict with \"{c.Manager}\" using {c.ApiVersion}",
                    ["field"] = FieldSets.Display(c.Field),
                })]),
            });
            return;
        }

        foreach (var entry in entries.Where(e => e.Manager != manager))
        {
            entry.Fields.RemoveWhere(owned => fields.Any(f => FieldSets.Overlap(owned, f)) && force);
        }

        // Fields this manager applied before and leaves out now are removed, unless someone else also owns them.
        var mine = entries.FirstOrDefault(e => e.Manager == manager && e.Operation == "Apply");
        var next = (JsonObject)current.DeepClone();
        foreach (var dropped in (mine?.Fields ?? []).Except(fields).Where(p => !entries.Any(e => e != mine && e.Fields.Contains(p))))
        {
            FieldSets.Remove(next, dropped);
        }

        var content = (JsonObject)applied.DeepClone();
        content.Remove("status");
        next = Patches.Merge(next, content, strategic: true)!.AsObject();
        entries.RemoveAll(e => e.Manager == manager && e.Operation == "Apply");
        entries.Add(new ManagedEntry(manager, "Apply", info.ApiVersion, fields));
        ManagedEntry.Write(next, entries);
        next["metadata"]!["resourceVersion"] = current["metadata"]!["resourceVersion"]!.DeepClone();
        if (await CommitAsync(context, resource, ns, name, info, current, next, trackUpdate: false) is { } stored)
        {
            await JsonAsync(context, 200, WithTypeMeta(info)(stored));
        }
    }

    /// <summary>Stores a new namespaced object of a served resource (a ConfigMap, a Service) as a client's create would, owned by <paramref name="manager"/>.</summary>
    public JsonObject CreateObject(string ns, string resource, JsonObject obj, string manager = "kubectl-create")
    {
        var info = Resources[resource];
        var meta = obj["metadata"]!.AsObject();
        var created = (JsonObject)obj.DeepClone();
        created["apiVersion"] = info.ApiVersion;
        created["kind"] = info.Kind;
        created["metadata"] = Controller.Metadata(ns, meta["name"]!.GetValue<string>(), meta["labels"]?.DeepClone().AsObject() ?? [], meta["annotations"]?.DeepClone().AsObject(), null);
        TrackUpdate(manager, null, created, info.ApiVersion);
        return _store.Put(resource, created);
    }

    /// <summary>Someone else's write (kubectl edit, a controller): <paramref name="change"/> applied to the stored object, its fields moved to <paramref name="manager"/>.</summary>
    public JsonObject ChangeAs(string manager, string ns, string resource, string name, Action<JsonObject> change)
    {
        var current = _store.Get(resource, ns, name) ?? throw new InvalidOperationException($"{resource} {ns}/{name} does not exist");
        var next = (JsonObject)current.DeepClone();
        change(next);
        TrackUpdate(manager, current, next, Resources[resource].ApiVersion);
        return _store.Put(resource, next);
    }

    private static JsonObject WithVersion(JsonObject o, long version)
    {
        o["metadata"]!["resourceVersion"] = version.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return o;
    }

    private static JsonObject ClusterMetadata(string name, JsonObject labels) => new()
    {
        ["name"] = name,
        ["uid"] = Guid.NewGuid().ToString(),
        ["creationTimestamp"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
        ["labels"] = labels,
    };

    /// <summary>DeleteOptions.preconditions: the object is deleted only while its uid and resourceVersion are the ones given.</summary>
    private static async Task<string?> PreconditionFailureAsync(HttpContext context, JsonObject current)
    {
        if (context.Request.ContentLength is 0 or null && context.Request.Headers.TransferEncoding.Count == 0)
        {
            return null;
        }

        JsonNode? options;
        try
        {
            options = await JsonNode.ParseAsync(context.Request.Body);
        }
        catch (JsonException)
        {
            return null;
        }

        var preconditions = options?["preconditions"];
        var uid = preconditions?["uid"]?.GetValue<string>();
        var version = preconditions?["resourceVersion"]?.GetValue<string>();
        var actualUid = current["metadata"]!["uid"]!.GetValue<string>();
        var actualVersion = current["metadata"]!["resourceVersion"]!.GetValue<string>();
        return uid is not null && uid != actualUid ? $"Precondition failed: UID in precondition: {uid}, UID in object meta: {actualUid}"
            : version is not null && version != actualVersion ? $"Precondition failed: ResourceVersion in precondition: {version}, ResourceVersion in object meta: {actualVersion}"
            : null;
    }
}
