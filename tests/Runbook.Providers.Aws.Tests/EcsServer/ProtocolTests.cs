using Runbook.Providers.Aws.Tests.Support;

namespace Runbook.Providers.Aws.Tests.EcsServer;

/// <summary>What the vendor clients never send: broken protocol and broken signatures, each answered as AWS answers it.</summary>
public sealed class ProtocolTests(EcsServerFixture fixture) : IClassFixture<EcsServerFixture>
{
    private EcsTestServer Server => fixture.Server;

    private SignedHttp Http => new(Server);

    [Fact]
    public async Task A_signed_request_is_answered_with_the_json_protocols_content_type_and_a_request_id()
    {
        var cluster = EcsServerFixture.NewCluster();
        Server.SeedService(cluster, "web", "web:1", 1);

        var answer = await Http.EcsAsync("DescribeServices", $$"""{"cluster":"{{cluster}}","services":["web"]}""");

        Assert.Equal(200, answer.Status);
        Assert.Equal("application/x-amz-json-1.1", answer.ContentType);
        Assert.True(Guid.TryParse(answer.RequestId, out _));
        Assert.Equal("web", answer.Body["services"]![0]!["serviceName"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_error_carries_its_type_in_the_body_and_the_error_type_header()
    {
        var answer = await Http.EcsAsync("DescribeServices", """{"cluster":"no-such-cluster","services":["web"]}""");

        Assert.Equal(400, answer.Status);
        Assert.Equal("ClusterNotFoundException", answer.Type);
        Assert.Equal("Cluster not found.", answer.Message);
        Assert.StartsWith("ClusterNotFoundException:", answer.ErrorTypeHeader, StringComparison.Ordinal);
        Assert.NotNull(answer.RequestId);
    }

    [Fact]
    public async Task Qualified_error_types_name_the_shape_with_its_namespace()
    {
        await using var server = await EcsTestServer.StartAsync(new EcsTestServerOptions { QualifiedErrorTypes = true });

        var answer = await new SignedHttp(server).LogsAsync("FilterLogEvents", """{"logGroupName":"/none"}""");

        Assert.Equal("com.amazonaws.logs#ResourceNotFoundException", answer.Type);
        Assert.Equal("The specified log group does not exist.", answer.Message);
    }

    [Fact]
    public async Task Every_answer_of_a_busy_session_matches_its_output_shape()
    {
        var cluster = EcsServerFixture.NewCluster();
        Server.SeedService(cluster, "web", "web:1", 2, new SeedOptions { CircuitBreaker = true, Rollback = true });

        var answers = new[]
        {
            await Http.EcsAsync("DescribeServices", $$"""{"cluster":"{{cluster}}","services":["web","ghost"]}"""),
            await Http.EcsAsync("UpdateService", $$"""{"cluster":"{{cluster}}","service":"web","forceNewDeployment":true}"""),
            await Http.EcsAsync("ListTasks", $$"""{"cluster":"{{cluster}}","serviceName":"web"}"""),
            await Http.EcsAsync("DescribeTaskDefinition", """{"taskDefinition":"web","include":["TAGS"]}"""),
            await Http.EcsAsync("ListServices", $$"""{"cluster":"{{cluster}}"}"""),
            await Http.LogsAsync("DescribeLogStreams", """{"logGroupName":"/ecs/web"}"""),
            await Http.LogsAsync("GetLogEvents", $$"""{"logGroupName":"/ecs/web","logStreamName":"ecs/app/{{Server.Tasks(cluster, "web")[0].Id}}"}"""),
        };
        await Server.WaitForStableAsync(cluster, "web");
        var tasks = await Http.EcsAsync("ListTasks", $$"""{"cluster":"{{cluster}}","serviceName":"web","desiredStatus":"STOPPED"}""");
        var described = await Http.EcsAsync("DescribeTasks", new System.Text.Json.Nodes.JsonObject { ["cluster"] = cluster, ["tasks"] = tasks.Body["taskArns"]!.DeepClone() }.ToJsonString());

        Assert.All(answers.Append(tasks).Append(described), a => Assert.Equal(200, a.Status));
        Assert.Empty(Server.OutputProblems);
    }

    [Fact]
    public async Task A_request_without_a_target_or_with_an_unknown_one_is_an_unknown_operation()
    {
        var none = await Http.EcsAsync("DescribeServices", "{}", new SignedHttp.Options { Target = string.Empty, SignedHeaders = "content-type;host;x-amz-date" });
        var unknown = await Http.EcsAsync("DescribeServices", "{}", new SignedHttp.Options { Target = "AmazonEC2ContainerServiceV20141113.DescribeEverything" });
        var otherService = await Http.EcsAsync("DescribeServices", "{}", new SignedHttp.Options { Target = "DynamoDB_20120810.ListTables" });
        var unimplemented = await Http.EcsAsync("CreateService", """{"serviceName":"x"}""");

        Assert.All(new[] { none, unknown, otherService, unimplemented }, a =>
        {
            Assert.Equal(400, a.Status);
            Assert.Equal("UnknownOperationException", a.Type);
        });
        Assert.Contains("Missing X-Amz-Target", none.Message, StringComparison.Ordinal);
        Assert.Contains("does not implement", unimplemented.Message, StringComparison.Ordinal);
        Assert.Equal(0, Server.Calls.Count(c => c.Operation == "CreateService" && c.Status == 200));
    }

    [Fact]
    public async Task A_request_in_another_content_type_or_method_is_refused()
    {
        var json = await Http.EcsAsync("ListServices", "{}", new SignedHttp.Options { ContentType = "application/json" });
        var get = await Http.EcsAsync("ListServices", string.Empty, new SignedHttp.Options { Method = "GET" });

        Assert.Equal(400, json.Status);
        Assert.Equal("UnknownOperationException", json.Type);
        Assert.Contains("application/x-amz-json-1.1", json.Message, StringComparison.Ordinal);
        Assert.Equal(404, get.Status);
        Assert.Equal("UnknownOperationException", get.Type);
    }

    [Fact]
    public async Task A_body_that_is_not_json_or_not_of_the_input_shape_is_a_serialization_error()
    {
        var broken = await Http.EcsAsync("UpdateService", """{"service":"web",""");
        var array = await Http.EcsAsync("UpdateService", """["web"]""");
        var wrongType = await Http.EcsAsync("UpdateService", """{"service":"web","desiredCount":"3"}""");
        var misspelt = await Http.EcsAsync("UpdateService", """{"service":"web","desiredcount":3}""");
        var fraction = await Http.EcsAsync("UpdateService", """{"service":"web","desiredCount":2.5}""");

        Assert.All(new[] { broken, array, wrongType, misspelt, fraction }, a =>
        {
            Assert.Equal(400, a.Status);
            Assert.Equal("SerializationException", a.Type);
        });
        Assert.Contains("'desiredCount'", wrongType.Message, StringComparison.Ordinal);
        Assert.Contains("Unknown member 'desiredcount'", misspelt.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_required_member_or_a_value_outside_its_enum_is_a_validation_error_in_corals_words()
    {
        var missing = await Http.EcsAsync("UpdateService", """{"desiredCount":1}""");
        var badEnum = await Http.EcsAsync("ListTaskDefinitions", """{"sort":"DOWN"}""");
        var badLimit = await Http.LogsAsync("FilterLogEvents", """{"logGroupName":"/x","limit":0}""");

        Assert.Equal("InvalidParameterException", missing.Type);
        Assert.Equal("1 validation error detected: Value null at 'service' failed to satisfy constraint: Member must not be null", missing.Message);
        Assert.Equal("InvalidParameterException", badEnum.Type);
        Assert.Contains("Member must satisfy enum value set: [ASC, DESC]", badEnum.Message, StringComparison.Ordinal);
        Assert.Equal("InvalidParameterException", badLimit.Type);
    }

    [Fact]
    public async Task An_unsigned_request_is_missing_its_authentication_token()
    {
        var answer = await Http.EcsAsync("ListServices", "{}", new SignedHttp.Options { Sign = false });

        Assert.Equal(400, answer.Status);
        Assert.Equal("MissingAuthenticationTokenException", answer.Type);
        Assert.Equal("Missing Authentication Token", answer.Message);
    }

    [Fact]
    public async Task An_authorization_header_missing_its_parts_or_scoped_to_another_day_is_refused()
    {
        var partial = await Http.EcsAsync("ListTaskDefinitions", "{}", new SignedHttp.Options { Authorization = $"AWS4-HMAC-SHA256 Credential={Server.AccessKeyId}/20250101/eu-west-1/ecs/aws4_request" });
        var otherAlgorithm = await Http.EcsAsync("ListTaskDefinitions", "{}", new SignedHttp.Options { Authorization = "AWS4-HMAC-SHA1 Credential=x" });
        var otherDay = await Http.EcsAsync("ListTaskDefinitions", "{}", new SignedHttp.Options { ScopeDate = "20200101" });

        Assert.Equal("IncompleteSignatureException", partial.Type);
        Assert.StartsWith("Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter.", partial.Message, StringComparison.Ordinal);
        Assert.Equal(("IncompleteSignatureException", "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA1'"), (otherAlgorithm.Type, otherAlgorithm.Message));
        Assert.Equal("InvalidSignatureException", otherDay.Type);
        Assert.StartsWith("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20200101' != ", otherDay.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_changed_after_signing_fails_with_the_canonical_request_the_server_expected()
    {
        var cluster = EcsServerFixture.NewCluster();
        Server.SeedService(cluster, "web", "web:1", 1);
        var signedFor = $$"""{"cluster":"{{cluster}}","service":"web","desiredCount":1}""";

        var answer = await Http.EcsAsync("UpdateService", signedFor, new SignedHttp.Options { BodyAfterSigning = signedFor.Replace(":1}", ":9}", StringComparison.Ordinal) });

        Assert.Equal(400, answer.Status);
        Assert.Equal("InvalidSignatureException", answer.Type);
        Assert.StartsWith("The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.", answer.Message, StringComparison.Ordinal);
        Assert.Contains("The Canonical String for this request should have been\n'POST\n/\n\ncontent-type:application/x-amz-json-1.1\n", answer.Message, StringComparison.Ordinal);
        Assert.Equal(1, Server.Service(cluster, "web")!.DesiredCount);
    }

    [Fact]
    public async Task A_signature_scoped_to_another_service_region_or_without_the_host_is_refused()
    {
        var service = await Http.EcsAsync("ListServices", "{}", new SignedHttp.Options { ScopeService = "logs" });
        var logsAsEcs = await Http.LogsAsync("DescribeLogStreams", """{"logGroupName":"/x"}""", new SignedHttp.Options { ScopeService = "ecs" });
        var region = await Http.EcsAsync("ListServices", "{}", new SignedHttp.Options { ScopeRegion = "us-west-2" });
        var noHost = await Http.EcsAsync("ListServices", "{}", new SignedHttp.Options { SignedHeaders = "content-type;x-amz-date;x-amz-target" });
        var noDate = await Http.EcsAsync("ListServices", "{}", new SignedHttp.Options { SignedHeaders = "content-type;host;x-amz-target" });

        Assert.Equal("Credential should be scoped to correct service: 'ecs'. ", service.Message);
        Assert.Equal("Credential should be scoped to correct service: 'logs'. ", logsAsEcs.Message);
        Assert.Equal("Credential should be scoped to a valid region, not 'us-west-2'. ", region.Message);
        Assert.Contains("'Host'", noHost.Message, StringComparison.Ordinal);
        Assert.Contains("'X-Amz-Date'", noDate.Message, StringComparison.Ordinal);
        Assert.All(new[] { service, logsAsEcs, region, noHost, noDate }, a => Assert.Equal(("InvalidSignatureException", 400), (a.Type, a.Status)));
    }

    [Fact]
    public async Task A_signature_older_or_newer_than_five_minutes_is_expired_or_not_yet_current()
    {
        var old = await Http.EcsAsync("ListTaskDefinitions", "{}", new SignedHttp.Options { SignedAt = DateTimeOffset.UtcNow.AddMinutes(-6) });
        var future = await Http.EcsAsync("ListTaskDefinitions", "{}", new SignedHttp.Options { SignedAt = DateTimeOffset.UtcNow.AddMinutes(6) });
        var slightlyOff = await Http.EcsAsync("ListTaskDefinitions", "{}", new SignedHttp.Options { SignedAt = DateTimeOffset.UtcNow.AddMinutes(-4) });

        Assert.Equal("InvalidSignatureException", old.Type);
        Assert.Matches(@"^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$", old.Message);
        Assert.Equal("InvalidSignatureException", future.Type);
        Assert.Matches(@"^Signature not yet current: \d{8}T\d{6}Z is still later than \d{8}T\d{6}Z \(\d{8}T\d{6}Z \+ 5 min\.\)$", future.Message);
        Assert.Equal(200, slightlyOff.Status);
    }

    [Fact]
    public async Task Session_credentials_need_their_token_and_stop_working_when_they_expire()
    {
        var session = Server.AddSessionCredentials("temp");
        var expired = Server.AddSessionCredentials("old", DateTimeOffset.UtcNow.AddSeconds(-1));

        var ok = await Http.EcsAsync("ListTaskDefinitions", "{}", new SignedHttp.Options { Credentials = session });
        var wrongToken = await Http.EcsAsync("ListTaskDefinitions", "{}", new SignedHttp.Options { Credentials = session with { SessionToken = "forged" } });
        var tokenOnLongTermKey = await Http.EcsAsync("ListTaskDefinitions", "{}", new SignedHttp.Options
        {
            Credentials = new TestCredentials(Server.AccessKeyId, Server.SecretAccessKey, session.SessionToken, "x"),
        });
        var late = await Http.EcsAsync("ListTaskDefinitions", "{}", new SignedHttp.Options { Credentials = expired });

        Assert.Equal(200, ok.Status);
        Assert.Equal(("UnrecognizedClientException", "The security token included in the request is invalid."), (wrongToken.Type, wrongToken.Message));
        Assert.Equal("UnrecognizedClientException", tokenOnLongTermKey.Type);
        Assert.Equal(("ExpiredTokenException", "The security token included in the request is expired"), (late.Type, late.Message));
    }

    [Fact]
    public async Task Injected_faults_hit_only_the_named_operation_and_only_as_many_times_as_asked()
    {
        await using var server = await EcsTestServer.StartAsync();
        var http = new SignedHttp(server);
        server.InjectThrottling(2, "ListServices");
        server.InjectServerErrors(1, "FilterLogEvents");

        var describe = await http.EcsAsync("ListTaskDefinitions", "{}");
        var first = await http.EcsAsync("ListServices", "{}");
        var second = await http.EcsAsync("ListServices", "{}");
        var third = await http.EcsAsync("ListServices", "{}");
        var logs = await http.LogsAsync("FilterLogEvents", """{"logGroupName":"/x"}""");

        Assert.Equal(200, describe.Status);
        Assert.Equal((400, "ThrottlingException", "Rate exceeded"), (first.Status, first.Type, first.Message));
        Assert.Equal("ThrottlingException", second.Type);
        Assert.Equal(400, third.Status); // the default cluster does not exist here: the operation ran
        Assert.Equal("ClusterNotFoundException", third.Type);
        Assert.Equal((503, "ServiceUnavailableException"), (logs.Status, logs.Type));
        Assert.Equal(0, server.MutatingCalls);
    }

    [Fact]
    public async Task Every_request_naming_a_mutating_operation_is_counted_however_it_was_answered()
    {
        await using var server = await EcsTestServer.StartAsync();
        server.SeedService("default", "web", "web:1", 1);
        var http = new SignedHttp(server);

        await http.EcsAsync("DescribeServices", """{"services":["web"]}""");
        await http.EcsAsync("UpdateService", """{"service":"web","desiredCount":2}""");
        await http.EcsAsync("UpdateService", """{"service":"web"}""", new SignedHttp.Options { Sign = false });
        await http.EcsAsync("RegisterTaskDefinition", """{"family":"bad family!","containerDefinitions":[{"name":"a","image":"b"}]}""");

        Assert.Equal(3, server.MutatingCalls);
        Assert.Equal(2, server.CallsTo("UpdateService"));
        Assert.Equal(1, server.CallsTo("DescribeServices"));
        Assert.Equal([200, 400, 400], server.Calls.Where(c => c.Mutating).Select(c => c.Status));
        Assert.Equal(2, server.Service("default", "web")!.DesiredCount);
    }
}
