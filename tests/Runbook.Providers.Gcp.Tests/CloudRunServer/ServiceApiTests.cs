using System.Net;
using System.Text.Json.Nodes;

namespace Runbook.Providers.Gcp.Tests.CloudRunServer;

/// <summary>services.get/patch, revisions and operations as a plain REST caller sees them.</summary>
public sealed class ServiceApiTests(CloudRunServerFixture fixture) : IClassFixture<CloudRunServerFixture>
{
    private CloudRunTestServer Server => fixture.Server;

    [Fact]
    public async Task A_seeded_service_reads_back_with_its_image_scaling_ready_revision_and_all_traffic_on_it()
    {
        var name = CloudRunServerFixture.NewService("seed");
        Server.SeedService(name, "europe-docker.pkg.dev/p/r/app:1", minInstances: 2, maxInstances: 7);
        using var http = new CloudRunHttp(Server);

        var (status, service) = await http.GetAsync(http.ServicePath(name));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal($"projects/{Server.Project}/locations/{Server.Region}/services/{name}", service["name"]!.GetValue<string>());
        Assert.Equal("europe-docker.pkg.dev/p/r/app:1", service["template"]!["containers"]![0]!["image"]!.GetValue<string>());
        Assert.Equal(2, service["template"]!["scaling"]!["minInstanceCount"]!.GetValue<int>());
        Assert.Equal(7, service["template"]!["scaling"]!["maxInstanceCount"]!.GetValue<int>());
        var revision = service["latestReadyRevision"]!.GetValue<string>();
        Assert.Matches($"/revisions/{name}-00001-[a-z]{{3}}$", revision);
        Assert.Equal(revision, service["latestCreatedRevision"]!.GetValue<string>());
        Assert.Equal("CONDITION_SUCCEEDED", service["terminalCondition"]!["state"]!.GetValue<string>());
        Assert.Equal("Ready", service["terminalCondition"]!["type"]!.GetValue<string>());
        Assert.Equal(["RoutesReady", "ConfigurationsReady"], service["conditions"]!.AsArray().Select(c => c!["type"]!.GetValue<string>()));
        Assert.Equal("1", service["generation"]!.GetValue<string>());
        Assert.Equal("1", service["observedGeneration"]!.GetValue<string>());
        Assert.Null(service["reconciling"]);
        var status0 = Assert.Single(service["trafficStatuses"]!.AsArray());
        Assert.Equal("TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST", status0!["type"]!.GetValue<string>());
        Assert.Equal(100, status0["percent"]!.GetValue<int>());
        Assert.Equal(revision.Split('/')[^1], Server.Service(name).ServingRevision);
    }

