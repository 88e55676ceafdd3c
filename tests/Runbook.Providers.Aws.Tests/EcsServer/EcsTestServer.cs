using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace Runbook.Providers.Aws.Tests.EcsServer;

/// <summary>
/// An Amazon ECS and CloudWatch Logs endpoint for tests: the awsJson1_1 protocol as the official service
/// definitions describe it (POST /, X-Amz-Target, application/x-amz-json-1.1), Signature Version 4 verified
/// against the test credentials, the operations the aws provider calls with their error shapes, a scheduler
/// that rolls deployments out over controller rounds with a circuit breaker, and faults to inject. The AWS CLI
/// and the official JavaScript SDK are run against it to show it behaves like the real one.
/// </summary>
/// <example>
/// <code>
/// await using var ecs = await EcsTestServer.StartAsync();
/// ecs.SeedService("prod", "web", "web:1", desiredCount: 2);
/// // point a client at ecs.Endpoint with ecs.AccessKeyId / ecs.SecretAccessKey / ecs.Region
/// await ecs.WaitUntilAsync(s => s.Service("prod", "web")!.Stable);
/// </code>
/// </example>
public sealed partial class EcsTestServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly EcsBackend _backend;
    private readonly ServiceModel _ecsModel = ServiceModel.Load("ecs-2014-11-13.service-2.json");
    private readonly ServiceModel _logsModel = ServiceModel.Load("logs-2014-03-28.service-2.json");
    private readonly ConcurrentDictionary<string, TestCredentials> _credentials = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string AccessKeyId, string Operation), bool> _denied = new();
    private readonly ConcurrentQueue<RecordedCall> _calls = new();
    private readonly ConcurrentQueue<string> _outputProblems = new();
    private readonly FaultQueue _throttling = new();
    private readonly FaultQueue _serverErrors = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly TimeProvider _time;
    private readonly Task _scheduler;
    private readonly object _pace = new();
    private TimeSpan _tickInterval;
    private CancellationTokenSource _wake = new();

    private EcsTestServer(WebApplication app, EcsTestServerOptions options)
    {
        _app = app;
        _time = options.Time;
        _tickInterval = options.TickInterval;
        Region = options.Region;
        AccountId = options.AccountId;
        _backend = new EcsBackend(Region, AccountId, _time) { PageSize = options.PageSize };
        var main = AddCredentials("runbook-tester");
        AccessKeyId = main.AccessKeyId;
        SecretAccessKey = main.SecretAccessKey;
        QualifiedErrorTypes = options.QualifiedErrorTypes;
        _scheduler = Task.Run(RunSchedulerAsync);
    }

    /// <summary>http://127.0.0.1:PORT/ — what a client takes as its endpoint URL, for ECS and Logs alike.</summary>
    public Uri Endpoint => new(_app.Urls.First().TrimEnd('/') + "/");

    public string AccessKeyId { get; }

    public string SecretAccessKey { get; }

    public string Region { get; }

    public string AccountId { get; }

    /// <summary>When true, error bodies name the shape with its namespace (<c>com.amazonaws.ecs#ClusterNotFoundException</c>), as some AWS endpoints do.</summary>
    public bool QualifiedErrorTypes { get; set; }

    /// <summary>How often the scheduler runs a round by itself; <see cref="Timeout.InfiniteTimeSpan"/> for rounds only through <see cref="Advance"/>.</summary>
    public TimeSpan TickInterval
    {
        get
        {
            lock (_pace)
            {
                return _tickInterval;
            }
        }

        set
        {
            lock (_pace)
            {
                _tickInterval = value;
                _wake.Cancel();
            }
        }
    }

    /// <summary>At most this many items per page of every paginated operation (null: each operation's real default).</summary>
    public int? PageSize
    {
        get => _backend.PageSize;
        set => _backend.PageSize = value;
    }

    /// <summary>Every request that reached the server, in order, with how it was answered.</summary>
    public IReadOnlyList<RecordedCall> Calls => [.. _calls];

    /// <summary>Requests that named a mutating operation (RegisterTaskDefinition, UpdateService …), however they were answered.</summary>
    public int MutatingCalls => _calls.Count(c => c.Mutating);

    /// <summary>Responses the server sent that did not match the service definition's output shape: a bug here, kept for tests to assert on.</summary>
    public IReadOnlyList<string> OutputProblems => [.. _outputProblems];

    public static async Task<EcsTestServer> StartAsync(EcsTestServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new EcsTestServer(app, options ?? new EcsTestServerOptions());
        app.Run(server.HandleAsync);
        await app.StartAsync(cancellationToken);
        return server;
    }

    public int CallsTo(string operation) => _calls.Count(c => c.Operation == operation);

    /// <summary>Another long-term access key the server accepts, for a second principal (e.g. one that is denied something).</summary>
    public TestCredentials AddCredentials(string userName)
    {
        var credentials = new TestCredentials("AKIA" + RandomText(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), RandomText(40, Base64Alphabet), null, userName);
        _credentials[credentials.AccessKeyId] = credentials;
        return credentials;
    }

    /// <summary>Temporary credentials (as STS hands out): requests must carry X-Amz-Security-Token; after <paramref name="expires"/> they get ExpiredTokenException.</summary>
    public TestCredentials AddSessionCredentials(string userName, DateTimeOffset? expires = null)
    {
        var credentials = new TestCredentials("ASIA" + RandomText(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), RandomText(40, Base64Alphabet),
            RandomText(300, Base64Alphabet), userName, expires ?? _time.GetUtcNow().AddHours(1));
        _credentials[credentials.AccessKeyId] = credentials;
        return credentials;
    }

    /// <summary>Requests signed with this key for this operation get AccessDeniedException, as an IAM policy without the action would.</summary>
    public void Deny(string accessKeyId, string operation) => _denied[(accessKeyId, operation)] = true;

    /// <summary>The next <paramref name="count"/> requests (for <paramref name="operation"/> only, when given) get ThrottlingException.</summary>
    public void InjectThrottling(int count, string? operation = null) => _throttling.Add(count, operation);

    /// <summary>The next <paramref name="count"/> requests (for <paramref name="operation"/> only, when given) get a 500 ServerException (ECS) or 503 ServiceUnavailableException (Logs).</summary>
    public void InjectServerErrors(int count, string? operation = null) => _serverErrors.Add(count, operation);

    /// <summary>Tasks of any task definition with this image fail to start: exit code 1, "Essential container in task exited".</summary>
    public void MarkImageBad(string image) => _backend.MarkImageBad(image);

    /// <summary>
    /// A cluster (made when missing), a task definition revision 1 of the family (the service name unless set)
    /// with one container running <paramref name="image"/> and awslogs to /ecs/SERVICE with prefix "ecs", and a
    /// service whose deployment has already COMPLETED with <paramref name="desiredCount"/> running tasks — unless
    /// the image is marked bad, in which case the rollout is IN_PROGRESS and its tasks keep failing.
    /// </summary>
    public ServiceSnapshot SeedService(string cluster, string service, string image, int desiredCount, SeedOptions? options = null) =>
        _backend.Seed(cluster, service, image, desiredCount, options ?? new SeedOptions());

    public void CreateCluster(string name) => _backend.CreateCluster(name);

    /// <summary>Deletes a service as DeleteService --force does: it turns INACTIVE (still described, no longer updatable) and its tasks stop.</summary>
    public void DeleteService(string cluster, string service) => _backend.DeleteService(cluster, service);

    /// <summary>The service as the server holds it now, or null when there is none.</summary>
    public ServiceSnapshot? Service(string cluster, string service) => _backend.Service(cluster, service);

    /// <summary>Every task of the service the server still knows, running and stopped.</summary>
    public IReadOnlyList<TaskSnapshot> Tasks(string cluster, string service) => _backend.Tasks(cluster, service);

    /// <summary>A task definition by "family", "family:revision" or ARN.</summary>
    public TaskDefinitionSnapshot? TaskDefinition(string reference) => _backend.TaskDefinition(reference);

    public IReadOnlyList<TaskDefinitionSnapshot> TaskDefinitions(string family) => _backend.TaskDefinitions(family);

    public void AppendLog(string group, string stream, string message, DateTimeOffset? at = null) => _backend.AppendLog(group, stream, message, at);

    /// <summary>Writes a line to the log stream of each running task of the service; returns how many streams got it.</summary>
    public int WriteServiceLog(string cluster, string service, string message) => _backend.WriteServiceLog(cluster, service, message);

    public IReadOnlyList<LogEventSnapshot> LogEvents(string group) => _backend.LogEvents(group);

    /// <summary>Runs scheduler rounds now, whatever the tick interval.</summary>
    public void Advance(int rounds = 1)
    {
        for (var i = 0; i < rounds; i++)
        {
            _backend.Round();
        }
    }

    /// <summary>Waits (without polling sleeps: each change wakes it) until the condition holds; false after the timeout.</summary>
    public async Task<bool> WaitUntilAsync(Func<EcsTestServer, bool> condition, TimeSpan? timeout = null)
    {
        var deadline = _time.GetUtcNow() + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var changed = _backend.Changed;
            if (condition(this))
            {
                return true;
            }

            var left = deadline - _time.GetUtcNow();
            if (left <= TimeSpan.Zero)
            {
                return false;
            }

            await Task.WhenAny(changed, Task.Delay(left < TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1)));
        }
    }

    /// <summary>Waits until the service is stable as the services-stable waiter judges it, and returns it.</summary>
    public async Task<ServiceSnapshot> WaitForStableAsync(string cluster, string service, TimeSpan? timeout = null)
    {
        var stable = await WaitUntilAsync(s => s.Service(cluster, service)?.Stable == true, timeout);
        var now = Service(cluster, service) ?? throw new InvalidOperationException($"no service {service} in cluster {cluster}");
        return stable ? now : throw new TimeoutException($"service {service} did not become stable: {now}");
    }

    private async Task RunSchedulerAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TimeSpan interval;
            CancellationToken wake;
            lock (_pace)
            {
                interval = _tickInterval;
                if (_wake.IsCancellationRequested)
                {
                    _wake.Dispose();
                    _wake = new CancellationTokenSource();
                }

                wake = _wake.Token;
            }

            using var linked = CancellationTokenSource.CreateLinkedTokenSource(wake, _stop.Token);
            try
            {
                await Task.Delay(interval, _time, linked.Token);
                _backend.Round();
            }
            catch (OperationCanceledException)
            {
                // a new interval was set, or the server stops
            }
            catch (Exception ex)
            {
                // A bug in the simulation must show in the test output, and the scheduler must keep running.
                Console.Error.WriteLine($"ecs scheduler: {ex}");
            }
        }
    }

    private const string Base64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    private static string RandomText(int length, string alphabet) =>
        new([.. RandomNumberGenerator.GetBytes(length).Select(b => alphabet[b % alphabet.Length])]);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _scheduler;
        _stop.Dispose();
        _wake.Dispose();
    }

    /// <summary>Counted faults: the next N matching requests get the fault.</summary>
    private sealed class FaultQueue
    {
        private readonly List<(string? Operation, int Left)> _pending = [];

        public void Add(int count, string? operation)
        {
            lock (_pending)
            {
                _pending.Add((operation, count));
            }
        }

        public bool Take(string operation)
        {
            lock (_pending)
            {
                var index = _pending.FindIndex(p => p.Left > 0 && (p.Operation is null || p.Operation == operation));
                if (index < 0)
                {
                    return false;
                }

                _pending[index] = (_pending[index].Operation, _pending[index].Left - 1);
                return true;
            }
        }
    }
}

/// <summary>How a test server starts.</summary>
public sealed record EcsTestServerOptions
{
    public string Region { get; init; } = "eu-west-1";

    public string AccountId { get; init; } = "123456789012";

    /// <summary>How often the scheduler runs a round; Timeout.InfiniteTimeSpan for rounds only on <see cref="EcsTestServer.Advance"/>.</summary>
    public TimeSpan TickInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    public int? PageSize { get; init; }

    public bool QualifiedErrorTypes { get; init; }

    /// <summary>The clock for timestamps and signature skew checks; the real one unless a test fakes it.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}
