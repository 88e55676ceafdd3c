using System.Text.Json;
using System.Text.Json.Nodes;
using Runbook.Providers.Aws.Tests.EcsServer;
using Runbook.Providers.Aws.Tests.Support;

namespace Runbook.Providers.Aws.Tests.CrossCheck;

/// <summary>
/// The AWS CLI (botocore) against the test server: what it reads is what the server holds, what it changes the
/// server shows, its waiter and paginator work, and its error handling (messages, retries) sees AWS's errors.
/// </summary>
public sealed class AwsCliCrossCheckTests(EcsServerFixture fixture) : IClassFixture<EcsServerFixture>
{
    private EcsTestServer Server => fixture.Server;

    [Fact]
    public async Task The_cli_reads_scales_deploys_and_rolls_back_a_service_and_the_server_holds_what_it_did()
    {
        AwsClients.Instance.EnsureReady();
        var cluster = EcsServerFixture.NewCluster();
        Server.SeedService(cluster, "web", "web:1", 2);

        var described = Cli("ecs", "describe-services", "--cluster", cluster, "--services", "web").Json.GetProperty("services")[0];
        var seeded = Server.Service(cluster, "web")!;
        Assert.Equal(seeded.Arn, described.GetProperty("serviceArn").GetString());
        Assert.Equal(2, described.GetProperty("runningCount").GetInt32());
        Assert.Equal(seeded.TaskDefinitionArn, described.GetProperty("taskDefinition").GetString());
        Assert.Equal("COMPLETED", described.GetProperty("deployments")[0].GetProperty("rolloutState").GetString());
        Assert.Equal(seeded.Primary.Id, described.GetProperty("deployments")[0].GetProperty("id").GetString());

        // Scale.
        var scaled = Cli("ecs", "update-service", "--cluster", cluster, "--service", "web", "--desired-count", "3").Json.GetProperty("service");
        Assert.Equal(3, scaled.GetProperty("desiredCount").GetInt32());
        Assert.Equal(3, Server.Service(cluster, "web")!.DesiredCount);
        Assert.Equal(3, (await Server.WaitForStableAsync(cluster, "web")).RunningCount);

        // Deploy: the described revision with another image, registered from the CLI's own JSON, then the service moved to it.
        var previous = Cli("ecs", "describe-task-definition", "--task-definition", "web").Json.GetProperty("taskDefinition");
        var input = RegisterInput(previous, "web:2");
        var registered = Cli("ecs", "register-task-definition", "--cli-input-json", input.ToJsonString()).Json.GetProperty("taskDefinition");
        Assert.Equal(2, registered.GetProperty("revision").GetInt32());
        var stored = Server.TaskDefinition("web:2")!;
        Assert.Equal(registered.GetProperty("taskDefinitionArn").GetString(), stored.Arn);
        foreach (var (name, value) in input)
        {
            Assert.True(JsonNode.DeepEquals(value, stored.Body[name]), $"{name} was stored as {stored.Body[name]?.ToJsonString()}, sent {value?.ToJsonString()}");
        }

        var deploying = Cli("ecs", "update-service", "--cluster", cluster, "--service", "web", "--task-definition", "web:2").Json.GetProperty("service");
        Assert.Equal(2, deploying.GetProperty("deployments").GetArrayLength());
        Assert.Equal("IN_PROGRESS", deploying.GetProperty("deployments")[0].GetProperty("rolloutState").GetString());
        var deployed = await Server.WaitForStableAsync(cluster, "web");
        Assert.Equal(stored.Arn, deployed.TaskDefinitionArn);
        Assert.Equal("COMPLETED", deployed.Primary.RolloutState);

        // The replaced tasks, as on-call reads them.
        var stoppedArns = Cli("ecs", "list-tasks", "--cluster", cluster, "--service-name", "web", "--desired-status", "STOPPED").Json.GetProperty("taskArns");
        Assert.Equal(3, stoppedArns.GetArrayLength());
        var stopped = Cli(["ecs", "describe-tasks", "--cluster", cluster, "--tasks", .. stoppedArns.EnumerateArray().Select(a => a.GetString()!)]).Json.GetProperty("tasks");
        Assert.All(stopped.EnumerateArray(), t =>
        {
            Assert.Equal("STOPPED", t.GetProperty("lastStatus").GetString());
            Assert.Equal(seeded.TaskDefinitionArn, t.GetProperty("taskDefinitionArn").GetString());
            Assert.StartsWith("Scaling activity initiated by (deployment ecs-svc/", t.GetProperty("stoppedReason").GetString(), StringComparison.Ordinal);
            Assert.Equal(0, t.GetProperty("containers")[0].GetProperty("exitCode").GetInt32());
        });
        Assert.Equal(3, Server.Tasks(cluster, "web").Count(t => t.LastStatus == "STOPPED" && t.TaskDefinitionArn == seeded.TaskDefinitionArn));

        // Roll back to revision 1, then force a new deployment of it.
        Cli("ecs", "update-service", "--cluster", cluster, "--service", "web", "--task-definition", seeded.TaskDefinitionArn);
        var rolledBack = await Server.WaitForStableAsync(cluster, "web");
        Assert.Equal(seeded.TaskDefinitionArn, rolledBack.TaskDefinitionArn);
        var forced = Cli("ecs", "update-service", "--cluster", cluster, "--service", "web", "--force-new-deployment").Json.GetProperty("service");
        Assert.Equal(2, forced.GetProperty("deployments").GetArrayLength());
        Assert.Equal(seeded.TaskDefinitionArn, forced.GetProperty("deployments")[0].GetProperty("taskDefinition").GetString());
        var refreshed = await Server.WaitForStableAsync(cluster, "web");
        Assert.NotEqual(rolledBack.Primary.Id, refreshed.Primary.Id);

        var after = Cli("ecs", "describe-services", "--cluster", cluster, "--services", "web").Json.GetProperty("services")[0];
        Assert.Equal(refreshed.Primary.Id, after.GetProperty("deployments")[0].GetProperty("id").GetString());
        Assert.Contains(after.GetProperty("events").EnumerateArray(), e => e.GetProperty("message").GetString() == "(service web) has reached a steady state.");
    }

