using System.Text.Json.Nodes;

namespace Runbook.Providers.Azure.Tests.ArmServer;

/// <summary>The check every response of the server goes through: it must catch what the spec does not define.</summary>
public sealed class SpecModelTests
{
    private readonly SpecModel _spec = SpecModel.Load();

    [Fact]
    public void A_container_app_with_only_spec_properties_passes()
    {
        var app = JsonNode.Parse("""
            {"id":"/x","name":"web","type":"Microsoft.App/containerApps","location":"East US","tags":{"team":"data"},
             "properties":{"provisioningState":"Succeeded","latestRevisionName":"web--a",
               "configuration":{"activeRevisionsMode":"Multiple","ingress":{"traffic":[{"revisionName":"web--a","weight":100}]}},
               "template":{"containers":[{"name":"web","image":"i:1","resources":{"cpu":0.5,"memory":"1Gi"}}],"scale":{"minReplicas":1,"maxReplicas":3}}}}
            """);

        Assert.Empty(_spec.Check(app, SpecModel.ContainerApp));
    }

    [Theory]
    [InlineData("""{"properties":{"template":{"scale":{"replicas":3}}}}""", "$.properties.template.scale.replicas: not a property")]
    [InlineData("""{"properties":{"latestRevision":"web--a"}}""", "$.properties.latestRevision: not a property")]
    [InlineData("""{"properties":{"template":{"scale":{"minReplicas":"two"}}}}""", "$.properties.template.scale.minReplicas: String where the spec has integer")]
    [InlineData("""{"properties":{"template":{"scale":{"minReplicas":1.5}}}}""", "$.properties.template.scale.minReplicas: Number where the spec has integer")]
    [InlineData("""{"properties":{"provisioningState":"Done"}}""", "$.properties.provisioningState: 'Done' is not one of the spec's values")]
    [InlineData("""{"properties":{"template":{"containers":{"name":"web"}}}}""", "$.properties.template.containers: an object where the spec has array")]
    public void A_container_app_departing_from_the_spec_is_caught_with_the_path(string json, string problem)
    {
        var problems = _spec.Check(JsonNode.Parse(json), SpecModel.ContainerApp);

        Assert.Contains(problems, p => p.StartsWith(problem, StringComparison.Ordinal));
    }

    [Fact]
    public void Revisions_replicas_operation_statuses_and_errors_are_checked_against_their_own_definitions()
    {
        Assert.NotEmpty(_spec.Check(JsonNode.Parse("""{"properties":{"trafficWeight":"all"}}"""), SpecModel.Revision));
        Assert.NotEmpty(_spec.Check(JsonNode.Parse("""{"properties":{"containers":[{"logStream":"x"}]}}"""), SpecModel.Replica));
        Assert.NotEmpty(_spec.Check(JsonNode.Parse("""{"status":"Succeeded","progress":1}"""), SpecModel.OperationStatus));
        Assert.NotEmpty(_spec.Check(JsonNode.Parse("""{"error":{"code":"X","message":"m","reason":"r"}}"""), SpecModel.ErrorResponse));
        Assert.Empty(_spec.Check(JsonNode.Parse("""{"error":{"code":"X","message":"m","details":[]}}"""), SpecModel.ErrorResponse));
    }

    [Fact]
    public void Enum_values_are_not_held_against_requests_where_arm_models_them_as_strings()
    {
        var request = JsonNode.Parse("""{"properties":{"configuration":{"ingress":{"transport":"Auto"}}}}""");

        Assert.Empty(_spec.Check(request, SpecModel.ContainerApp, strictEnums: false));
        Assert.NotEmpty(_spec.Check(request, SpecModel.ContainerApp));
    }

    [Fact]
    public void The_spec_defines_the_properties_the_azure_verbs_read_and_write()
    {
        foreach (var path in new[]
        {
            "properties.template.scale.minReplicas", "properties.template.scale.maxReplicas", "properties.template.containers",
            "properties.configuration.ingress.traffic", "properties.configuration.activeRevisionsMode", "properties.latestReadyRevisionName",
        })
        {
            Assert.True(_spec.Defines(SpecModel.ContainerApp, path), path);
        }

        Assert.True(_spec.Defines(SpecModel.Revision, "properties.healthState"));
        Assert.False(_spec.Defines(SpecModel.ContainerApp, "properties.template.scale.replicas"));
    }
}
