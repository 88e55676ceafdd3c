using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Runbook.Providers.Aws.Tests.EcsServer;

/// <summary>
/// The ECS and CloudWatch Logs state behind the HTTP layer, and the operations on it. One lock guards it all:
/// operations and controller rounds are short and run one at a time, so every answer is consistent.
/// </summary>
internal sealed partial class EcsBackend(string region, string accountId, TimeProvider time)
{
    private readonly object _gate = new();
    private readonly Dictionary<string, ClusterState> _clusters = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<TaskDefinitionState>> _families = new(StringComparer.Ordinal);
    private readonly List<TaskState> _tasks = [];
    private readonly HashSet<string> _badImages = new(StringComparer.Ordinal);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _round;

    public string Region { get; } = region;

    public string AccountId { get; } = accountId;

    /// <summary>At most this many items on a page of any paginated operation; null for each operation's real default.</summary>
    public int? PageSize { get; set; }

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

    private DateTimeOffset Now => time.GetUtcNow();

    public T Locked<T>(Func<T> action)
    {
        lock (_gate)
        {
            var result = action();
            Signal();
            return result;
        }
    }

    private void Signal()
    {
        var changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.TrySetResult();
    }

    public void MarkImageBad(string image)
    {
        lock (_gate)
        {
            _badImages.Add(image);
        }
    }

    public bool IsMutating(string operation) => operation is "RegisterTaskDefinition" or "UpdateService" or "DeregisterTaskDefinition" or "CreateService" or "StopTask" or "PutLogEvents";

    /// <summary>Runs one ECS operation on a validated body.</summary>
    public JsonObject Ecs(string operation, JsonObject body) => Locked(() => operation switch
    {
        "DescribeServices" => DescribeServices(body),
        "UpdateService" => UpdateService(body),
        "ListServices" => ListServices(body),
        "DescribeTaskDefinition" => DescribeTaskDefinition(body),
        "RegisterTaskDefinition" => RegisterTaskDefinition(body),
        "ListTaskDefinitions" => ListTaskDefinitions(body),
        "DescribeTasks" => DescribeTasks(body),
        "ListTasks" => ListTasks(body),
        _ => throw AwsErrorException.Client("UnknownOperationException", $"The test server does not implement {operation}."),
    });

    public static readonly IReadOnlySet<string> EcsOperations = new HashSet<string>(StringComparer.Ordinal)
    {
        "DescribeServices", "UpdateService", "ListServices", "DescribeTaskDefinition", "RegisterTaskDefinition", "ListTaskDefinitions", "DescribeTasks", "ListTasks",
    };

    // ---- names and ARNs

    private string ClusterArn(string name) => $"arn:aws:ecs:{Region}:{AccountId}:cluster/{name}";

    private string ServiceArn(string cluster, string name) => $"arn:aws:ecs:{Region}:{AccountId}:service/{cluster}/{name}";

    private string TaskDefinitionArn(string family, int revision) => $"arn:aws:ecs:{Region}:{AccountId}:task-definition/{family}:{revision}";

    public string UserArn(string user) => $"arn:aws:iam::{AccountId}:user/{user}";

    private static string LastSegment(string value) => value[(value.LastIndexOf('/') + 1)..];

    private static string NewDeploymentId() =>
        "ecs-svc/" + string.Concat(RandomNumberGenerator.GetBytes(19).Select(b => (char)('0' + (b % 10))));

    private static double Epoch(DateTimeOffset t) => Math.Round(t.ToUnixTimeMilliseconds() / 1000.0, 3);

    /// <summary>A cluster by name or ARN ("default" when absent), or ClusterNotFoundException.</summary>
    private ClusterState Cluster(JsonObject body)
    {
        var given = body["cluster"]?.GetValue<string>();
        var name = string.IsNullOrEmpty(given) ? "default" : given.StartsWith("arn:", StringComparison.Ordinal) ? LastSegment(given) : given;
        return _clusters.TryGetValue(name, out var cluster) && (given is null || !given.StartsWith("arn:", StringComparison.Ordinal) || given == cluster.Arn)
            ? cluster
            : throw AwsErrorException.Client("ClusterNotFoundException", "Cluster not found.");
    }

    private static ServiceState? FindService(ClusterState cluster, string nameOrArn)
    {
        var name = nameOrArn.StartsWith("arn:", StringComparison.Ordinal) ? LastSegment(nameOrArn) : nameOrArn;
        return cluster.Services.FirstOrDefault(s => s.Name == name && (!nameOrArn.StartsWith("arn:", StringComparison.Ordinal) || s.Arn == nameOrArn));
    }