    [Fact]
    public async Task The_cli_reports_the_servers_errors_in_awss_words()
    {
        AwsClients.Instance.EnsureReady();
        var cluster = EcsServerFixture.NewCluster();
        Server.SeedService(cluster, "web", "web:1", 1);

        // Independent calls, run side by side: the CLI's start-up is most of each one's time.
        var runs = await Task.WhenAll(
            Run(null, "ecs", "describe-services", "--cluster", cluster, "--services", "ghost"),
            Run(null, "ecs", "describe-services", "--cluster", "nope-" + cluster, "--services", "web"),
            Run(null, "ecs", "update-service", "--cluster", cluster, "--service", "ghost", "--desired-count", "1"),
            Run(null, "ecs", "update-service", "--cluster", cluster, "--service", "web", "--task-definition", "web:99"),
            Run(null, "ecs", "describe-task-definition", "--task-definition", "ghost-" + cluster),
            Run(null, "logs", "filter-log-events", "--log-group-name", "/ecs/ghost-" + cluster),
            Run(null, "ecs", "wait", "services-stable", "--cluster", cluster, "--services", "ghost"));
        var (missing, noCluster, noService, noRevision, noDefinition, noGroup, waitMissing) = (runs[0].Json, runs[1], runs[2], runs[3], runs[4], runs[5], runs[6]);

        Assert.Equal("MISSING", missing.GetProperty("failures")[0].GetProperty("reason").GetString());
        Assert.Equal($"arn:aws:ecs:{Server.Region}:{Server.AccountId}:service/{cluster}/ghost", missing.GetProperty("failures")[0].GetProperty("arn").GetString());
        Assert.Equal(0, missing.GetProperty("services").GetArrayLength());
        AssertCliError(noCluster, "An error occurred (ClusterNotFoundException) when calling the DescribeServices operation: Cluster not found.");
        AssertCliError(noService, "An error occurred (ServiceNotFoundException) when calling the UpdateService operation: Service not found.");
        AssertCliError(noRevision, "An error occurred (InvalidParameterException) when calling the UpdateService operation: TaskDefinition not found.");
        AssertCliError(noDefinition, "An error occurred (ClientException) when calling the DescribeTaskDefinition operation: Unable to describe task definition.");
        AssertCliError(noGroup, "An error occurred (ResourceNotFoundException) when calling the FilterLogEvents operation: The specified log group does not exist.");
        AssertCliError(waitMissing, "Waiter ServicesStable failed: Waiter encountered a terminal failure state");
        Assert.Contains("MISSING", waitMissing.Error, StringComparison.Ordinal);
        Assert.Equal(1, Server.Service(cluster, "web")!.DesiredCount);
    }

