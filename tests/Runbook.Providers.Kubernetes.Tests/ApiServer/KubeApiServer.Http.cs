using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace Runbook.Providers.Kubernetes.Tests.ApiServer;

/// <summary>The HTTP side: authentication, authorization, discovery, and the verbs on each resource.</summary>
public sealed partial class KubeApiServer
{
    private static readonly Dictionary<string, ServedResource> Resources = new()
    {
        ["deployments"] = new("apps", "Deployment", ["deploy"], ["scale", "status"]),
        ["replicasets"] = new("apps", "ReplicaSet", ["rs"], ["scale", "status"]),
        ["pods"] = new(string.Empty, "Pod", ["po"], ["log", "exec", "status"]),
        ["events"] = new(string.Empty, "Event", ["ev"], []),
        ["statefulsets"] = new("apps", "StatefulSet", ["sts"], ["scale", "status"]),
        ["controllerrevisions"] = new("apps", "ControllerRevision", [], []),
        ["horizontalpodautoscalers"] = new("autoscaling", "HorizontalPodAutoscaler", ["hpa"], ["status"], "v2"),
        ["configmaps"] = new(string.Empty, "ConfigMap", ["cm"], []),
        ["services"] = new(string.Empty, "Service", ["svc"], []),
        ["nodes"] = new(string.Empty, "Node", ["no"], ["status"]) { Namespaced = false },
    };

    [GeneratedRegex("^/(?:api/v1|apis/(?<group>[a-z0-9.]+)/(?<version>v[0-9a-z]+))(?:/namespaces/(?<ns>[^/]+))?/(?<resource>[a-z]+)(?:/(?<name>[^/]+))?(?:/(?<sub>[a-z]+))?$")]
    private static partial Regex ResourcePath();

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var user = Authenticate(context);
        _requests.Enqueue(new RecordedRequest(request.Method, request.Path, request.QueryString.Value ?? string.Empty, request.ContentType, user ?? "(anonymous)"));
        if (user is null)
        {
            await StatusAsync(context, 401, "Unauthorized", "Unauthorized");
            return;
        }