    /// <summary>"family", "family:revision" or a full ARN; a bare family is its latest ACTIVE revision.</summary>
    private TaskDefinitionState? FindTaskDefinition(string reference)
    {
        var text = reference.StartsWith("arn:", StringComparison.Ordinal)
            ? reference.Contains(":task-definition/", StringComparison.Ordinal) && reference.StartsWith($"arn:aws:ecs:{Region}:{AccountId}:", StringComparison.Ordinal)
                ? reference[(reference.IndexOf(":task-definition/", StringComparison.Ordinal) + 17)..]
                : null
            : reference;
        if (text is null)
        {
            return null;
        }

        var colon = text.LastIndexOf(':');
        if (colon < 0)
        {
            return _families.GetValueOrDefault(text)?.LastOrDefault(t => t.Status == "ACTIVE");
        }

        return int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var revision)
            ? _families.GetValueOrDefault(text[..colon])?.FirstOrDefault(t => t.Revision == revision)
            : null;
    }

    // ---- seeding and inspection (for tests, not through the API)

    public ServiceSnapshot Seed(string clusterName, string serviceName, string image, int desiredCount, SeedOptions options) => Locked(() =>
    {
        var cluster = EnsureCluster(clusterName);
        if (FindService(cluster, serviceName) is not null)
        {
            throw new InvalidOperationException($"service {serviceName} already exists in cluster {clusterName}");
        }

        var family = options.Family ?? serviceName;
        var body = (JsonObject?)options.TaskDefinition?.DeepClone() ?? new JsonObject
        {
            ["family"] = family,
            ["networkMode"] = "awsvpc",
            ["requiresCompatibilities"] = new JsonArray("FARGATE"),
            ["cpu"] = "256",
            ["memory"] = "512",
            ["executionRoleArn"] = $"arn:aws:iam::{AccountId}:role/ecsTaskExecutionRole",
            ["containerDefinitions"] = new JsonArray(new JsonObject
            {
                ["name"] = options.ContainerName,
                ["image"] = image,
                ["essential"] = true,
                ["portMappings"] = new JsonArray(new JsonObject { ["containerPort"] = 8080, ["protocol"] = "tcp" }),
                ["logConfiguration"] = new JsonObject
                {
                    ["logDriver"] = "awslogs",
                    ["options"] = new JsonObject
                    {
                        ["awslogs-group"] = options.LogGroup.Length > 0 ? options.LogGroup : $"/ecs/{serviceName}",
                        ["awslogs-region"] = Region,
                        ["awslogs-stream-prefix"] = options.StreamPrefix,
                    },
                },
            }),
        };
        body["family"] = family;
        if (body["containerDefinitions"]?[0] is JsonObject first)
        {
            first["image"] = image;
        }

        var definition = Register(body);
        var service = new ServiceState(cluster.Name, serviceName, ServiceArn(cluster.Name, serviceName), Now)
        {
            DesiredCount = desiredCount,
            TaskDefinitionArn = definition.Arn,
            DeploymentConfiguration = new JsonObject
            {
                ["deploymentCircuitBreaker"] = new JsonObject { ["enable"] = options.CircuitBreaker, ["rollback"] = options.Rollback },
                ["maximumPercent"] = 200,
                ["minimumHealthyPercent"] = 100,
            },
            NetworkConfiguration = new JsonObject
            {
                ["awsvpcConfiguration"] = new JsonObject
                {
                    ["subnets"] = new JsonArray("subnet-0a1b2c3d4e5f60718"),
                    ["securityGroups"] = new JsonArray("sg-0123456789abcdef0"),
                    ["assignPublicIp"] = "DISABLED",
                },
            },
        };
        var deployment = new DeploymentState(NewDeploymentId(), definition.Arn, desiredCount, Now);
        service.Deployments.Add(deployment);
        cluster.Services.Add(service);
        AddEvent(service, $"(service {serviceName}) was created.");
        if (!definition.Containers.Any(c => _badImages.Contains(c["image"]?.GetValue<string>() ?? string.Empty)))
        {
            // A seeded healthy service is already rolled out: its tasks run and its deployment is COMPLETED.
            for (var i = 0; i < desiredCount; i++)
            {
                StartTask(Launch(service, deployment, definition));
            }

            Complete(service, deployment);
            service.Steady = true;
        }

        return Snapshot(service);
    });

    private ClusterState EnsureCluster(string name)
    {
        if (!_clusters.TryGetValue(name, out var cluster))
        {
            cluster = new ClusterState(name, ClusterArn(name));
            _clusters[name] = cluster;
        }

        return cluster;
    }

    public void CreateCluster(string name) => Locked(() => EnsureCluster(name));

    /// <summary>What DeleteService --force leaves behind: the service INACTIVE, its tasks stopped, still described.</summary>
    public void DeleteService(string clusterName, string serviceName) => Locked(() =>
    {
        var service = _clusters.TryGetValue(clusterName, out var cluster) ? FindService(cluster, serviceName) : null;
        if (service is null)
        {
            throw new InvalidOperationException($"no service {serviceName} in cluster {clusterName}");
        }

        service.Status = "INACTIVE";
        service.DesiredCount = 0;
        foreach (var task in _tasks.Where(t => t.Cluster == clusterName && t.Service == serviceName && t.Live))
        {
            Stop(task, "Service deleted");
        }

        return 0;
    });

    public ServiceSnapshot? Service(string cluster, string service) => Locked(() =>
        _clusters.TryGetValue(cluster, out var c) && FindService(c, service) is { } s ? Snapshot(s) : null);

    public IReadOnlyList<TaskSnapshot> Tasks(string cluster, string service) => Locked(() =>
        (IReadOnlyList<TaskSnapshot>)[.. _tasks.Where(t => t.Cluster == cluster && t.Service == service).Select(TaskSnapshotOf)]);

    public TaskDefinitionSnapshot? TaskDefinition(string reference) => Locked(() =>
        FindTaskDefinition(reference) is { } t ? new TaskDefinitionSnapshot(t.Arn, t.Family, t.Revision, t.Status, TaskDefinitionBody(t)) : null);

    public IReadOnlyList<TaskDefinitionSnapshot> TaskDefinitions(string family) => Locked(() =>
        (IReadOnlyList<TaskDefinitionSnapshot>)[.. (_families.GetValueOrDefault(family) ?? []).Select(t => new TaskDefinitionSnapshot(t.Arn, t.Family, t.Revision, t.Status, TaskDefinitionBody(t)))]);

    private ServiceSnapshot Snapshot(ServiceState s) => new(
        s.Cluster, s.Name, s.Arn, s.Status, s.DesiredCount, Count(s, null, "RUNNING"), Count(s, null, "PENDING"), s.TaskDefinitionArn,
        [.. s.Deployments.Select(d => new DeploymentSnapshot(d.Id, d.Status, d.TaskDefinitionArn, d.DesiredCount,
            Count(s, d.Id, "RUNNING"), Count(s, d.Id, "PENDING"), d.FailedTasks, d.RolloutState, d.RolloutStateReason))],
        [.. s.Events.Select(e => e.Message)], s.CircuitBreakerEnabled, s.CircuitBreakerRollback);

    private static TaskSnapshot TaskSnapshotOf(TaskState t) => new(t.Arn, t.Id, t.TaskDefinitionArn, t.DeploymentId, t.LastStatus, t.StoppedReason, t.StopCode,
        [.. t.Containers.Select(c => new ContainerSnapshot(c.Name, c.Image, c.LastStatus, c.ExitCode, c.Reason))]);

    private int Count(ServiceState service, string? deploymentId, string status) =>
        _tasks.Count(t => t.Cluster == service.Cluster && t.Service == service.Name && t.LastStatus == status && (deploymentId is null || t.DeploymentId == deploymentId));

    // ---- ECS operations

    private JsonObject DescribeServices(JsonObject body)
    {
        var cluster = Cluster(body);
        var names = body["services"]!.AsArray().Select(n => n!.GetValue<string>()).ToList();
        if (names.Count is 0 or > 10)
        {
            throw AwsErrorException.Client("InvalidParameterException", names.Count == 0 ? "Services cannot be empty." : "Services cannot contain more than 10 items.");
        }

        var services = new JsonArray();
        var failures = new JsonArray();
        foreach (var name in names)
        {
            if (FindService(cluster, name) is { } service)
            {
                services.Add(ServiceJson(service));
            }
            else
            {
                failures.Add(new JsonObject
                {
                    ["arn"] = name.StartsWith("arn:", StringComparison.Ordinal) ? name : ServiceArn(cluster.Name, name),
                    ["reason"] = "MISSING",
                });
            }
        }

        return new JsonObject { ["services"] = services, ["failures"] = failures };
    }

    private JsonObject ServiceJson(ServiceState s)
    {
        var json = new JsonObject
        {
            ["serviceArn"] = s.Arn,
            ["serviceName"] = s.Name,
            ["clusterArn"] = ClusterArn(s.Cluster),
            ["loadBalancers"] = new JsonArray(),
            ["serviceRegistries"] = new JsonArray(),
            ["status"] = s.Status,
            ["desiredCount"] = s.DesiredCount,
            ["runningCount"] = Count(s, null, "RUNNING"),
            ["pendingCount"] = Count(s, null, "PENDING"),
            ["launchType"] = s.LaunchType,
            ["platformVersion"] = "LATEST",
            ["platformFamily"] = "Linux",
            ["taskDefinition"] = s.TaskDefinitionArn,
            ["deploymentConfiguration"] = s.DeploymentConfiguration.DeepClone(),
            ["deployments"] = new JsonArray([.. s.Deployments.Select(d => (JsonNode)new JsonObject
            {
                ["id"] = d.Id,
                ["status"] = d.Status,
                ["taskDefinition"] = d.TaskDefinitionArn,
                ["desiredCount"] = d.DesiredCount,
                ["pendingCount"] = Count(s, d.Id, "PENDING"),
                ["runningCount"] = Count(s, d.Id, "RUNNING"),
                ["failedTasks"] = d.FailedTasks,
                ["createdAt"] = Epoch(d.CreatedAt),
                ["updatedAt"] = Epoch(d.UpdatedAt),
                ["launchType"] = s.LaunchType,
                ["platformVersion"] = "1.4.0",
                ["platformFamily"] = "Linux",
                ["networkConfiguration"] = s.NetworkConfiguration?.DeepClone(),
                ["rolloutState"] = d.RolloutState,
                ["rolloutStateReason"] = d.RolloutStateReason,
            })]),
            ["roleArn"] = $"arn:aws:iam::{AccountId}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS",
            ["events"] = new JsonArray([.. s.Events.Select(e => (JsonNode)new JsonObject
            {
                ["id"] = e.Id,
                ["createdAt"] = Epoch(e.CreatedAt),
                ["message"] = e.Message,
            })]),
            ["createdAt"] = Epoch(s.CreatedAt),
            ["placementConstraints"] = new JsonArray(),
            ["placementStrategy"] = new JsonArray(),
            ["networkConfiguration"] = s.NetworkConfiguration?.DeepClone(),
            ["schedulingStrategy"] = "REPLICA",
            ["deploymentController"] = new JsonObject { ["type"] = "ECS" },
            ["createdBy"] = $"arn:aws:iam::{AccountId}:role/admin",
            ["enableECSManagedTags"] = false,
            ["propagateTags"] = "NONE",
            ["enableExecuteCommand"] = false,
        };
        if (s.NetworkConfiguration is null)
        {
            json.Remove("networkConfiguration");
            foreach (var d in json["deployments"]!.AsArray())
            {
                d!.AsObject().Remove("networkConfiguration");
            }
        }

        return json;
    }

    private JsonObject UpdateService(JsonObject body)
    {
        var cluster = Cluster(body);
        var service = FindService(cluster, body["service"]!.GetValue<string>())
            ?? throw AwsErrorException.Client("ServiceNotFoundException", "Service not found.");
        if (service.Status != "ACTIVE")
        {
            throw AwsErrorException.Client("ServiceNotActiveException", "Service was not ACTIVE.");
        }

        var desired = body["desiredCount"]?.GetValue<int>();
        if (desired < 0)
        {
            throw AwsErrorException.Client("InvalidParameterException", "DesiredCount must be greater than or equal to 0.");
        }

        TaskDefinitionState? definition = null;
        if (body["taskDefinition"]?.GetValue<string>() is { } reference)
        {
            definition = FindTaskDefinition(reference);
            if (definition is null || definition.Status != "ACTIVE")
            {
                throw AwsErrorException.Client("InvalidParameterException", definition is null
                    ? "TaskDefinition not found."
                    : $"TaskDefinition is inactive");
            }
        }

        if (body["deploymentConfiguration"] is JsonObject configuration)
        {
            foreach (var (key, value) in configuration)
            {
                service.DeploymentConfiguration[key] = value?.DeepClone();
            }
        }

        if (desired is { } count)
        {
            service.DesiredCount = count;
            service.Deployments[0].DesiredCount = count;
            service.Deployments[0].UpdatedAt = Now;
        }

        var force = body["forceNewDeployment"]?.GetValue<bool>() == true;
        if (force || (definition is not null && definition.Arn != service.TaskDefinitionArn))
        {
            var target = definition ?? FindTaskDefinition(service.TaskDefinitionArn)!;
            NewDeployment(service, target.Arn, reason: null);
        }

        return new JsonObject { ["service"] = ServiceJson(service) };
    }

    /// <summary>A new PRIMARY deployment; the one before it becomes ACTIVE and drains as the new one's tasks start.</summary>
    private DeploymentState NewDeployment(ServiceState service, string taskDefinitionArn, string? reason)
    {
        foreach (var old in service.Deployments)
        {
            old.Status = "ACTIVE";
            old.UpdatedAt = Now;
        }

        var deployment = new DeploymentState(NewDeploymentId(), taskDefinitionArn, service.DesiredCount, Now);
        if (reason is not null)
        {
            deployment.RolloutStateReason = reason;
        }

        service.Deployments.Insert(0, deployment);
        service.TaskDefinitionArn = taskDefinitionArn;
        service.Steady = false;
        return deployment;
    }

    private JsonObject ListServices(JsonObject body)
    {
        var cluster = Cluster(body);
        var arns = cluster.Services.Where(s => s.Status == "ACTIVE").Select(s => s.Arn).ToList();
        var (page, next) = Page(arns, body, defaultSize: 10, maximum: 100);
        return WithToken(new JsonObject { ["serviceArns"] = new JsonArray([.. page.Select(a => (JsonNode)a)]) }, next);
    }

    private JsonObject DescribeTaskDefinition(JsonObject body)
    {
        var definition = FindTaskDefinition(body["taskDefinition"]!.GetValue<string>())
            ?? throw AwsErrorException.Client("ClientException", "Unable to describe task definition.");
        var response = new JsonObject { ["taskDefinition"] = TaskDefinitionBody(definition) };
        if (body["include"]?.AsArray().Any(i => i!.GetValue<string>() == "TAGS") == true)
        {
            response["tags"] = definition.Tags?.DeepClone() ?? new JsonArray();
        }

        return response;
    }

    private JsonObject TaskDefinitionBody(TaskDefinitionState t)
    {
        var json = new JsonObject { ["taskDefinitionArn"] = t.Arn };
        foreach (var (key, value) in t.Registered)
        {
            json[key] = value?.DeepClone();
        }

        json["revision"] = t.Revision;
        json["status"] = t.Status;
        json["requiresAttributes"] = new JsonArray();
        json["compatibilities"] = t.Registered["networkMode"]?.GetValue<string>() == "awsvpc" ? new JsonArray("EC2", "FARGATE") : new JsonArray("EC2");
        json["registeredAt"] = Epoch(t.RegisteredAt);
        json["registeredBy"] = $"arn:aws:iam::{AccountId}:role/admin";
        return json;
    }

    private JsonObject RegisterTaskDefinition(JsonObject body)
    {
        var definition = Register(body);
        var response = new JsonObject { ["taskDefinition"] = TaskDefinitionBody(definition) };
        if (definition.Tags is { Count: > 0 })
        {
            response["tags"] = definition.Tags.DeepClone();
        }

        return response;
    }

    private TaskDefinitionState Register(JsonObject body)
    {
        var family = body["family"]!.GetValue<string>();
        if (family.Length is 0 or > 255 || !family.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            throw AwsErrorException.Client("ClientException",
                "Family contains invalid characters. Up to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores are allowed.");
        }

        var containers = body["containerDefinitions"]!.AsArray();
        if (containers.Count == 0)
        {
            throw AwsErrorException.Client("ClientException", "Container list cannot be empty.");
        }

        if (containers.Any(c => string.IsNullOrEmpty(c?["name"]?.GetValue<string>()) || string.IsNullOrEmpty(c?["image"]?.GetValue<string>())))
        {
            throw AwsErrorException.Client("ClientException", "Container.name and Container.image should not be null or empty.");
        }

        var fargate = body["requiresCompatibilities"]?.AsArray().Any(c => c!.GetValue<string>() == "FARGATE") == true;
        if (fargate && body["networkMode"]?.GetValue<string>() != "awsvpc")
        {
            throw AwsErrorException.Client("ClientException", "Fargate only supports network mode ‘awsvpc’.");
        }

        var revisions = _families.TryGetValue(family, out var existing) ? existing : _families[family] = [];
        var revision = revisions.Count == 0 ? 1 : revisions[^1].Revision + 1;
        var registered = (JsonObject)body.DeepClone();
        var tags = registered["tags"] as JsonArray;
        registered.Remove("tags");
        var definition = new TaskDefinitionState(family, revision, TaskDefinitionArn(family, revision), registered, tags, Now);
        revisions.Add(definition);
        return definition;
    }

    private JsonObject ListTaskDefinitions(JsonObject body)
    {
        var status = body["status"]?.GetValue<string>() ?? "ACTIVE";
        var family = body["familyPrefix"]?.GetValue<string>();
        var all = _families.Where(f => family is null || f.Key == family)
            .OrderBy(f => f.Key, StringComparer.Ordinal)
            .SelectMany(f => f.Value.OrderBy(t => t.Revision))
            .Where(t => t.Status == status)
            .Select(t => t.Arn);
        var ordered = body["sort"]?.GetValue<string>() == "DESC" ? all.Reverse().ToList() : all.ToList();
        var (page, next) = Page(ordered, body, defaultSize: 100, maximum: 100);
        return WithToken(new JsonObject { ["taskDefinitionArns"] = new JsonArray([.. page.Select(a => (JsonNode)a)]) }, next);
    }

    private JsonObject ListTasks(JsonObject body)
    {
        var cluster = Cluster(body);
        var serviceName = body["serviceName"]?.GetValue<string>();
        ServiceState? service = null;
        if (serviceName is not null)
        {
            service = FindService(cluster, serviceName) ?? throw AwsErrorException.Client("ServiceNotFoundException", "Service not found.");
        }

        var desired = body["desiredStatus"]?.GetValue<string>() ?? "RUNNING";
        var family = body["family"]?.GetValue<string>();
        var startedBy = body["startedBy"]?.GetValue<string>();
        var arns = _tasks.Where(t => t.Cluster == cluster.Name
                && (service is null || t.Service == service.Name)
                && t.DesiredStatus == desired
                && (family is null || FindTaskDefinition(t.TaskDefinitionArn)?.Family == family)
                && (startedBy is null || t.DeploymentId == startedBy))
            .Select(t => t.Arn).ToList();
        var (page, next) = Page(arns, body, defaultSize: 100, maximum: 100);
        return WithToken(new JsonObject { ["taskArns"] = new JsonArray([.. page.Select(a => (JsonNode)a)]) }, next);
    }

    private JsonObject DescribeTasks(JsonObject body)
    {
        var cluster = Cluster(body);
        var ids = body["tasks"]!.AsArray().Select(n => n!.GetValue<string>()).ToList();
        if (ids.Count is 0 or > 100)
        {
            throw AwsErrorException.Client("InvalidParameterException", ids.Count == 0 ? "Tasks cannot be empty." : "Tasks cannot contain more than 100 items.");
        }

        var tasks = new JsonArray();
        var failures = new JsonArray();
        foreach (var id in ids)
        {
            var task = _tasks.FirstOrDefault(t => t.Cluster == cluster.Name && (t.Arn == id || t.Id == id));
            if (task is null)
            {
                failures.Add(new JsonObject { ["arn"] = id.StartsWith("arn:", StringComparison.Ordinal) ? id : $"arn:aws:ecs:{Region}:{AccountId}:task/{cluster.Name}/{id}", ["reason"] = "MISSING" });
                continue;
            }

            tasks.Add(TaskJson(task));
        }

        return new JsonObject { ["tasks"] = tasks, ["failures"] = failures };
    }

    private JsonObject TaskJson(TaskState t)
    {
        var definition = FindTaskDefinition(t.TaskDefinitionArn);
        var json = new JsonObject
        {
            ["attachments"] = new JsonArray(),
            ["attributes"] = new JsonArray(new JsonObject { ["name"] = "ecs.cpu-architecture", ["value"] = "x86_64" }),
            ["availabilityZone"] = $"{Region}a",
            ["clusterArn"] = ClusterArn(t.Cluster),
            ["connectivity"] = "CONNECTED",
            ["connectivityAt"] = Epoch(t.CreatedAt),
            ["containers"] = new JsonArray([.. t.Containers.Select(c =>
            {
                var container = new JsonObject
                {
                    ["containerArn"] = c.Arn,
                    ["taskArn"] = t.Arn,
                    ["name"] = c.Name,
                    ["image"] = c.Image,
                    ["lastStatus"] = c.LastStatus,
                    ["networkInterfaces"] = new JsonArray(),
                    ["healthStatus"] = "UNKNOWN",
                    ["cpu"] = "0",
                };
                if (c.ExitCode is { } exit)
                {
                    container["exitCode"] = exit;
                }

                if (c.Reason is { } reason)
                {
                    container["reason"] = reason;
                }

                return (JsonNode)container;
            })]),
            ["cpu"] = definition?.Registered["cpu"]?.DeepClone() ?? "256",
            ["createdAt"] = Epoch(t.CreatedAt),
            ["desiredStatus"] = t.DesiredStatus,
            ["enableExecuteCommand"] = false,
            ["group"] = $"service:{t.Service}",
            ["healthStatus"] = "UNKNOWN",
            ["lastStatus"] = t.LastStatus,
            ["launchType"] = "FARGATE",
            ["memory"] = definition?.Registered["memory"]?.DeepClone() ?? "512",
            ["overrides"] = new JsonObject
            {
                ["containerOverrides"] = new JsonArray([.. t.Containers.Select(c => (JsonNode)new JsonObject { ["name"] = c.Name })]),
                ["inferenceAcceleratorOverrides"] = new JsonArray(),
            },
            ["platformVersion"] = "1.4.0",
            ["platformFamily"] = "Linux",
            ["startedBy"] = t.DeploymentId,
            ["tags"] = new JsonArray(),
            ["taskArn"] = t.Arn,
            ["taskDefinitionArn"] = t.TaskDefinitionArn,
            ["version"] = t.LastStatus switch { "PENDING" => 1, "RUNNING" => 2, _ => 3 },
        };
        if (t.StartedAt is { } started)
        {
            json["pullStartedAt"] = Epoch(t.CreatedAt);
            json["pullStoppedAt"] = Epoch(started);
            json["startedAt"] = Epoch(started);
        }

        if (t.StoppedAt is { } stopped)
        {
            json["stopCode"] = t.StopCode;
            json["stoppedReason"] = t.StoppedReason;
            json["stoppingAt"] = Epoch(stopped);
            json["executionStoppedAt"] = Epoch(stopped);
            json["stoppedAt"] = Epoch(stopped);
        }

        return json;
    }

    // ---- pagination: an opaque token that says where the next page starts and for which request

    private (List<string> Page, string? Next) Page(List<string> items, JsonObject body, int defaultSize, int maximum)
    {
        var requested = body["maxResults"]?.GetValue<int>();
        if (requested is < 1 || requested > maximum)
        {
            throw AwsErrorException.Client("InvalidParameterException", $"maxResults must be between 1 and {maximum}.");
        }

        var size = Math.Min(requested ?? defaultSize, PageSize ?? int.MaxValue);
        var start = body["nextToken"]?.GetValue<string>() is { } token ? DecodeToken(token, body) : 0;
        var page = items.Skip(start).Take(size).ToList();
        var next = start + page.Count < items.Count ? EncodeToken(start + page.Count, body) : null;
        return (page, next);
    }

    /// <summary>A token is bound to the request's other members: reusing it with different filters is refused, as AWS does.</summary>
    private static string EncodeToken(int offset, JsonObject body)
    {
        var text = $"{offset}|{RequestKey(body)}";
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(text));
    }

    private static int DecodeToken(string token, JsonObject body)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(token));
            var bar = text.IndexOf('|', StringComparison.Ordinal);
            if (bar > 0 && text[(bar + 1)..] == RequestKey(body) && int.TryParse(text[..bar], NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
            {
                return offset;
            }
        }
        catch (FormatException)
        {
        }

        throw AwsErrorException.Client("InvalidParameterException", "Invalid token.");
    }

    private static string RequestKey(JsonObject body)
    {
        var key = new JsonObject();
        foreach (var (name, value) in body.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (name is not ("nextToken" or "maxResults" or "limit"))
            {
                key[name] = value?.DeepClone();
            }
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key.ToJsonString())))[..16];
    }

    private static JsonObject WithToken(JsonObject response, string? next)
    {
        if (next is not null)
        {
            response["nextToken"] = next;
        }

        return response;
    }
}
