using System.Collections.Immutable;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Runbook.Execution.Actions;
using Runbook.Execution.Providers;
using Runbook.Providers.Gcp.Tests.CloudRunServer;
using Runbook.Providers.Tests;

namespace Runbook.Providers.Gcp.Tests.Provider;

/// <summary>The Cloud Run verbs, the client's retries and errors, against the Cloud Run test server (one service per test).</summary>
public sealed class CloudRunBackendTests(CloudRunServerFixture fixture) : IClassFixture<CloudRunServerFixture>
{
    private const string Image1 = "europe-docker.pkg.dev/runbook-test-project/apps/web:1";
    private const string Image2 = "europe-docker.pkg.dev/runbook-test-project/apps/web:2";

    private readonly CloudRunTestServer _server = fixture.Server;
    private readonly string _service = CloudRunServerFixture.NewService("web");
    private readonly ActionsContext _context = new();

    private Task<StepOutcome> Run(string action, params (string Name, object? Value)[] arguments) =>
        RunWith(GcpTarget.Actions(_server), action, arguments);

    private Task<StepOutcome> RunWith(IReadOnlyDictionary<string, IStepAction> actions, string action, params (string Name, object? Value)[] arguments) =>
        actions[action].ExecuteAsync(_context.Invocation(action, arguments.ToDictionary(a => a.Name, a => a.Value)), CancellationToken.None).AsTask();

    private async Task<Succeeded> WaitAsync(string? service = null) =>
        Assert.IsType<Succeeded>(await Run("service.wait", ("service", service ?? _service), ("timeout", "30s")));

    [Fact]
    public async Task Describe_reports_the_serving_revision_its_image_and_its_minimum_instances()
    {
        _server.SeedService(_service, Image1, minInstances: 2, maxInstances: 5);
        var seeded = _server.Service(_service);

        var described = Assert.IsType<Succeeded>(await Run("service.describe", ("service", _service)));

        Assert.Equal(seeded.ServingRevision, described.Outputs["revision"]);
        Assert.Equal(Image1, described.Outputs["image"]);
        Assert.Equal(2L, described.Outputs["replicas"]);
        Assert.Equal(2L, described.Outputs["desired_replicas"]);
        Assert.Equal(true, described.Outputs["healthy"]);
        Assert.Null(described.Outputs["previous_revision"]);
        var instance = Assert.IsType<Dictionary<string, object?>>(Assert.Single(Assert.IsType<List<object?>>(described.Outputs["instances"])));
        Assert.Equal("SERVING 100%", instance["state"]);
    }

    [Fact]
    public async Task Scale_sets_the_minimum_instances_in_a_new_revision_and_records_the_previous_minimum()
    {
        _server.SeedService(_service, Image1, minInstances: 1, maxInstances: 10);

        var scaled = Assert.IsType<Succeeded>(await Run("service.scale", ("service", _service), ("replicas", 4L)));
        await WaitAsync();

        var after = _server.Service(_service);
        Assert.Equal(1L, scaled.Outputs["previous_replicas"]);
        Assert.Equal(4, after.MinInstances);
        Assert.Equal(10, after.MaxInstances);
        Assert.Equal(2, after.Revisions.Count);
        Assert.Equal(4, after.Revisions.Single(r => r.Name == after.ServingRevision).MinInstances);
    }

    [Fact]
    public async Task Scale_above_the_maximum_raises_the_maximum_with_it()
    {
        _server.SeedService(_service, Image1, minInstances: 1, maxInstances: 3);

        Assert.IsType<Succeeded>(await Run("service.scale", ("service", _service), ("replicas", 5L)));
        await WaitAsync();

        Assert.Equal(5, _server.Service(_service).MinInstances);
        Assert.Equal(5, _server.Service(_service).MaxInstances);
    }