    [Fact]
    public async Task A_service_that_does_not_exist_is_404_naming_project_region_and_service()
    {
        using var http = new CloudRunHttp(Server);

        var (status, body) = await http.GetAsync(http.ServicePath("no-such-service"));

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal(404, body["error"]!["code"]!.GetValue<int>());
        Assert.Equal("NOT_FOUND", body["error"]!["status"]!.GetValue<string>());
        Assert.Equal($"Resource 'no-such-service' of kind 'SERVICE' in region '{Server.Region}' in project '{Server.Project}' does not exist.",
            body["error"]!["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_new_image_makes_a_revision_that_takes_the_traffic_once_ready_and_the_operation_ends_with_the_service()
    {
        // Its own server with slow revisions, so the in-flight state is still there to see on a loaded machine.
        await using var server = await CloudRunTestServer.StartAsync(new CloudRunServerOptions(TimeSpan.FromSeconds(3)));
        var name = "deploy";
        server.SeedService(name, "app:1");
        var old = server.Service(name).LatestReadyRevision!;
        using var http = new CloudRunHttp(server);

        var operation = await http.UpdateAsync(name, s => s["template"]!["containers"]![0]!["image"] = "app:2");

        Assert.Matches($"^projects/{server.Project}/locations/{server.Region}/operations/[0-9a-f-]+$", operation["name"]!.GetValue<string>());
        Assert.Null(operation["done"]);
        Assert.Equal(name, operation["metadata"]!["name"]!.GetValue<string>().Split('/')[^1]);
        var during = server.Service(name);
        Assert.True(during.Reconciling);
        Assert.Equal(old, during.ServingRevision);
        Assert.Matches($"^{name}-00002-[a-z]{{3}}$", during.LatestCreatedRevision);

        var done = await http.WaitAsync(operation);

        Assert.Null(done["error"]);
        Assert.Equal("type.googleapis.com/google.cloud.run.v2.Service", done["response"]!["@type"]!.GetValue<string>());
        Assert.Equal("app:2", done["response"]!["template"]!["containers"]![0]!["image"]!.GetValue<string>());
        var after = server.Service(name);
        Assert.False(after.Reconciling);
        Assert.True(after.Ready);
        Assert.Equal(after.LatestCreatedRevision, after.LatestReadyRevision);
        Assert.Equal(100, after.PercentServedBy(after.LatestReadyRevision!));
        Assert.Equal(2, after.Generation);
        Assert.Equal(2, after.ObservedGeneration);
        Assert.Equal([after.LatestReadyRevision!, old], after.Revisions.Select(r => r.Name));
    }

    [Fact]
    public async Task A_bad_image_never_becomes_ready_the_operation_ends_with_an_error_and_traffic_stays_on_the_old_revision()
    {
        var name = CloudRunServerFixture.NewService("bad");
        Server.SeedService(name, "app:1");
        Server.MarkImageBad("app:broken");
        var old = Server.Service(name).LatestReadyRevision!;
        using var http = new CloudRunHttp(Server);

        var done = await http.WaitAsync(await http.UpdateAsync(name, s => s["template"]!["containers"]![0]!["image"] = "app:broken"));

        Assert.Equal(9, done["error"]!["code"]!.GetValue<int>());
        Assert.Contains("is not ready and cannot serve traffic", done["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Null(done["response"]);
        var after = Server.Service(name);
        Assert.False(after.Ready);
        Assert.False(after.Reconciling);
        Assert.Equal(old, after.LatestReadyRevision);
        Assert.Equal(100, after.PercentServedBy(old));
        var failed = after.Revisions[0];
        Assert.True(failed.Failed);
        Assert.Equal("HEALTH_CHECK_CONTAINER_ERROR", failed.FailureReason);

        var (_, revision) = await http.GetAsync($"{http.ServicePath(name)}/revisions/{failed.Name}");
        var ready = revision["conditions"]!.AsArray().Single(c => c!["type"]!.GetValue<string>() == "Ready")!;
        Assert.Equal("CONDITION_FAILED", ready["state"]!.GetValue<string>());
        Assert.Equal("HEALTH_CHECK_CONTAINER_ERROR", ready["revisionReason"]!.GetValue<string>());
        Assert.Contains("failed to start and listen on the port", ready["message"]!.GetValue<string>(), StringComparison.Ordinal);
        var (_, service) = await http.GetAsync(http.ServicePath(name));
        Assert.Equal("CONDITION_FAILED", service["terminalCondition"]!["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_patch_with_a_stale_etag_is_409_aborted_and_changes_nothing()
    {
        var name = CloudRunServerFixture.NewService("etag");
        Server.SeedService(name, "app:1");
        using var http = new CloudRunHttp(Server);
        var (_, stale) = await http.GetAsync(http.ServicePath(name));
        await http.WaitAsync(await http.UpdateAsync(name, s => s["template"]!["scaling"]!["maxInstanceCount"] = 20));

        stale["template"]!["containers"]![0]!["image"] = "app:2";
        var (status, body) = await http.PatchAsync(http.ServicePath(name), stale);

        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal("ABORTED", body["error"]!["status"]!.GetValue<string>());
        Assert.Equal("app:1", Server.Service(name).Image);
    }

    [Fact]
    public async Task Scaling_changes_make_a_new_revision_with_the_new_counts()
    {
        var name = CloudRunServerFixture.NewService("scale");
        Server.SeedService(name, "app:1", minInstances: 1, maxInstances: 10);
        using var http = new CloudRunHttp(Server);

        await http.WaitAsync(await http.UpdateAsync(name, s =>
        {
            s["template"]!["scaling"]!["minInstanceCount"] = 3;
            s["template"]!["scaling"]!["maxInstanceCount"] = 30;
        }));

        var after = Server.Service(name);
        Assert.Equal((3, 30), (after.MinInstances, after.MaxInstances));
        Assert.Equal(2, after.Revisions.Count);
        Assert.Equal((3, 30), (after.Revisions[0].MinInstances, after.Revisions[0].MaxInstances));
        Assert.Equal(after.Revisions[0].Name, after.ServingRevision);
    }

    [Fact]
    public async Task Echoing_back_the_service_unchanged_makes_no_revision_and_the_operation_is_done_at_once()
    {
        var name = CloudRunServerFixture.NewService("echo");
        Server.SeedService(name, "app:1");
        using var http = new CloudRunHttp(Server);

        var operation = await http.UpdateAsync(name, _ => { });

        Assert.True(operation["done"]!.GetValue<bool>());
        Assert.Single(Server.Service(name).Revisions);
        Assert.Equal(1, Server.Service(name).Generation);
    }

    [Fact]
    public async Task A_template_annotation_change_restarts_with_a_new_revision_of_the_same_image()
    {
        var name = CloudRunServerFixture.NewService("restart");
        Server.SeedService(name, "app:1");
        using var http = new CloudRunHttp(Server);

        await http.WaitAsync(await http.UpdateAsync(name, s =>
            s["template"]!["annotations"] = new JsonObject { ["runbook.dev/restartedAt"] = "2026-11-30T19:00:00Z" }));

        var after = Server.Service(name);
        Assert.Equal(2, after.Revisions.Count);
        Assert.Equal("app:1", after.Revisions[0].Image);
        Assert.Equal("2026-11-30T19:00:00Z", after.Revisions[0].Annotations["runbook.dev/restartedAt"]);
    }

    [Fact]
    public async Task Traffic_pinned_to_a_revision_stays_there_when_a_later_revision_becomes_ready()
    {
        var name = CloudRunServerFixture.NewService("pin");
        Server.SeedService(name, "app:1");
        var first = Server.Service(name).LatestReadyRevision!;
        using var http = new CloudRunHttp(Server);

        await http.WaitAsync(await http.UpdateAsync(name, s => s["traffic"] = new JsonArray(new JsonObject
        {
            ["type"] = "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION",
            ["revision"] = first,
            ["percent"] = 100,
        })));
        await http.WaitAsync(await http.UpdateAsync(name, s => s["template"]!["containers"]![0]!["image"] = "app:2"));

        var after = Server.Service(name);
        Assert.NotEqual(first, after.LatestReadyRevision);
        Assert.Equal(100, after.PercentServedBy(first));
        var (_, service) = await http.GetAsync(http.ServicePath(name));
        var served = Assert.Single(service["trafficStatuses"]!.AsArray())!;
        Assert.Equal(first, served["revision"]!.GetValue<string>());
        Assert.Equal("TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION", served["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Traffic_to_a_revision_the_service_does_not_have_is_400_invalid_argument()
    {
        var name = CloudRunServerFixture.NewService("nope");
        Server.SeedService(name, "app:1");
        using var http = new CloudRunHttp(Server);
        var (_, service) = await http.GetAsync(http.ServicePath(name));
        service["traffic"] = new JsonArray(new JsonObject { ["type"] = "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION", ["revision"] = $"{name}-00009-zzz", ["percent"] = 100 });

        var (status, body) = await http.PatchAsync(http.ServicePath(name), service);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("INVALID_ARGUMENT", body["error"]!["status"]!.GetValue<string>());
        Assert.Contains($"{name}-00009-zzz", body["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_update_mask_changes_only_the_fields_it_names()
    {
        var name = CloudRunServerFixture.NewService("mask");
        Server.SeedService(name, "app:1", minInstances: 1, maxInstances: 10);
        using var http = new CloudRunHttp(Server);
        var body = new JsonObject
        {
            ["template"] = new JsonObject
            {
                ["scaling"] = new JsonObject { ["minInstanceCount"] = 4 },
                ["containers"] = new JsonArray(new JsonObject { ["image"] = "app:ignored" }),
            },
        };

        var (status, operation) = await http.PatchAsync(http.ServicePath(name) + "?updateMask=template.scaling.min_instance_count", body);
        Assert.Equal(HttpStatusCode.OK, status);
        await http.WaitAsync(operation);

        var after = Server.Service(name);
        Assert.Equal((4, 10, "app:1"), (after.MinInstances, after.MaxInstances, after.Image));
    }

    [Fact]
    public async Task A_patch_of_a_missing_service_is_404_unless_allow_missing_creates_it()
    {
        var name = CloudRunServerFixture.NewService("create");
        using var http = new CloudRunHttp(Server);
        var body = new JsonObject { ["template"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["image"] = "app:1" }) } };

        var (missing, _) = await http.PatchAsync(http.ServicePath(name), body);
        var (created, operation) = await http.PatchAsync(http.ServicePath(name) + "?allowMissing=true", body.DeepClone().AsObject());
        await http.WaitAsync(operation);

        Assert.Equal(HttpStatusCode.NotFound, missing);
        Assert.Equal(HttpStatusCode.OK, created);
        var service = Server.Service(name);
        Assert.True(service.Ready);
        Assert.Equal(100, service.PercentServedBy(service.LatestReadyRevision!));
    }

    [Fact]
    public async Task Revisions_list_newest_first_in_pages_that_follow_next_page_token()
    {
        var name = CloudRunServerFixture.NewService("pages");
        Server.SeedService(name, "app:1");
        using var http = new CloudRunHttp(Server);
        for (var i = 2; i <= 5; i++)
        {
            await http.WaitAsync(await http.UpdateAsync(name, s => s["template"]!["containers"]![0]!["image"] = $"app:{i}"));
        }

        var names = new List<string>();
        var pages = 0;
        string? token = null;
        do
        {
            var (status, page) = await http.GetAsync($"{http.ServicePath(name)}/revisions?pageSize=2" + (token is null ? string.Empty : $"&pageToken={Uri.EscapeDataString(token)}"));
            Assert.Equal(HttpStatusCode.OK, status);
            pages++;
            names.AddRange(page["revisions"]!.AsArray().Select(r => r!["name"]!.GetValue<string>().Split('/')[^1]));
            token = page["nextPageToken"]?.GetValue<string>();
        }
        while (token is not null);

        Assert.Equal(3, pages);
        Assert.Equal(Server.Service(name).Revisions.Select(r => r.Name), names);
        Assert.Equal(Enumerable.Range(1, 5).Reverse().Select(g => $"{name}-{g:D5}"), names.Select(n => n[..^4]));
    }

    [Fact]
    public async Task A_page_token_from_another_listing_is_400()
    {
        var a = CloudRunServerFixture.NewService("tok-a");
        var b = CloudRunServerFixture.NewService("tok-b");
        Server.SeedService(a, "app:1");
        Server.SeedService(b, "app:1");
        using var http = new CloudRunHttp(Server);
        await http.WaitAsync(await http.UpdateAsync(a, s => s["template"]!["containers"]![0]!["image"] = "app:2"));
        var (_, page) = await http.GetAsync($"{http.ServicePath(a)}/revisions?pageSize=1");

        var (status, _) = await http.GetAsync($"{http.ServicePath(b)}/revisions?pageSize=1&pageToken={Uri.EscapeDataString(page["nextPageToken"]!.GetValue<string>())}");

        Assert.Equal(HttpStatusCode.BadRequest, status);
    }

    [Fact]
    public async Task Numeric_enum_encoding_answers_enums_as_their_proto_numbers()
    {
        var name = CloudRunServerFixture.NewService("enums");
        Server.SeedService(name, "app:1");
        using var http = new CloudRunHttp(Server);

        var (status, service) = await http.GetAsync(http.ServicePath(name) + "?$alt=json%3Benum-encoding%3Dint");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(4, service["terminalCondition"]!["state"]!.GetValue<int>());
        Assert.Equal(1, service["traffic"]![0]!["type"]!.GetValue<int>());
        Assert.Equal(4, service["launchStage"]!.GetValue<int>());
    }

    [Fact]
    public async Task Operations_wait_returns_when_the_operation_is_done()
    {
        var name = CloudRunServerFixture.NewService("wait");
        Server.SeedService(name, "app:1");
        using var http = new CloudRunHttp(Server);
        var operation = await http.UpdateAsync(name, s => s["template"]!["containers"]![0]!["image"] = "app:2");

        var (status, done) = await http.PostAsync($"v2/{operation["name"]!.GetValue<string>()}:wait", new JsonObject { ["timeout"] = "20s" });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(done["done"]!.GetValue<bool>());
        Assert.Equal("app:2", Server.Service(name).Image);
        Assert.True(Server.Service(name).Ready);
    }

    [Fact]
    public async Task An_operation_the_server_never_started_is_404()
    {
        using var http = new CloudRunHttp(Server);

        var (status, body) = await http.GetAsync($"v2/projects/{Server.Project}/locations/{Server.Region}/operations/00000000-0000-0000-0000-000000000000");

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("NOT_FOUND", body["error"]!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_dash_service_lists_revisions_of_every_service_in_the_region()
    {
        var a = CloudRunServerFixture.NewService("dash-a");
        var b = CloudRunServerFixture.NewService("dash-b");
        Server.SeedService(a, "app:1");
        Server.SeedService(b, "app:1");
        using var http = new CloudRunHttp(Server);

        var (status, body) = await http.GetAsync($"v2/projects/{Server.Project}/locations/{Server.Region}/services/-/revisions?pageSize=1000");

        Assert.Equal(HttpStatusCode.OK, status);
        var services = body["revisions"]!.AsArray().Select(r => r!["service"]!.GetValue<string>()).ToList();
        Assert.Contains(a, services);
        Assert.Contains(b, services);
    }

    [Fact]
    public async Task Traffic_that_does_not_add_up_to_100_is_400()
    {
        var name = CloudRunServerFixture.NewService("sum");
        Server.SeedService(name, "app:1");
        var first = Server.Service(name).LatestReadyRevision!;
        using var http = new CloudRunHttp(Server);
        var (_, service) = await http.GetAsync(http.ServicePath(name));
        service["traffic"] = new JsonArray(new JsonObject { ["type"] = "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION", ["revision"] = first, ["percent"] = 90 });

        var (status, body) = await http.PatchAsync(http.ServicePath(name), service);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("add up to 90", body["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Min_instances_above_max_instances_is_400_and_changes_nothing()
    {
        var name = CloudRunServerFixture.NewService("minmax");
        Server.SeedService(name, "app:1", 1, 10);
        using var http = new CloudRunHttp(Server);
        var (_, service) = await http.GetAsync(http.ServicePath(name));
        service["template"]!["scaling"]!["minInstanceCount"] = 11;

        var (status, _) = await http.PatchAsync(http.ServicePath(name), service);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal((1, 10), (Server.Service(name).MinInstances, Server.Service(name).MaxInstances));
    }

    [Fact]
    public async Task The_service_reconciles_while_its_revision_is_starting_and_wait_for_ready_returns_once_it_serves()
    {
        await using var server = await CloudRunTestServer.StartAsync(new CloudRunServerOptions(TimeSpan.FromSeconds(3)));
        server.SeedService("slow", "app:1");
        using var http = new CloudRunHttp(server);
        await http.UpdateAsync("slow", s => s["template"]!["containers"]![0]!["image"] = "app:2");

        var (_, during) = await http.GetAsync(http.ServicePath("slow"));
        await server.WaitForReadyAsync("slow", TimeSpan.FromSeconds(10));

        Assert.True(during["reconciling"]!.GetValue<bool>());
        Assert.Equal("CONDITION_RECONCILING", during["terminalCondition"]!["state"]!.GetValue<string>());
        Assert.Equal("2", during["generation"]!.GetValue<string>());
        Assert.Equal("1", during["observedGeneration"]!.GetValue<string>());
        var after = server.Service("slow");
        Assert.Equal(after.Revisions[0].Name, after.ServingRevision);
    }

    [Fact]
    public async Task Wait_for_ready_fails_at_once_for_a_service_whose_last_change_failed()
    {
        await using var server = await CloudRunTestServer.StartAsync();
        server.SeedService("doomed", "app:1");
        server.MarkImageBad("app:bad");
        using var http = new CloudRunHttp(server);
        await http.WaitAsync(await http.UpdateAsync("doomed", s => s["template"]!["containers"]![0]!["image"] = "app:bad"));

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => server.WaitForReadyAsync("doomed", TimeSpan.FromSeconds(30)));

        Assert.Contains("will not become Ready", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_only_answers_a_done_operation_and_changes_nothing()
    {
        var name = CloudRunServerFixture.NewService("validate");
        Server.SeedService(name, "app:1");
        using var http = new CloudRunHttp(Server);

        var operation = await http.UpdateAsync(name, s => s["template"]!["containers"]![0]!["image"] = "app:2", "?validateOnly=true");

        Assert.True(operation["done"]!.GetValue<bool>());
        var held = Server.Service(name);
        Assert.Equal(("app:1", 1L), (held.Image, held.Generation));
        Assert.Single(held.Revisions);
    }

    [Fact]
    public async Task Force_new_revision_makes_a_revision_of_an_unchanged_template()
    {
        var name = CloudRunServerFixture.NewService("force");
        Server.SeedService(name, "app:1");
        using var http = new CloudRunHttp(Server);

        await http.WaitAsync(await http.UpdateAsync(name, _ => { }, "?forceNewRevision=true"));

        var held = Server.Service(name);
        Assert.Equal(2, held.Revisions.Count);
        Assert.Equal(held.Revisions[0].Name, held.ServingRevision);
    }

    [Fact]
    public async Task A_named_template_revision_that_exists_with_another_template_is_409_already_exists()
    {
        var name = CloudRunServerFixture.NewService("named");
        Server.SeedService(name, "app:1");
        using var http = new CloudRunHttp(Server);
        await http.WaitAsync(await http.UpdateAsync(name, s =>
        {
            s["template"]!["revision"] = $"{name}-blue";
            s["template"]!["containers"]![0]!["image"] = "app:2";
        }));
        Assert.Equal($"{name}-blue", Server.Service(name).LatestReadyRevision);
        var (_, service) = await http.GetAsync(http.ServicePath(name));
        service["template"]!["containers"]![0]!["image"] = "app:3";

        var (status, body) = await http.PatchAsync(http.ServicePath(name), service);

        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal("ALREADY_EXISTS", body["error"]!["status"]!.GetValue<string>());
        Assert.Equal("app:2", Server.Service(name).Image);
    }

    [Fact]
    public async Task Two_changes_in_quick_succession_both_complete_and_the_later_one_serves()
    {
        var name = CloudRunServerFixture.NewService("quick");
        Server.SeedService(name, "app:1");
        using var http = new CloudRunHttp(Server);

        var first = await http.UpdateAsync(name, s => s["template"]!["containers"]![0]!["image"] = "app:2");
        var second = await http.UpdateAsync(name, s => s["template"]!["containers"]![0]!["image"] = "app:3");
        var firstDone = await http.WaitAsync(first);
        var secondDone = await http.WaitAsync(second);

        Assert.Null(firstDone["error"]);
        Assert.Null(secondDone["error"]);
        var held = Server.Service(name);
        Assert.Equal(3, held.Revisions.Count);
        Assert.Equal("app:3", held.Revisions[0].Image);
        Assert.Equal(held.Revisions[0].Name, held.ServingRevision);
        Assert.Equal(3, held.ObservedGeneration);
    }

    [Fact]
    public async Task A_rollback_after_a_bad_deploy_makes_the_service_ready_again_on_the_old_revision()
    {
        var name = CloudRunServerFixture.NewService("rollback");
        Server.SeedService(name, "app:1");
        Server.MarkImageBad("app:rollback-bad");
        var old = Server.Service(name).LatestReadyRevision!;
        using var http = new CloudRunHttp(Server);
        await http.WaitAsync(await http.UpdateAsync(name, s => s["template"]!["containers"]![0]!["image"] = "app:rollback-bad"));
        Assert.False(Server.Service(name).Ready);

        var done = await http.WaitAsync(await http.UpdateAsync(name, s => s["traffic"] = new JsonArray(new JsonObject
        {
            ["type"] = "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION",
            ["revision"] = old,
            ["percent"] = 100,
        })));

        Assert.Null(done["error"]);
        var held = Server.Service(name);
        Assert.True(held.Ready);
        Assert.Equal(100, held.PercentServedBy(old));
        await Server.WaitForReadyAsync(name, TimeSpan.FromSeconds(5));
        var (_, service) = await http.GetAsync(http.ServicePath(name));
        Assert.Equal("CONDITION_SUCCEEDED", service["terminalCondition"]!["state"]!.GetValue<string>());
        Assert.Equal("CONDITION_FAILED", service["conditions"]!.AsArray().Single(c => c!["type"]!.GetValue<string>() == "ConfigurationsReady")!["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task Traffic_pinned_to_a_failed_revision_ends_the_operation_with_an_error_and_keeps_the_old_split()
    {
        var name = CloudRunServerFixture.NewService("pinbad");
        Server.SeedService(name, "app:1");
        Server.MarkImageBad("app:pinbad");
        var old = Server.Service(name).LatestReadyRevision!;
        using var http = new CloudRunHttp(Server);
        await http.WaitAsync(await http.UpdateAsync(name, s => s["template"]!["containers"]![0]!["image"] = "app:pinbad"));
        var failed = Server.Service(name).LatestCreatedRevision!;

        var done = await http.WaitAsync(await http.UpdateAsync(name, s => s["traffic"] = new JsonArray(new JsonObject
        {
            ["type"] = "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION",
            ["revision"] = failed,
            ["percent"] = 100,
        })));

        Assert.Contains($"Revision '{failed}' is not ready", done["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(100, Server.Service(name).PercentServedBy(old));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("TRAFFIC_TARGET_ALLOCATION_TYPE_UNSPECIFIED")]
    public async Task A_traffic_target_without_a_type_that_names_a_revision_is_a_revision_target(string? type)
    {
        var name = CloudRunServerFixture.NewService("untyped");
        Server.SeedService(name, "app:1");
        var first = Server.Service(name).LatestReadyRevision!;
        using var http = new CloudRunHttp(Server);
        await http.WaitAsync(await http.UpdateAsync(name, s => s["template"]!["containers"]![0]!["image"] = "app:2"));
        var target = new JsonObject { ["revision"] = first, ["percent"] = 100 };
        if (type is not null)
        {
            target["type"] = type;
        }

        await http.WaitAsync(await http.UpdateAsync(name, s => s["traffic"] = new JsonArray(target)));

        var held = Server.Service(name);
        Assert.Equal(100, held.PercentServedBy(first));
        Assert.Equal("TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION", Assert.Single(held.Traffic).Type);
    }
}
