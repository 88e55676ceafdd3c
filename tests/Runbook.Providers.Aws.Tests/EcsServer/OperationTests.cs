using System.Text.Json.Nodes;
using Runbook.Providers.Aws.Tests.Support;

namespace Runbook.Providers.Aws.Tests.EcsServer;

/// <summary>The ECS and CloudWatch Logs operations over plain signed HTTP: their parameters, pages and errors.</summary>
public sealed class OperationTests(EcsServerFixture fixture) : IClassFixture<EcsServerFixture>
{
    private EcsTestServer Server => fixture.Server;

    private SignedHttp Http => new(Server);

    private static string Family() => "f" + Guid.NewGuid().ToString("N")[..10];

    private static string Definition(string family, string image, string extra = "") =>
        new JsonObject
        {
            ["family"] = family,
            ["containerDefinitions"] = new JsonArray(new JsonObject { ["name"] = "app", ["image"] = image, ["memory"] = 128 }),
        }.ToJsonString()[..^1] + extra + "}";

    [Fact]
    public async Task Revisions_are_numbered_per_family_and_tags_come_back_only_when_asked_for()
    {
        var (a, b) = (Family(), Family());

        var a1 = await Http.EcsAsync("RegisterTaskDefinition", Definition(a, "x:1", ""","tags":[{"key":"team","value":"ops"}]"""));
        var b1 = await Http.EcsAsync("RegisterTaskDefinition", Definition(b, "y:1"));
        var a2 = await Http.EcsAsync("RegisterTaskDefinition", Definition(a, "x:2"));
        var plain = await Http.EcsAsync("DescribeTaskDefinition", $$"""{"taskDefinition":"{{a}}:1"}""");
        var tagged = await Http.EcsAsync("DescribeTaskDefinition", $$"""{"taskDefinition":"{{a}}:1","include":["TAGS"]}""");

        Assert.Equal([1, 1, 2], new[] { a1, b1, a2 }.Select(r => r.Body["taskDefinition"]!["revision"]!.GetValue<int>()));
        Assert.Equal($"arn:aws:ecs:{Server.Region}:{Server.AccountId}:task-definition/{a}:2", a2.Body["taskDefinition"]!["taskDefinitionArn"]!.GetValue<string>());
        Assert.Equal("ops", a1.Body["tags"]![0]!["value"]!.GetValue<string>());
        Assert.Null(plain.Body["tags"]);
        Assert.Null(plain.Body["taskDefinition"]!["tags"]);
        Assert.Equal("team", tagged.Body["tags"]![0]!["key"]!.GetValue<string>());
        Assert.Equal(128, plain.Body["taskDefinition"]!["containerDefinitions"]![0]!["memory"]!.GetValue<int>());
        Assert.Equal("ACTIVE", plain.Body["taskDefinition"]!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_task_definition_is_found_by_family_by_revision_and_by_arn_and_nowhere_else()
    {
        var family = Family();
        await Http.EcsAsync("RegisterTaskDefinition", Definition(family, "x:1"));
        await Http.EcsAsync("RegisterTaskDefinition", Definition(family, "x:2"));
        var arn1 = $"arn:aws:ecs:{Server.Region}:{Server.AccountId}:task-definition/{family}:1";

        async Task<string?> Image(string reference) =>
            (await Http.EcsAsync("DescribeTaskDefinition", new JsonObject { ["taskDefinition"] = reference }.ToJsonString())).Body["taskDefinition"]?["containerDefinitions"]?[0]?["image"]?.GetValue<string>();
        var missing = await Http.EcsAsync("DescribeTaskDefinition", new JsonObject { ["taskDefinition"] = $"{family}:3" }.ToJsonString());
        var otherRegion = await Http.EcsAsync("DescribeTaskDefinition", new JsonObject { ["taskDefinition"] = arn1.Replace(Server.Region, "us-east-1", StringComparison.Ordinal) }.ToJsonString());

        Assert.Equal("x:2", await Image(family));
        Assert.Equal("x:1", await Image($"{family}:1"));
        Assert.Equal("x:1", await Image(arn1));
        Assert.Equal(("ClientException", "Unable to describe task definition."), (missing.Type, missing.Message));
        Assert.Equal("ClientException", otherRegion.Type);
    }

    [Fact]
    public async Task Register_refuses_what_ecs_refuses()
    {
        var badFamily = await Http.EcsAsync("RegisterTaskDefinition", Definition("has space", "x:1"));
        var noContainers = await Http.EcsAsync("RegisterTaskDefinition", $$"""{"family":"{{Family()}}","containerDefinitions":[]}""");
        var fargateBridge = await Http.EcsAsync("RegisterTaskDefinition", Definition(Family(), "x:1", ""","requiresCompatibilities":["FARGATE"],"networkMode":"bridge" """));

        Assert.Equal("ClientException", badFamily.Type);
        Assert.Contains("Family contains invalid characters", badFamily.Message, StringComparison.Ordinal);
        Assert.Equal("ClientException", noContainers.Type);
        Assert.Equal("ClientException", fargateBridge.Type);
        Assert.Contains("awsvpc", fargateBridge.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Task_definitions_list_by_exact_family_in_either_order_page_by_page()
    {
        var family = Family();
        for (var i = 0; i < 5; i++)
        {
            await Http.EcsAsync("RegisterTaskDefinition", Definition(family, $"x:{i}"));
        }

        await Http.EcsAsync("RegisterTaskDefinition", Definition(family + "-worker", "w:1"));
        var ascending = await Http.EcsAsync("ListTaskDefinitions", $$"""{"familyPrefix":"{{family}}"}""");
        var first = await Http.EcsAsync("ListTaskDefinitions", $$"""{"familyPrefix":"{{family}}","sort":"DESC","maxResults":2}""");
        var token = first.Body["nextToken"]!.GetValue<string>();
        var second = await Http.EcsAsync("ListTaskDefinitions", $$"""{"familyPrefix":"{{family}}","sort":"DESC","maxResults":2,"nextToken":"{{token}}"}""");
        var reused = await Http.EcsAsync("ListTaskDefinitions", $$"""{"familyPrefix":"{{family}}-worker","sort":"DESC","nextToken":"{{token}}"}""");
        var tooMany = await Http.EcsAsync("ListTaskDefinitions", """{"maxResults":101}""");

        static int[] Revisions(RawAnswer a) => [.. a.Body["taskDefinitionArns"]!.AsArray().Select(n => int.Parse(n!.GetValue<string>().Split(':')[^1], System.Globalization.CultureInfo.InvariantCulture))];
        Assert.Equal([1, 2, 3, 4, 5], Revisions(ascending));
        Assert.Null(ascending.Body["nextToken"]);
        Assert.Equal([5, 4], Revisions(first));
        Assert.Equal([3, 2], Revisions(second));
        Assert.NotNull(second.Body["nextToken"]);
        Assert.Equal("InvalidParameterException", reused.Type);
        Assert.Equal("InvalidParameterException", tooMany.Type);
    }

    [Fact]
    public async Task Describe_services_answers_found_and_missing_together_and_refuses_more_than_ten()
    {
        var cluster = EcsServerFixture.NewCluster();
        var web = Server.SeedService(cluster, "web", "web:1", 1);

        var mixed = await Http.EcsAsync("DescribeServices", $$"""{"cluster":"{{cluster}}","services":["{{web.Arn}}","ghost"]}""");
        var byClusterArn = await Http.EcsAsync("DescribeServices", $$"""{"cluster":"arn:aws:ecs:{{Server.Region}}:{{Server.AccountId}}:cluster/{{cluster}}","services":["web"]}""");
        var eleven = await Http.EcsAsync("DescribeServices", new JsonObject { ["cluster"] = cluster, ["services"] = new JsonArray([.. Enumerable.Range(0, 11).Select(i => (JsonNode)$"s{i}")]) }.ToJsonString());

        Assert.Equal("web", mixed.Body["services"]![0]!["serviceName"]!.GetValue<string>());
        Assert.Equal("MISSING", mixed.Body["failures"]![0]!["reason"]!.GetValue<string>());
        Assert.Equal(web.Arn, byClusterArn.Body["services"]![0]!["serviceArn"]!.GetValue<string>());
        Assert.Equal("InvalidParameterException", eleven.Type);
    }

    [Fact]
    public async Task A_deleted_service_is_described_as_inactive_and_cannot_be_updated()
    {
        var cluster = EcsServerFixture.NewCluster();
        Server.SeedService(cluster, "old", "old:1", 1);
        Server.DeleteService(cluster, "old");

        var described = await Http.EcsAsync("DescribeServices", $$"""{"cluster":"{{cluster}}","services":["old"]}""");
        var update = await Http.EcsAsync("UpdateService", $$"""{"cluster":"{{cluster}}","service":"old","desiredCount":1}""");
        var listed = await Http.EcsAsync("ListServices", $$"""{"cluster":"{{cluster}}"}""");

        Assert.Equal("INACTIVE", described.Body["services"]![0]!["status"]!.GetValue<string>());
        Assert.Equal(("ServiceNotActiveException", "Service was not ACTIVE."), (update.Type, update.Message));
        Assert.Empty(listed.Body["serviceArns"]!.AsArray());
    }

    [Fact]
    public async Task Services_and_tasks_list_page_by_page_and_unknown_tasks_are_missing()
    {
        var cluster = EcsServerFixture.NewCluster();
        foreach (var name in new[] { "a", "b", "c" })
        {
            Server.SeedService(cluster, name, $"{name}:1", 2);
        }

        var services = await Http.EcsAsync("ListServices", $$"""{"cluster":"{{cluster}}","maxResults":2}""");
        var rest = await Http.EcsAsync("ListServices", $$"""{"cluster":"{{cluster}}","maxResults":2,"nextToken":"{{services.Body["nextToken"]}}"}""");
        var tasks = await Http.EcsAsync("ListTasks", $$"""{"cluster":"{{cluster}}","serviceName":"b"}""");
        var noService = await Http.EcsAsync("ListTasks", $$"""{"cluster":"{{cluster}}","serviceName":"zzz"}""");
        var described = await Http.EcsAsync("DescribeTasks", new JsonObject
        {
            ["cluster"] = cluster,
            ["tasks"] = new JsonArray(tasks.Body["taskArns"]![0]!.DeepClone(), "0123456789abcdef0123456789abcdef"),
        }.ToJsonString());

        Assert.Equal(2, services.Body["serviceArns"]!.AsArray().Count);
        Assert.Equal($"arn:aws:ecs:{Server.Region}:{Server.AccountId}:service/{cluster}/c", rest.Body["serviceArns"]![0]!.GetValue<string>());
        Assert.Null(rest.Body["nextToken"]);
        Assert.Equal(Server.Tasks(cluster, "b").Select(t => t.Arn).Order(), tasks.Body["taskArns"]!.AsArray().Select(n => n!.GetValue<string>()).Order());
        Assert.Equal("ServiceNotFoundException", noService.Type);
        Assert.Equal("RUNNING", described.Body["tasks"]![0]!["lastStatus"]!.GetValue<string>());
        Assert.Equal("service:b", described.Body["tasks"]![0]!["group"]!.GetValue<string>());
        Assert.Equal("MISSING", described.Body["failures"]![0]!["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Tasks_list_by_family_and_by_the_deployment_that_started_them()
    {
        var cluster = EcsServerFixture.NewCluster();
        var family = Family();
        var a = Server.SeedService(cluster, "a", "a:1", 2, new SeedOptions { Family = family });
        Server.SeedService(cluster, "b", "b:1", 1);

        var byFamily = await Http.EcsAsync("ListTasks", $$"""{"cluster":"{{cluster}}","family":"{{family}}"}""");
        var byDeployment = await Http.EcsAsync("ListTasks", $$"""{"cluster":"{{cluster}}","startedBy":"{{a.Primary.Id}}"}""");
        var stopped = await Http.EcsAsync("ListTasks", $$"""{"cluster":"{{cluster}}","desiredStatus":"STOPPED"}""");

        Assert.Equal(2, byFamily.Body["taskArns"]!.AsArray().Count);
        Assert.Equal(2, byDeployment.Body["taskArns"]!.AsArray().Count);
        Assert.Empty(stopped.Body["taskArns"]!.AsArray());
    }

    [Fact]
    public async Task A_small_page_size_splits_every_list_without_max_results()
    {
        await using var server = await EcsTestServer.StartAsync(new EcsTestServerOptions { PageSize = 1 });
        var http = new SignedHttp(server);
        var family = Family();
        await http.EcsAsync("RegisterTaskDefinition", Definition(family, "x:1"));
        await http.EcsAsync("RegisterTaskDefinition", Definition(family, "x:2"));
        server.AppendLog("/g", "s", "one");
        server.AppendLog("/g", "s", "two");

        var definitions = await http.EcsAsync("ListTaskDefinitions", "{}");
        var events = await http.LogsAsync("FilterLogEvents", """{"logGroupName":"/g"}""");
        var rest = await http.LogsAsync("FilterLogEvents", $$"""{"logGroupName":"/g","nextToken":"{{events.Body["nextToken"]}}"}""");

        Assert.Single(definitions.Body["taskDefinitionArns"]!.AsArray());
        Assert.NotNull(definitions.Body["nextToken"]);
        Assert.Equal("one", events.Body["events"]![0]!["message"]!.GetValue<string>());
        Assert.Equal("two", rest.Body["events"]![0]!["message"]!.GetValue<string>());
        Assert.Null(rest.Body["nextToken"]);
    }

    [Fact]
    public async Task A_log_group_is_found_by_its_identifier_as_a_name_or_an_arn()
    {
        var group = "/test/" + Family();
        Server.AppendLog(group, "s", "hello");

        var byName = await Http.LogsAsync("FilterLogEvents", new JsonObject { ["logGroupIdentifier"] = group }.ToJsonString());
        var byArn = await Http.LogsAsync("FilterLogEvents", new JsonObject { ["logGroupIdentifier"] = $"arn:aws:logs:{Server.Region}:{Server.AccountId}:log-group:{group}:*" }.ToJsonString());
        var both = await Http.LogsAsync("FilterLogEvents", new JsonObject { ["logGroupName"] = group, ["logGroupIdentifier"] = group }.ToJsonString());

        Assert.Equal("hello", byName.Body["events"]![0]!["message"]!.GetValue<string>());
        Assert.Equal("hello", byArn.Body["events"]![0]!["message"]!.GetValue<string>());
        Assert.Equal("InvalidParameterException", both.Type);
    }

    [Fact]
    public async Task Filter_patterns_match_terms_phrases_alternatives_and_exclusions()
    {
        var group = "/test/" + Family();
        foreach (var line in new[] { "ERROR db timeout", "ERROR cache miss", "WARN slow query", "INFO request ok", "ERROR \"disk full\" on /var" })
        {
            Server.AppendLog(group, "s1", line);
        }

        async Task<string[]> Filter(string pattern) =>
            [.. (await Http.LogsAsync("FilterLogEvents", new JsonObject { ["logGroupName"] = group, ["filterPattern"] = pattern }.ToJsonString()))
                .Body["events"]!.AsArray().Select(e => e!["message"]!.GetValue<string>())];
        var json = await Http.LogsAsync("FilterLogEvents", new JsonObject { ["logGroupName"] = group, ["filterPattern"] = "{ $.level = \"ERROR\" }" }.ToJsonString());

        Assert.Equal(["ERROR db timeout", "ERROR cache miss", "ERROR \"disk full\" on /var"], await Filter("ERROR"));
        Assert.Equal(["ERROR db timeout"], await Filter("ERROR timeout"));
        Assert.Equal(["ERROR cache miss", "WARN slow query"], await Filter("?WARN ?cache"));
        Assert.Equal(["ERROR db timeout", "ERROR \"disk full\" on /var"], await Filter("ERROR -cache"));
        Assert.Equal(["WARN slow query"], await Filter("\"slow query\""));
        Assert.Empty(await Filter("error"));
        Assert.Equal(5, (await Filter(string.Empty)).Length);
        Assert.Equal("InvalidParameterException", json.Type);
    }

    [Fact]
    public async Task Filtering_reads_the_time_window_inclusively_across_the_chosen_streams()
    {
        var group = "/test/" + Family();
        var t0 = DateTimeOffset.UtcNow.AddHours(-1);
        for (var i = 0; i < 6; i++)
        {
            Server.AppendLog(group, i % 2 == 0 ? "app/a" : "app/b", $"line {i}", t0.AddSeconds(i));
        }

        Server.AppendLog(group, "other", "elsewhere", t0.AddSeconds(2));
        var window = await Http.LogsAsync("FilterLogEvents", new JsonObject
        {
            ["logGroupName"] = group,
            ["logStreamNamePrefix"] = "app/",
            ["startTime"] = t0.AddSeconds(1).ToUnixTimeMilliseconds(),
            ["endTime"] = t0.AddSeconds(4).ToUnixTimeMilliseconds(),
        }.ToJsonString());
        var named = await Http.LogsAsync("FilterLogEvents", new JsonObject { ["logGroupName"] = group, ["logStreamNames"] = new JsonArray("app/b", "other") }.ToJsonString());
        var unknownStream = await Http.LogsAsync("FilterLogEvents", new JsonObject { ["logGroupName"] = group, ["logStreamNames"] = new JsonArray("nope") }.ToJsonString());
        var both = await Http.LogsAsync("FilterLogEvents", new JsonObject { ["logGroupName"] = group, ["logStreamNames"] = new JsonArray("app/a"), ["logStreamNamePrefix"] = "app" }.ToJsonString());

        Assert.Equal(["line 1", "line 2", "line 3", "line 4"], window.Body["events"]!.AsArray().Select(e => e!["message"]!.GetValue<string>()));
        Assert.Equal(["line 1", "elsewhere", "line 3", "line 5"], named.Body["events"]!.AsArray().Select(e => e!["message"]!.GetValue<string>()));
        Assert.Equal(56, window.Body["events"]![0]!["eventId"]!.GetValue<string>().Length);
        Assert.Equal("ResourceNotFoundException", unknownStream.Type);
        Assert.Equal("InvalidParameterException", both.Type);
    }

    [Fact]
    public async Task Get_log_events_reads_from_the_tail_or_the_head_and_repeats_its_forward_token_at_the_end()
    {
        var group = "/test/" + Family();
        for (var i = 0; i < 5; i++)
        {
            Server.AppendLog(group, "s", $"e{i}");
        }

        var tail = await Http.LogsAsync("GetLogEvents", $$"""{"logGroupName":"{{group}}","logStreamName":"s","limit":2}""");
        var head = await Http.LogsAsync("GetLogEvents", $$"""{"logGroupName":"{{group}}","logStreamName":"s","limit":3,"startFromHead":true}""");
        var next = await Http.LogsAsync("GetLogEvents", $$"""{"logGroupName":"{{group}}","logStreamName":"s","limit":3,"nextToken":"{{head.Body["nextForwardToken"]}}"}""");
        var end = await Http.LogsAsync("GetLogEvents", $$"""{"logGroupName":"{{group}}","logStreamName":"s","limit":3,"nextToken":"{{next.Body["nextForwardToken"]}}"}""");
        var streams = await Http.LogsAsync("DescribeLogStreams", $$"""{"logGroupName":"{{group}}"}""");
        var badOrder = await Http.LogsAsync("DescribeLogStreams", $$"""{"logGroupName":"{{group}}","orderBy":"LastEventTime","logStreamNamePrefix":"s"}""");

        static string[] Messages(RawAnswer a) => [.. a.Body["events"]!.AsArray().Select(e => e!["message"]!.GetValue<string>())];
        Assert.Equal(["e3", "e4"], Messages(tail));
        Assert.Equal(["e0", "e1", "e2"], Messages(head));
        Assert.Equal(["e3", "e4"], Messages(next));
        Assert.Empty(Messages(end));
        Assert.Equal(next.Body["nextForwardToken"]!.GetValue<string>(), end.Body["nextForwardToken"]!.GetValue<string>());
        Assert.Equal("s", streams.Body["logStreams"]![0]!["logStreamName"]!.GetValue<string>());
        Assert.Equal("InvalidParameterException", badOrder.Type);
    }
}