    [Fact]
    public async Task A_patch_sends_the_service_as_cloud_run_returned_it_with_only_the_change_and_its_etag()
    {
        _server.SeedService(_service, Image1, minInstances: 1, maxInstances: 10);
        var recorder = new RecordingHandler();
        var backend = GcpTarget.Backend(_server, handler: recorder);

        await backend.ScaleAsync(_service, 2, CancellationToken.None);

        var patchAt = recorder.Sent.ToList().FindIndex(s => s.Method == "PATCH");
        var get = recorder.Sent.Take(patchAt).Last(s => s.Method == "GET" && s.Target.EndsWith("/services/" + _service, StringComparison.Ordinal));
        var sent = JsonNode.Parse(recorder.Sent[patchAt].Body!)!.AsObject();
        var expected = JsonNode.Parse(get.Response)!.AsObject();
        Assert.NotNull(expected["etag"]);
        expected["template"]!["scaling"]!["minInstanceCount"] = 2;
        expected["template"]!.AsObject().Remove("revision");
        Assert.Equal(expected.ToJsonString(), sent.ToJsonString());
        Assert.Single(recorder.Sent, s => s.Method == "PATCH");
        Assert.Empty(FieldNameTests.PathsOutsideSchema(sent, "GoogleCloudRunV2Service", "run"));
    }

    [Fact]
    public async Task Restart_makes_a_new_revision_of_the_same_template_with_the_restart_annotation()
    {
        _server.SeedService(_service, Image1);
        var before = _server.Service(_service);

        var restarted = Assert.IsType<Succeeded>(await Run("service.restart", ("service", _service)));
        await WaitAsync();

        var after = _server.Service(_service);
        Assert.Equal(before.ServingRevision, restarted.Outputs["previous_revision"]);
        Assert.NotEqual(before.ServingRevision, after.ServingRevision);
        Assert.Equal(Image1, after.Image);
        Assert.Equal(before.MinInstances, after.MinInstances);
        Assert.True(after.TemplateAnnotations.ContainsKey(Runbook.Providers.Gcp.CloudRunServiceBackend.RestartAnnotation));
    }