        var path = request.Path.Value ?? "/";
        switch (path)
        {
            case "/version":
                await JsonAsync(context, 200, new JsonObject { ["major"] = "1", ["minor"] = "33", ["gitVersion"] = "v1.33.0", ["platform"] = "linux/amd64" });
                return;
            case "/api":
                await JsonAsync(context, 200, new JsonObject
                {
                    ["kind"] = "APIVersions",
                    ["versions"] = new JsonArray("v1"),
                    ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = Url.Authority }),
                });
                return;
            case "/apis":
                await JsonAsync(context, 200, new JsonObject
                {
                    ["kind"] = "APIGroupList",
                    ["apiVersion"] = "v1",
                    ["groups"] = new JsonArray([.. Resources.Values.Where(r => r.Group.Length > 0).Select(r => (r.Group, r.ApiVersion, r.Version)).Distinct()
                        .Select(g => (JsonNode)new JsonObject
                        {
                            ["name"] = g.Group,
                            ["versions"] = new JsonArray(new JsonObject { ["groupVersion"] = g.ApiVersion, ["version"] = g.Version }),
                            ["preferredVersion"] = new JsonObject { ["groupVersion"] = g.ApiVersion, ["version"] = g.Version },
                        }), .. MetricsServerInstalled ? [MetricsGroup()] : Array.Empty<JsonNode>()]),
                });
                return;
            case "/api/v1":
                await JsonAsync(context, 200, Discovery(string.Empty));
                return;
            case var discovery when Resources.Values.FirstOrDefault(r => r.Group.Length > 0 && discovery == "/apis/" + r.ApiVersion) is { } served:
                await JsonAsync(context, 200, Discovery(served.Group));
                return;
        }

        if (await MetricsAsync(context, path))
        {
            return;
        }

        var match = ResourcePath().Match(path);
        if (!match.Success || !Resources.TryGetValue(match.Groups["resource"].Value, out var info)
            || match.Groups["group"].Value != info.Group || (match.Groups["version"].Success && match.Groups["version"].Value != info.Version))
        {
            await StatusAsync(context, 404, "NotFound", "the server could not find the requested resource");
            return;
        }

        var ns = match.Groups["ns"].Success ? match.Groups["ns"].Value : null;
        var resource = match.Groups["resource"].Value;
        var name = match.Groups["name"].Success ? match.Groups["name"].Value : null;
        var sub = match.Groups["sub"].Success ? match.Groups["sub"].Value : null;
        var watch = request.Query["watch"].ToString().ToLowerInvariant() is "true" or "1" or "t"; // Go's ParseBool, as the real server
        var verb = request.Method switch
        {
            "GET" when sub == "exec" => "create",
            "GET" when name is not null => "get",
            "GET" => watch ? "watch" : "list",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => "delete",
            _ => "unknown",
        };
        var fullResource = sub is null ? resource : $"{resource}/{sub}";
        var at = ns ?? string.Empty; // a cluster-scoped object (a node) is stored under no namespace
        if (verb is "create" or "update" or "patch" or "delete" && (await DryRunAsync(context)).Refused)
        {
            return;
        }

        if (_denied.ContainsKey((user, verb, fullResource)))
        {
            var group = info.Group;
            var subject = name is null ? $"{Qualified(resource, group)}" : $"{Qualified(resource, group)} \"{name}\"";
            var where = ns is null ? "at the cluster scope" : $"in the namespace \"{ns}\"";
            await StatusAsync(context, 403, "Forbidden",
                $"{subject} is forbidden: User \"{user}\" cannot {verb} resource \"{fullResource}\" in API group \"{group}\" {where}",
                Details(name, group, resource));
            return;
        }

        var handled = (verb, sub) switch
        {
            ("list", null) => ListAsync(context, resource, ns, info),
            ("watch", null) => WatchAsync(context, resource, ns),
            ("get", null) => GetAsync(context, resource, at, name!, info),
            ("create", null) => CreateAsync(context, resource, at, info),
            ("patch", null) when request.ContentType?.Split(';')[0].Trim() == "application/apply-patch+yaml" => ApplyAsync(context, resource, at, name!, info),
            ("update" or "patch", null) => WriteAsync(context, resource, at, name!, info, verb),
            ("delete", null) => DeleteAsync(context, resource, at, name!, info),
            (_, "scale") => ScaleAsync(context, resource, at, name!, info, verb),
            ("get", "status") => GetAsync(context, resource, at, name!, info),
            ("get", "log") => LogAsync(context, ns!, name!),
            ("create", "exec") => ExecAsync(context, ns!, name!),
            _ => StatusAsync(context, 405, "MethodNotAllowed", $"{verb} is not supported on {fullResource}"),
        };
        await handled;
    }

    private string? Authenticate(HttpContext context)
    {
        if (context.Connection.ClientCertificate is { } certificate)
        {
            return _pki.Signed(certificate) ? certificate.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.SimpleName, false) : null;
        }

        var header = context.Request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.Ordinal) && _tokens.TryGetValue(header[7..].Trim(), out var who) ? who.User : null;
    }

    private static string Qualified(string resource, string group) => group.Length == 0 ? resource : $"{resource}.{group}";

    private static JsonObject Details(string? name, string group, string resource) => new()
    {
        ["name"] = name,
        ["group"] = group,
        ["kind"] = resource,
    };

    private static JsonObject Discovery(string group)
    {
        var resources = new JsonArray();
        foreach (var (plural, info) in Resources.Where(r => r.Value.Group == group))
        {
            resources.Add(new JsonObject
            {
                ["name"] = plural,
                ["singularName"] = info.Kind.ToLowerInvariant(),
                ["namespaced"] = info.Namespaced,
                ["kind"] = info.Kind,
                ["verbs"] = new JsonArray("create", "delete", "get", "list", "patch", "update", "watch"),
                ["shortNames"] = new JsonArray([.. info.ShortNames.Select(s => (JsonNode)s)]),
            });
            foreach (var sub in info.Subresources)
            {
                resources.Add(new JsonObject
                {
                    ["name"] = $"{plural}/{sub}",
                    ["singularName"] = string.Empty,
                    ["namespaced"] = info.Namespaced,
                    ["kind"] = sub == "scale" ? "Scale" : sub == "status" ? info.Kind : sub == "log" ? "Pod" : "PodExecOptions",
                    ["group"] = sub == "scale" ? "autoscaling" : null,
                    ["version"] = sub == "scale" ? "v1" : null,
                    ["verbs"] = sub == "log" ? new JsonArray("get") : sub == "exec" ? new JsonArray("create", "get") : new JsonArray("get", "patch", "update"),
                });
            }
        }

        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? "v1" : Resources.Values.First(r => r.Group == group).ApiVersion,
            ["resources"] = resources,
        };
    }

    private async Task ListAsync(HttpContext context, string resource, string? ns, ServedResource info)
    {
        var version = _store.Version;
        var items = _store.List(resource, ns).Where(o => Selects(context.Request, o)).ToList();
        if (Tables.Wanted(context.Request.Headers.Accept))
        {
            await JsonAsync(context, 200, Tables.For(resource, items, version.ToString(CultureInfo.InvariantCulture)));
            return;
        }

        await JsonAsync(context, 200, new JsonObject
        {
            ["kind"] = info.Kind + "List",
            ["apiVersion"] = info.ApiVersion,
            ["metadata"] = new JsonObject { ["resourceVersion"] = version.ToString(CultureInfo.InvariantCulture) },
            ["items"] = new JsonArray([.. items.Select(WithTypeMeta(info))]),
        });
    }

    private static Func<JsonObject, JsonNode> WithTypeMeta(ServedResource info) => o =>
    {
        o["apiVersion"] = info.ApiVersion;
        o["kind"] = info.Kind;
        return o;
    };

    /// <summary>A watch: changes after the given resourceVersion (all current objects as ADDED when none is given), until timeoutSeconds.</summary>
    private async Task WatchAsync(HttpContext context, string resource, string? ns)
    {
        var request = context.Request;
        var timeout = int.TryParse(request.Query["timeoutSeconds"], CultureInfo.InvariantCulture, out var seconds) ? TimeSpan.FromSeconds(seconds) : TimeSpan.FromMinutes(5);
        using var window = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stop.Token);
        window.CancelAfter(timeout);
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        await context.Response.StartAsync(window.Token);
        await context.Response.Body.FlushAsync(window.Token); // headers now, as the real server sends them, even if no event follows
        long since;
        if (!long.TryParse(request.Query["resourceVersion"], CultureInfo.InvariantCulture, out since) || since == 0)
        {
            since = _store.Version;
            foreach (var o in _store.List(resource, ns).Where(o => Selects(request, o)))
            {
                await WriteEventAsync(context, "ADDED", o, window.Token);
            }
        }

        try
        {
            while (true)
            {
                var changed = _store.Changed;
                var changes = _store.ChangesAfter(since);
                if (changes is null)
                {
                    await WriteEventAsync(context, "ERROR", StatusObject(410, "Expired", $"too old resource version: {since} ({_store.Version})", null), window.Token);
                    return;
                }

                foreach (var change in changes)
                {
                    since = change.ResourceVersion;
                    if (change.Resource == resource && (ns is null || change.Object["metadata"]?["namespace"]?.GetValue<string>() == ns) && Selects(request, change.Object))
                    {
                        await WriteEventAsync(context, change.Type, (JsonObject)change.Object.DeepClone(), window.Token);
                    }
                }

                await changed.WaitAsync(window.Token);
            }
        }
        catch (OperationCanceledException)
        {
            // timeoutSeconds reached, the client went away, or the server stops: the stream just ends.
        }
    }

    private static async Task WriteEventAsync(HttpContext context, string type, JsonObject o, CancellationToken cancellationToken)
    {
        var line = new JsonObject { ["type"] = type, ["object"] = o }.ToJsonString() + "\n";
        await context.Response.WriteAsync(line, cancellationToken);
        await context.Response.Body.FlushAsync(cancellationToken);
    }

    private async Task GetAsync(HttpContext context, string resource, string ns, string name, ServedResource info)
    {
        if (_store.Get(resource, ns, name) is not { } o)
        {
            await NotFoundAsync(context, resource, name, info.Group);
            return;
        }

        await JsonAsync(context, 200, Tables.Wanted(context.Request.Headers.Accept)
            ? Tables.For(resource, [o], o["metadata"]!["resourceVersion"]!.GetValue<string>())
            : WithTypeMeta(info)(o));
    }

    private async Task CreateAsync(HttpContext context, string resource, string ns, ServedResource info)
    {
        var body = (await JsonNode.ParseAsync(context.Request.Body))!.AsObject();
        var meta = body["metadata"]!.AsObject();
        var name = meta["name"]!.GetValue<string>();
        if (_store.Get(resource, ns, name) is not null)
        {
            await StatusAsync(context, 409, "AlreadyExists", $"{Qualified(resource, info.Group)} \"{name}\" already exists", Details(name, info.Group, resource));
            return;
        }

        var fresh = Controller.Metadata(ns, name, meta["labels"]?.DeepClone().AsObject() ?? [], meta["annotations"]?.DeepClone().AsObject(), null);
        body["metadata"] = fresh;
        body["status"] ??= new JsonObject();
        Defaults(resource, body);
        if (Invalid(resource, body) is { } invalid)
        {
            await InvalidAsync(context, resource, name, info, invalid);
            return;
        }

        TrackUpdate(context, null, body, info.ApiVersion);
        await JsonAsync(context, 201, WithTypeMeta(info)(IsDryRun(context) ? WithVersion(body, _store.Version) : _store.Put(resource, body)));
    }

    /// <summary>PUT or PATCH: optimistic concurrency on metadata.resourceVersion, generation bumped only when the spec changes, status kept.</summary>
    private async Task WriteAsync(HttpContext context, string resource, string ns, string name, ServedResource info, string verb)
    {
        if (_store.Get(resource, ns, name) is not { } current)
        {
            await NotFoundAsync(context, resource, name, info.Group);
            return;
        }

        var next = await ChangedObjectAsync(context, current, verb);
        if (next is null)
        {
            return;
        }

        if (await CommitAsync(context, resource, ns, name, info, current, next) is { } stored)
        {
            await JsonAsync(context, 200, WithTypeMeta(info)(stored));
        }
    }

    /// <summary>Stores a write, or answers 409 and returns null.</summary>
    private async Task<JsonObject?> CommitAsync(HttpContext context, string resource, string ns, string name,
        ServedResource info, JsonObject current, JsonObject next, bool trackUpdate = true)
    {
        var currentVersion = current["metadata"]!["resourceVersion"]!.GetValue<string>();
        var givenVersion = next["metadata"]?["resourceVersion"]?.GetValue<string>();
        var injected = _conflicts.TryGetValue((ns, resource, name), out var left) && left > 0;
        if (injected)
        {
            _conflicts[(ns, resource, name)] = left - 1;
        }

        if (injected || (!string.IsNullOrEmpty(givenVersion) && givenVersion != currentVersion))
        {
            await StatusAsync(context, 409, "Conflict",
                $"Operation cannot be fulfilled on {Qualified(resource, info.Group)} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
                Details(name, info.Group, resource));
            return null;
        }

        var meta = next["metadata"]!.AsObject();
        foreach (var kept in new[] { "uid", "creationTimestamp", "namespace", "name", "generation", "ownerReferences" })
        {
            meta[kept] = current["metadata"]![kept]?.DeepClone();
        }

        if (!JsonNode.DeepEquals(current["spec"], next["spec"]))
        {
            meta["generation"] = (current["metadata"]!["generation"]?.GetValue<long>() ?? 1) + 1;
        }

        next["status"] = current["status"]?.DeepClone();
        Defaults(resource, next);
        if (Invalid(resource, next) is { } invalid)
        {
            await InvalidAsync(context, resource, name, info, invalid);
            return null;
        }

        if (trackUpdate)
        {
            TrackUpdate(context, current, next, info.ApiVersion);
        }

        // A dry run answers with what would be stored, at the current resourceVersion, and stores nothing.
        return IsDryRun(context) ? WithVersion(next, long.Parse(currentVersion, CultureInfo.InvariantCulture)) : _store.Put(resource, next);
    }

    /// <summary>The object a PUT or PATCH asks for, or null after answering 415/422 for a body that cannot apply.</summary>
    private static async Task<JsonObject?> ChangedObjectAsync(HttpContext context, JsonObject current, string verb)
    {
        var type = context.Request.ContentType?.Split(';')[0].Trim();
        if (verb == "patch" && type is not ("application/merge-patch+json" or "application/strategic-merge-patch+json" or "application/json-patch+json" or "application/apply-patch+yaml"))
        {
            return await UnsupportedAsync(context, type);
        }

        try
        {
            var body = await JsonNode.ParseAsync(context.Request.Body);
            return verb == "update" ? body!.AsObject() : type switch
            {
                "application/merge-patch+json" => Patches.Merge(current.DeepClone(), body, strategic: false)!.AsObject(),
                "application/strategic-merge-patch+json" => Patches.Merge(current.DeepClone(), body, strategic: true)!.AsObject(),
                _ => Patches.ApplyJsonPatch(current, body!.AsArray()).AsObject(),
            };
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            await StatusAsync(context, ex is JsonException ? 400 : 422, ex is JsonException ? "BadRequest" : "Invalid",
                $"the server rejected our request due to an error in our request: {ex.Message}");
            return null;
        }
    }

    private static async Task<JsonObject?> UnsupportedAsync(HttpContext context, string? type)
    {
        await StatusAsync(context, 415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json (got {type})");
        return null;
    }

    private async Task DeleteAsync(HttpContext context, string resource, string ns, string name, ServedResource info)
    {
        if (_store.Get(resource, ns, name) is { } current && await PreconditionFailureAsync(context, current) is { } failed)
        {
            await StatusAsync(context, 409, "Conflict", $"Operation cannot be fulfilled on {Qualified(resource, info.Group)} \"{name}\": {failed}", Details(name, info.Group, resource));
            return;
        }

        if (IsDryRun(context) ? _store.Get(resource, ns, name) is null : !_store.Delete(resource, ns, name))
        {
            await NotFoundAsync(context, resource, name, info.Group);
            return;
        }

        await JsonAsync(context, 200, new JsonObject { ["kind"] = "Status", ["apiVersion"] = "v1", ["status"] = "Success", ["details"] = Details(name, info.Group, resource) });
    }

    /// <summary>The /scale subresource: an autoscaling/v1 Scale read from and written to the object's spec.replicas.</summary>
    private async Task ScaleAsync(HttpContext context, string resource, string ns, string name, ServedResource info, string verb)
    {
        if (_store.Get(resource, ns, name) is not { } current)
        {
            await NotFoundAsync(context, resource, name, info.Group);
            return;
        }

        var scale = Scale(current);
        if (verb is "update" or "patch")
        {
            var next = await ChangedObjectAsync(context, scale, verb);
            if (next is null)
            {
                return;
            }

            var updated = (JsonObject)current.DeepClone();
            updated["spec"]!["replicas"] = next["spec"]?["replicas"]?.DeepClone();
            updated["metadata"]!["resourceVersion"] = next["metadata"]?["resourceVersion"]?.DeepClone();
            if (await CommitAsync(context, resource, ns, name, info, current, updated) is { } stored)
            {
                await JsonAsync(context, 200, Scale(stored));
            }

            return;
        }

        await JsonAsync(context, 200, scale);
    }

    private static JsonObject Scale(JsonObject o)
    {
        var meta = o["metadata"]!;
        var labels = o["spec"]?["selector"]?["matchLabels"]?.AsObject().Select(l => $"{l.Key}={l.Value}") ?? [];
        return new JsonObject
        {
            ["kind"] = "Scale",
            ["apiVersion"] = "autoscaling/v1",
            ["metadata"] = new JsonObject
            {
                ["name"] = meta["name"]?.DeepClone(),
                ["namespace"] = meta["namespace"]?.DeepClone(),
                ["uid"] = meta["uid"]?.DeepClone(),
                ["resourceVersion"] = meta["resourceVersion"]?.DeepClone(),
                ["creationTimestamp"] = meta["creationTimestamp"]?.DeepClone(),
            },
            ["spec"] = new JsonObject { ["replicas"] = o["spec"]?["replicas"]?.DeepClone() },
            ["status"] = new JsonObject { ["replicas"] = o["status"]?["replicas"]?.DeepClone() ?? 0, ["selector"] = string.Join(',', labels) },
        };
    }

    /// <summary>Pod logs: tailLines, sinceSeconds, timestamps, and previous (a 400 when the container never restarted, as the kubelet says).</summary>
    private async Task LogAsync(HttpContext context, string ns, string name)
    {
        if (_store.Get("pods", ns, name) is not { } pod)
        {
            await NotFoundAsync(context, "pods", name, string.Empty);
            return;
        }

        var query = context.Request.Query;
        var container = query["container"].ToString() is { Length: > 0 } c ? c : pod["spec"]!["containers"]![0]!["name"]!.GetValue<string>();
        if (query["previous"] == "true")
        {
            await StatusAsync(context, 400, "BadRequest", $"previous terminated container \"{container}\" in pod \"{name}\" not found");
            return;
        }

        IEnumerable<(DateTimeOffset At, string Line)> lines = _logs.TryGetValue((ns, name), out var stored) ? [.. stored] : [];
        if (int.TryParse(query["sinceSeconds"], CultureInfo.InvariantCulture, out var sinceSeconds))
        {
            var cutoff = DateTimeOffset.UtcNow.AddSeconds(-sinceSeconds);
            lines = lines.Where(l => l.At >= cutoff);
        }

        if (int.TryParse(query["tailLines"], CultureInfo.InvariantCulture, out var tail))
        {
            lines = lines.TakeLast(tail);
        }

        var timestamps = query["timestamps"] == "true";
        context.Response.ContentType = "text/plain";
        await context.Response.WriteAsync(string.Concat(lines.Select(l =>
            (timestamps ? l.At.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture) + " " : string.Empty) + l.Line + "\n")));
    }

    /// <summary>
    /// Exec over a WebSocket (channel.k8s.io v4 and v5: one byte of channel, then data; 0 stdin, 1 stdout, 2 stderr,
    /// 3 the Status; v5 adds 255, a close signal whose byte names the stream that ends). With stdin=true the process
    /// reads what arrives on channel 0 until v5 closes it (or the client goes); without, its stdin is closed at once.
    /// There is no container, so the command runs on the test machine in a scratch folder, standing in for one.
    /// </summary>
    private async Task ExecAsync(HttpContext context, string ns, string name)
    {
        if (_store.Get("pods", ns, name) is null)
        {
            await NotFoundAsync(context, "pods", name, string.Empty);
            return;
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            await StatusAsync(context, 400, "BadRequest", "Upgrade request required");
            return;
        }

        var requested = context.WebSockets.WebSocketRequestedProtocols;
        var protocol = requested.Contains("v5.channel.k8s.io") ? "v5.channel.k8s.io" : "v4.channel.k8s.io";
        var withStdin = context.Request.Query["stdin"] is var stdinFlag && (stdinFlag == "true" || stdinFlag == "1");
        using var socket = await context.WebSockets.AcceptWebSocketAsync(protocol);
        var start = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, WorkingDirectory = Path.GetTempPath() };
        foreach (var argument in context.Request.Query["command"])
        {
            if (start.FileName.Length == 0)
            {
                start.FileName = argument!;
            }
            else
            {
                start.ArgumentList.Add(argument!);
            }
        }

        start.Environment["HOSTNAME"] = name;
        using var process = Process.Start(start)!;
        var stdin = withStdin ? PumpStdinAsync(socket, process, protocol) : CloseStdin(process);
        var gate = new SemaphoreSlim(1);
        async Task PumpBytesAsync(Stream stream, byte channel)
        {
            var buffer = new byte[16 * 1024];
            int read;
            while ((read = await stream.ReadAsync(buffer)) > 0)
            {
                await SendAsync(socket, gate, channel, buffer[..read]);
            }
        }

        await Task.WhenAll(PumpBytesAsync(process.StandardOutput.BaseStream, 1), PumpBytesAsync(process.StandardError.BaseStream, 2));
        await process.WaitForExitAsync();
        var status = process.ExitCode == 0
            ? new JsonObject { ["metadata"] = new JsonObject(), ["status"] = "Success" }
            : new JsonObject
            {
                ["metadata"] = new JsonObject(),
                ["status"] = "Failure",
                ["message"] = $"command terminated with non-zero exit code: exit status {process.ExitCode}",
                ["reason"] = "NonZeroExitCode",
                ["details"] = new JsonObject { ["causes"] = new JsonArray(new JsonObject { ["reason"] = "ExitCode", ["message"] = process.ExitCode.ToString(CultureInfo.InvariantCulture) }) },
            };
        await SendAsync(socket, gate, 3, Encoding.UTF8.GetBytes(status.ToJsonString()));
        if (withStdin)
        {
            // The stdin pump is still receiving: say goodbye, and let it read the client's close in answer.
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, string.Empty, CancellationToken.None);
            await stdin.WaitAsync(TimeSpan.FromSeconds(10));
        }
        else
        {
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, string.Empty, CancellationToken.None);
        }
    }

    private static Task CloseStdin(Process process)
    {
        process.StandardInput.Close();
        return Task.CompletedTask;
    }

    /// <summary>Channel 0 into the process's stdin, bytes as they are; v5's close signal for stream 0 (or the client leaving) closes it.</summary>
    private static async Task PumpStdinAsync(WebSocket socket, Process process, string protocol)
    {
        var input = process.StandardInput.BaseStream;
        var buffer = new byte[64 * 1024];
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                using var message = new MemoryStream();
                WebSocketReceiveResult received;
                do
                {
                    received = await socket.ReceiveAsync(buffer, CancellationToken.None);
                    message.Write(buffer, 0, received.Count);
                }
                while (!received.EndOfMessage && received.MessageType != WebSocketMessageType.Close);

                var frame = message.ToArray();
                if (received.MessageType == WebSocketMessageType.Close || frame.Length == 0)
                {
                    break;
                }

                if (frame[0] == 0)
                {
                    await input.WriteAsync(frame.AsMemory(1));
                    await input.FlushAsync();
                }
                else if (frame[0] == 255 && protocol == "v5.channel.k8s.io" && frame.Length > 1 && frame[1] == 0)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or IOException)
        {
            // The client went, or the process stopped reading: either way its stdin ends here.
        }
        finally
        {
            try
            {
                input.Close();
            }
            catch (IOException)
            {
            }
        }
    }

    private static async Task SendAsync(WebSocket socket, SemaphoreSlim gate, byte channel, byte[] data)
    {
        await gate.WaitAsync();
        try
        {
            await socket.SendAsync((byte[])[channel, .. data], WebSocketMessageType.Binary, true, CancellationToken.None);
        }
        finally
        {
            gate.Release();
        }
    }

    private static bool Selects(HttpRequest request, JsonObject o) =>
        Selector.MatchesLabels(request.Query["labelSelector"].ToString(), o["metadata"]?["labels"] as JsonObject)
        && Selector.MatchesFields(request.Query["fieldSelector"].ToString(), o);

    private static Task NotFoundAsync(HttpContext context, string resource, string name, string group) =>
        StatusAsync(context, 404, "NotFound", $"{Qualified(resource, group)} \"{name}\" not found", Details(name, group, resource));

    private static JsonObject StatusObject(int code, string reason, string message, JsonObject? details) => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = message,
        ["reason"] = reason,
        ["details"] = details,
        ["code"] = code,
    };

    private static Task StatusAsync(HttpContext context, int code, string reason, string message, JsonObject? details = null) =>
        JsonAsync(context, code, StatusObject(code, reason, message, details));

    private static async Task JsonAsync(HttpContext context, int code, JsonNode body)
    {
        context.Response.StatusCode = code;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString());
    }
}

/// <summary>A resource the test server serves: its API group (empty for core), kind, short names and subresources.</summary>
internal sealed record ServedResource(string Group, string Kind, string[] ShortNames, string[] Subresources, string Version = "v1")
{
    public bool Namespaced { get; init; } = true;

    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";
}
