using System.Text.Json.Nodes;

namespace Runbook.Providers.Aws.Tests.EcsServer;

/// <summary>The guard that keeps the server's answers within the official output shapes can see a stray or mistyped member.</summary>
public sealed class ServiceModelTests
{
    private static readonly ServiceModel Ecs = ServiceModel.Load("ecs-2014-11-13.service-2.json");

    [Fact]
    public void An_answer_with_a_member_the_definition_lacks_or_of_the_wrong_type_is_reported()
    {
        var stray = new JsonObject { ["services"] = new JsonArray(new JsonObject { ["serviceName"] = "web", ["replicas"] = 2 }) };
        var mistyped = new JsonObject { ["services"] = new JsonArray(new JsonObject { ["serviceName"] = "web", ["desiredCount"] = "2" }) };
        var fine = new JsonObject { ["services"] = new JsonArray(new JsonObject { ["serviceName"] = "web", ["desiredCount"] = 2, ["createdAt"] = 1.5e9 }), ["failures"] = new JsonArray() };

        Assert.Contains(Ecs.CheckOutput("DescribeServices", stray), p => p.Contains("'services.1.replicas'", StringComparison.Ordinal));
        Assert.Contains(Ecs.CheckOutput("DescribeServices", mistyped), p => p.Contains("'services.1.desiredCount'", StringComparison.Ordinal));
        Assert.Empty(Ecs.CheckOutput("DescribeServices", fine));
    }

    [Fact]
    public void The_definition_names_the_routing_and_signing_the_server_uses()
    {
        var logs = ServiceModel.Load("logs-2014-03-28.service-2.json");

        Assert.Equal(("AmazonEC2ContainerServiceV20141113", "ecs"), (Ecs.TargetPrefix, Ecs.SigningName));
        Assert.Equal(("Logs_20140328", "logs"), (logs.TargetPrefix, logs.SigningName));
        Assert.Contains("ClusterNotFoundException", Ecs.Errors("UpdateService"));
        Assert.Contains("ServiceNotActiveException", Ecs.Errors("UpdateService"));
        Assert.Contains("ResourceNotFoundException", logs.Errors("FilterLogEvents"));
    }
}