    [Fact]
    public async Task Deploy_changes_the_image_in_a_new_revision_that_takes_the_traffic()
    {
        _server.SeedService(_service, Image1);
        var before = _server.Service(_service);

        var deployed = Assert.IsType<Succeeded>(await Run("service.deploy", ("service", _service), ("image", Image2)));
        await WaitAsync();

        var after = _server.Service(_service);
        Assert.Equal(Image1, deployed.Outputs["previous_image"]);
        Assert.Equal(before.ServingRevision, deployed.Outputs["previous_revision"]);
        Assert.Equal(Image2, after.Image);
        Assert.Equal(100, after.PercentServedBy(after.LatestReadyRevision!));
        Assert.NotEqual(before.ServingRevision, after.ServingRevision);
        Assert.Contains(_server.Calls, c => c.Method == "GET" && c.Target.Contains($"/locations/{_server.Region}/operations/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Wait_does_not_end_before_the_operation_is_done_and_the_new_revision_serves()
    {
        _server.SeedService(_service, Image1);
        Assert.IsType<Succeeded>(await Run("service.deploy", ("service", _service), ("image", Image2)));

        var waited = await WaitAsync();

        var after = _server.Service(_service);
        Assert.False(after.Reconciling);
        Assert.Equal(after.LatestCreatedRevision, after.ServingRevision);
        Assert.Equal(100, after.PercentServedBy(after.LatestCreatedRevision!));
        Assert.Equal(1L, waited.Outputs["ready_replicas"]);
    }

    [Fact]
    public async Task A_container_setting_that_names_no_container_is_an_error_listing_the_containers()
    {
        _server.SeedService(_service, Image1);

        var failed = Assert.IsType<Failed>(await RunWith(GcpTarget.Actions(_server, GcpTarget.Settings(_server, ("container", "sidecar"))),
            "service.deploy", ("service", _service), ("image", Image2)));

        Assert.Contains("no container 'sidecar'", failed.Error, StringComparison.Ordinal);
        Assert.Equal(0, _server.Calls.Count(c => c.Mutating && c.Target.Contains(_service, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Rollback_moves_all_traffic_to_the_previous_ready_revision_without_a_new_revision()
    {
        _server.SeedService(_service, Image1);
        var first = _server.Service(_service).ServingRevision;
        Assert.IsType<Succeeded>(await Run("service.deploy", ("service", _service), ("image", Image2)));
        await WaitAsync();
        var second = _server.Service(_service).ServingRevision;

        var rolledBack = Assert.IsType<Succeeded>(await Run("service.rollback", ("service", _service)));
        await WaitAsync();

        var after = _server.Service(_service);
        Assert.Equal(second, rolledBack.Outputs["previous_revision"]);
        Assert.Equal(first, rolledBack.Outputs["revision"]);
        Assert.Equal(100, after.PercentServedBy(first!));
        Assert.Equal(2, after.Revisions.Count);
        var pinned = Assert.Single(after.Traffic);
        Assert.False(pinned.Latest);
        Assert.Equal(first, pinned.Revision);
    }

    [Fact]
    public async Task Rollback_to_a_named_revision_sends_it_all_traffic()
    {
        _server.SeedService(_service, Image1);
        var first = _server.Service(_service).ServingRevision!;
        foreach (var image in new[] { Image2, Image1 + "-patched" })
        {
            Assert.IsType<Succeeded>(await Run("service.deploy", ("service", _service), ("image", image)));
            await WaitAsync();
        }

        Assert.IsType<Succeeded>(await Run("service.rollback", ("service", _service), ("to", first)));
        await WaitAsync();

        Assert.Equal(100, _server.Service(_service).PercentServedBy(first));
        var described = Assert.IsType<Succeeded>(await Run("service.describe", ("service", _service)));
        Assert.Equal(first, described.Outputs["revision"]);
        Assert.Equal(Image1, described.Outputs["image"]);
    }

    [Fact]
    public async Task Rollback_to_an_unknown_revision_is_a_not_found_error_listing_the_revisions()
    {
        _server.SeedService(_service, Image1);
        var first = _server.Service(_service).ServingRevision!;
        var mutating = _server.MutatingRequests;

        var failed = Assert.IsType<Failed>(await Run("service.rollback", ("service", _service), ("to", $"{_service}-00042-zzz")));

        Assert.Contains($"has no revision '{_service}-00042-zzz'", failed.Error, StringComparison.Ordinal);
        Assert.Contains(first, failed.Error, StringComparison.Ordinal);
        Assert.False(failed.Retryable);
        Assert.Equal(mutating, _server.MutatingRequests);
    }

    [Fact]
    public async Task Rollback_to_a_revision_that_failed_is_refused_naming_the_ready_ones()
    {
        _server.SeedService(_service, Image1);
        var first = _server.Service(_service).ServingRevision!;
        _server.MarkImageBad(Image2 + "-broken");
        Assert.IsType<Succeeded>(await Run("service.deploy", ("service", _service), ("image", Image2 + "-broken")));
        Assert.IsType<Failed>(await Run("service.wait", ("service", _service), ("timeout", "30s")));
        var broken = _server.Service(_service).LatestCreatedRevision!;
        var mutating = _server.MutatingRequests;

        var failed = Assert.IsType<Failed>(await Run("service.rollback", ("service", _service), ("to", broken)));

        Assert.Contains($"revision '{broken}' of service '{_service}' is not ready", failed.Error, StringComparison.Ordinal);
        Assert.Contains($"ready revisions: {first}", failed.Error, StringComparison.Ordinal);
        Assert.Equal(mutating, _server.MutatingRequests);
    }

    [Fact]
    public async Task Rollback_takes_a_revision_s_full_resource_name_too()
    {
        _server.SeedService(_service, Image1);
        var first = _server.Service(_service).ServingRevision!;
        Assert.IsType<Succeeded>(await Run("service.deploy", ("service", _service), ("image", Image2)));
        await WaitAsync();

        Assert.IsType<Succeeded>(await Run("service.rollback", ("service", _service),
            ("to", $"projects/{_server.Project}/locations/{_server.Region}/services/{_service}/revisions/{first}")));
        await WaitAsync();

        Assert.Equal(100, _server.Service(_service).PercentServedBy(first));
    }

    [Fact]
    public async Task A_bad_image_ends_the_wait_at_once_with_the_revision_s_reason()
    {
        _server.SeedService(_service, Image1);
        var bad = Image2 + "-crashes";
        _server.MarkImageBad(bad);
        Assert.IsType<Succeeded>(await Run("service.deploy", ("service", _service), ("image", bad)));
        var clock = Stopwatch.StartNew();

        var failed = Assert.IsType<Failed>(await Run("service.wait", ("service", _service), ("timeout", "5m")));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"the wait took {clock.Elapsed}");
        Assert.Contains($"{_service} cannot be rolled out", failed.Error, StringComparison.Ordinal);
        Assert.Contains("HEALTH_CHECK_CONTAINER_ERROR", failed.Error, StringComparison.Ordinal);
        Assert.Contains("failed to start", failed.Error, StringComparison.Ordinal);
        Assert.False(failed.Retryable);
        Assert.Equal(Image1, _server.Service(_service).Revisions.Single(r => r.Name == _server.Service(_service).ServingRevision).Image);
    }

    [Fact]
    public async Task After_a_failed_deploy_a_rollback_and_wait_succeed_on_the_old_revision()
    {
        _server.SeedService(_service, Image1);
        var first = _server.Service(_service).ServingRevision!;
        _server.MarkImageBad(Image2 + "-bad");
        Assert.IsType<Succeeded>(await Run("service.deploy", ("service", _service), ("image", Image2 + "-bad")));
        Assert.IsType<Failed>(await Run("service.wait", ("service", _service), ("timeout", "30s")));

        Assert.IsType<Succeeded>(await Run("service.rollback", ("service", _service), ("to", first)));
        await WaitAsync();

        var described = Assert.IsType<Succeeded>(await Run("service.describe", ("service", _service)));
        Assert.Equal(first, described.Outputs["revision"]);
        Assert.Equal(true, described.Outputs["healthy"]);
    }

    [Fact]
    public async Task Two_429s_then_success_are_retried_within_one_step()
    {
        _server.SeedService(_service, Image1);
        _server.ThrottleNext(2);

        var described = Assert.IsType<Succeeded>(await Run("service.describe", ("service", _service)));

        Assert.Equal(Image1, described.Outputs["image"]);
        Assert.Equal(2, _server.Calls.Count(c => c.Status == 429));
    }

    [Fact]
    public async Task A_503_is_retried_and_a_503_that_lasts_fails_as_unavailable_and_retryable()
    {
        _server.SeedService(_service, Image1);
        _server.UnavailableNext(1);
        Assert.IsType<Succeeded>(await Run("service.describe", ("service", _service)));

        _server.UnavailableNext(4); // as many as the client's attempts
        var failed = Assert.IsType<Failed>(await Run("service.describe", ("service", _service)));

        Assert.Contains("unavailable: UNAVAILABLE (HTTP 503)", failed.Error, StringComparison.Ordinal);
        Assert.True(failed.Retryable);
    }

    [Fact]
    public async Task A_missing_service_is_a_not_found_error_naming_project_region_and_service_in_google_s_words()
    {
        var failed = Assert.IsType<Failed>(await Run("service.describe", ("service", "no-such-service")));

        Assert.Contains("not found: NOT_FOUND (HTTP 404)", failed.Error, StringComparison.Ordinal);
        Assert.Contains("'no-such-service'", failed.Error, StringComparison.Ordinal);
        Assert.Contains($"project '{_server.Project}'", failed.Error, StringComparison.Ordinal);
        Assert.Contains($"region '{_server.Region}'", failed.Error, StringComparison.Ordinal);
        Assert.False(failed.Retryable);
    }

    [Fact]
    public async Task A_denied_update_names_the_permission_and_the_resource_and_changes_nothing()
    {
        _server.SeedService(_service, Image1);
        _server.AcceptToken("reader-token", "reader@runbook-test-project.iam.gserviceaccount.com", "run.services.update");

        var failed = Assert.IsType<Failed>(await RunWith(GcpTarget.Actions(_server, token: "reader-token"), "service.scale", ("service", _service), ("replicas", 3L)));

        Assert.Contains("forbidden: PERMISSION_DENIED (HTTP 403)", failed.Error, StringComparison.Ordinal);
        Assert.Contains("run.services.update", failed.Error, StringComparison.Ordinal);
        Assert.Contains($"projects/{_server.Project}/locations/{_server.Region}/services/{_service}", failed.Error, StringComparison.Ordinal);
        Assert.False(failed.Retryable);
        Assert.Equal(1, _server.Service(_service).MinInstances);
    }

    [Fact]
    public async Task A_name_that_cannot_be_a_cloud_run_service_is_refused_before_any_call()
    {
        var calls = _server.Calls.Count;

        var failed = Assert.IsType<Failed>(await Run("service.describe", ("service", "../../operations/x")));

        Assert.Contains("is not a Cloud Run service name", failed.Error, StringComparison.Ordinal);
        Assert.Equal(calls, _server.Calls.Count);
    }

    [Fact]
    public async Task History_follows_every_page_newest_first_with_traffic_readiness_and_image()
    {
        await using var paged = await CloudRunTestServer.StartAsync(new CloudRunServerOptions(PageSize: 2));
        paged.SeedService(_service, Image1);
        var actions = GcpTarget.Actions(paged);
        for (var i = 2; i <= 5; i++)
        {
            Assert.IsType<Succeeded>(await RunWith(actions, "service.deploy", ("service", _service), ("image", $"{Image1}-{i}")));
            Assert.IsType<Succeeded>(await RunWith(actions, "service.wait", ("service", _service), ("timeout", "30s")));
        }

        var history = Assert.IsType<Succeeded>(await RunWith(actions, "service.history", ("service", _service), ("limit", 10L)));

        var expected = paged.Service(_service).Revisions.OrderByDescending(r => r.Created).Select(r => (object?)r.Name).ToList();
        Assert.Equal(5, expected.Count);
        Assert.Equal(expected, history.Outputs["revisions"]);
        Assert.Equal(expected[0], history.Outputs["current"]);
        Assert.Equal(expected[1], history.Outputs["previous"]);
        var deployments = Assert.IsType<Dictionary<string, object?>>(history.Outputs["deployments"]);
        Assert.StartsWith("100% traffic, Ready, image " + Image1 + "-5, created ", (string)deployments[(string)expected[0]!]!, StringComparison.Ordinal);
        Assert.StartsWith("0% traffic, Ready, image " + Image1 + ", created ", (string)deployments[(string)expected[4]!]!, StringComparison.Ordinal);
        Assert.True(paged.Calls.Count(c => c.Target.Contains("/revisions", StringComparison.Ordinal) && c.Target.Contains("pageToken", StringComparison.Ordinal)) >= 2);
    }

    [Fact]
    public async Task History_stops_at_the_limit()
    {
        _server.SeedService(_service, Image1);
        Assert.IsType<Succeeded>(await Run("service.deploy", ("service", _service), ("image", Image2)));
        await WaitAsync();

        var history = Assert.IsType<Succeeded>(await Run("service.history", ("service", _service), ("limit", 1L)));

        Assert.Single(Assert.IsType<List<object?>>(history.Outputs["revisions"]));
    }

    [Fact]
    public async Task A_service_mapping_acts_on_the_platform_s_name()
    {
        _server.SeedService(_service, Image1);
        var settings = GcpTarget.Settings(_server.Endpoint, _server.Region, ImmutableDictionary<string, string>.Empty.Add("backend", _service));

        Assert.IsType<Succeeded>(await RunWith(GcpTarget.Actions(_server, settings), "service.scale", ("service", "backend"), ("replicas", 2L)));

        Assert.Equal(2, _server.Service(_service).MinInstances);
    }

    [Fact]
    public async Task A_stale_etag_is_read_again_and_the_change_applied_to_what_the_service_is_now()
    {
        _server.SeedService(_service, Image1, minInstances: 1, maxInstances: 10);
        var recorder = new RecordingHandler();
        var interfered = false;
        recorder.Before = async (request, body) =>
        {
            if (request.Method == HttpMethod.Patch && !interfered)
            {
                // Someone else deploys between our read and our write: our etag is now stale.
                interfered = true;
                await GcpTarget.Backend(_server).DeployAsync(_service, Image2, CancellationToken.None);
            }
        };

        await GcpTarget.Backend(_server, handler: recorder).ScaleAsync(_service, 3, CancellationToken.None);
        await _server.WaitForReadyAsync(_service, TimeSpan.FromSeconds(30));

        var after = _server.Service(_service);
        Assert.Equal(2, recorder.Sent.Count(s => s.Method == "PATCH"));
        Assert.Equal(3, after.MinInstances);
        Assert.Equal(Image2, after.Image);
    }

    [Fact]
    public async Task An_etag_stale_twice_fails_clearly_and_retryable()
    {
        _server.SeedService(_service, Image1);
        var recorder = new RecordingHandler();
        var round = 0;
        recorder.Before = async (request, body) =>
        {
            if (request.Method == HttpMethod.Patch)
            {
                await GcpTarget.Backend(_server).DeployAsync(_service, $"{Image2}-{++round}", CancellationToken.None);
            }
        };

        var error = await Assert.ThrowsAsync<ProviderException>(() => GcpTarget.Backend(_server, handler: recorder).ScaleAsync(_service, 3, CancellationToken.None));

        Assert.Contains("etag was stale twice", error.Message, StringComparison.Ordinal);
        Assert.Contains("ABORTED", error.Message, StringComparison.Ordinal);
        Assert.True(error.Retryable);
    }

    [Fact]
    public async Task A_server_that_never_answers_is_unavailable_after_the_timeout_setting()
    {
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start(); // accepts connections (the backlog) and never answers
        var endpoint = new Uri($"http://127.0.0.1:{((System.Net.IPEndPoint)silent.LocalEndpoint).Port}/");
        var settings = GcpTarget.Settings(endpoint, _server.Region, ImmutableDictionary<string, string>.Empty, ("timeout", "300ms"));
        var clock = Stopwatch.StartNew();

        var failed = Assert.IsType<Failed>(await RunWith(GcpTarget.Actions(_server, settings), "service.describe", ("service", _service)));

        Assert.Contains("no answer from", failed.Error, StringComparison.Ordinal);
        Assert.Contains("within 0.3s", failed.Error, StringComparison.Ordinal);
        Assert.True(failed.Retryable);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task Cancelling_stops_a_call_that_is_being_retried()
    {
        // Deterministic: the first attempt gets a 503, and the run is cancelled while the retry is in flight (with full
        // jitter a wall-clock cancel could land after the retries were used up, and the test would see their error).
        using var cancel = new CancellationTokenSource();
        var handler = new CancelOnRetry(cancel);
        var backend = GcpTarget.Backend(fixture.Server, handler: handler);
        var clock = Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => backend.DescribeAsync(_service, cancel.Token));

        Assert.Equal(2, handler.Attempts);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }

    /// <summary>Answers the first request 503 UNAVAILABLE in Google's words; cancels the run when the retry arrives and holds it until then.</summary>
    private sealed class CancelOnRetry(CancellationTokenSource cancel) : HttpMessageHandler
    {
        private int _attempts;

        public int Attempts => _attempts;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _attempts) == 1)
            {
                return new HttpResponseMessage(System.Net.HttpStatusCode.ServiceUnavailable)
                {
                    Content = new StringContent("""{"error":{"code":503,"message":"The service is currently unavailable.","status":"UNAVAILABLE"}}""",
                        System.Text.Encoding.UTF8, "application/json"),
                };
            }

            await cancel.CancelAsync();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new InvalidOperationException("unreachable: the delay ends only by cancellation");
        }
    }
}