    [Fact]
    public async Task The_cli_is_refused_with_awss_signature_errors_and_accepted_with_session_credentials()
    {
        AwsClients.Instance.EnsureReady();
        var cluster = EcsServerFixture.NewCluster();
        Server.SeedService(cluster, "web", "web:1", 1);
        var describe = new[] { "ecs", "describe-services", "--cluster", cluster, "--services", "web" };
        var mutatingBefore = Server.MutatingCalls;

        var session = Server.AddSessionCredentials("oncall");
        var expired = Server.AddSessionCredentials("gone", DateTimeOffset.UtcNow.AddMinutes(-1));
        var reader = Server.AddCredentials("reader");
        Server.Deny(reader.AccessKeyId, "UpdateService");
        var runs = await Task.WhenAll(
            Run(new TestCredentials(Server.AccessKeyId, "wrong" + Server.SecretAccessKey[5..], null, "x"), describe),
            Run(new TestCredentials("AKIAUNKNOWNKEY000000", Server.SecretAccessKey, null, "x"), describe),
            Run(session, describe),
            Run(session with { SessionToken = null }, describe),
            Run(expired, describe),
            Run(reader, "ecs", "update-service", "--cluster", cluster, "--service", "web", "--desired-count", "5"));
        var (wrongSecret, unknownKey, withToken, withoutToken, afterExpiry, denied) = (runs[0], runs[1], runs[2], runs[3], runs[4], runs[5]);

        AssertCliError(wrongSecret, "An error occurred (InvalidSignatureException) when calling the DescribeServices operation: The request signature we calculated does not match the signature you provided.");
        AssertCliError(unknownKey, "An error occurred (UnrecognizedClientException) when calling the DescribeServices operation: The security token included in the request is invalid.");
        Assert.True(withToken.ExitCode == 0, withToken.Error);
        Assert.Equal("web", withToken.Json.GetProperty("services")[0].GetProperty("serviceName").GetString());
        AssertCliError(withoutToken, "(UnrecognizedClientException)");
        AssertCliError(afterExpiry, "An error occurred (ExpiredTokenException) when calling the DescribeServices operation: The security token included in the request is expired");
        AssertCliError(denied, $"An error occurred (AccessDeniedException) when calling the UpdateService operation: User: arn:aws:iam::{Server.AccountId}:user/reader is not authorized to perform: ecs:UpdateService on resource: arn:aws:ecs:{Server.Region}:{Server.AccountId}:service/{cluster}/web");
        Assert.Equal(1, Server.Service(cluster, "web")!.DesiredCount);
        Assert.Equal(mutatingBefore + 1, Server.MutatingCalls);
        Assert.Contains(Server.Calls, c => c.Operation == "UpdateService" && c.AccessKeyId == reader.AccessKeyId && c.ErrorType == "AccessDeniedException");
    }

    [Fact]
    public void The_cli_retries_throttling_and_server_errors_and_then_succeeds()
    {
        AwsClients.Instance.EnsureReady();
        var cluster = EcsServerFixture.NewCluster();
        Server.SeedService(cluster, "web", "web:1", 1);
        Server.InjectThrottling(2, "UpdateService");
        Server.InjectServerErrors(1, "UpdateService");
        var before = Server.Calls.Count(c => c.Operation == "UpdateService");

        var updated = Cli("ecs", "update-service", "--cluster", cluster, "--service", "web", "--desired-count", "2");

        var attempts = Server.Calls.Where(c => c.Operation == "UpdateService").Skip(before).ToList();
        Assert.Equal(["ServerException", "ThrottlingException", "ThrottlingException", null], attempts.Select(a => a.ErrorType));
        Assert.Equal([500, 400, 400, 200], attempts.Select(a => a.Status));
        Assert.Equal(2, updated.Json.GetProperty("service").GetProperty("desiredCount").GetInt32());
        Assert.Equal(2, Server.Service(cluster, "web")!.DesiredCount);
    }

    /// <summary>What register-task-definition takes from a described revision: everything but the fields ECS sets, with the first container's image changed.</summary>
    internal static JsonObject RegisterInput(JsonElement described, string image)
    {
        var input = JsonNode.Parse(described.GetRawText())!.AsObject();
        foreach (var set in new[] { "taskDefinitionArn", "revision", "status", "requiresAttributes", "compatibilities", "registeredAt", "registeredBy", "deregisteredAt" })
        {
            input.Remove(set);
        }

        input["containerDefinitions"]![0]!["image"] = image;
        return input;
    }

    private Task<ClientRun> Run(TestCredentials? credentials, params string[] args) => Task.Run(() => AwsClients.Instance.Cli(Server, credentials, args));

    private ClientRun Cli(params string[] args)
    {
        var run = AwsClients.Instance.Cli(Server, null, args);
        Assert.True(run.ExitCode == 0, $"aws {string.Join(' ', args)} failed ({run.ExitCode}): {run.Error}");
        return run;
    }

    private static void AssertCliError(ClientRun run, string expected)
    {
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains(expected, run.Error, StringComparison.Ordinal);
    }
}
