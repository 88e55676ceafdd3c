using Runbook.Execution.Actions;
using Runbook.Providers.Aws.Tests.EcsServer;
using Runbook.Providers.Aws.Tests.Support;
using Runbook.Providers.Tests;

namespace Runbook.Providers.Aws.Tests.Provider;

/// <summary>The shared provider conformance suite, run by the aws provider against the ECS test server (one cluster per test).</summary>
public sealed class AwsConformanceTests : ProviderConformance, IClassFixture<EcsServerFixture>
{
    private readonly EcsTestServer _server;
    private readonly string _cluster = EcsServerFixture.NewCluster();

    public AwsConformanceTests(EcsServerFixture fixture)
    {
        _server = fixture.Server;
        _server.SeedService(_cluster, "web", Image1, desiredCount: 1);
        _server.MarkImageBad("registry.example/never-healthy:1");
        _server.SeedService(_cluster, "stuck", "registry.example/never-healthy:1", desiredCount: 1);
    }

    protected override string Service => "web";

    protected override string Unhealthy => "stuck";

    protected override string Image1 => "registry.example/web:1";

    protected override string Image2 => "registry.example/web:2";

    protected override IReadOnlyDictionary<string, IStepAction>? Actions() =>
        AwsTarget.Actions(AwsTarget.Environment(_server), AwsTarget.Settings(_cluster));

    protected override IReadOnlyDictionary<string, IStepAction> ActionsAgainstAnUnreachableBackend()
    {
        var environment = AwsTarget.Environment(_server);
        environment["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9/";
        return AwsTarget.Actions(environment, AwsTarget.Settings(_cluster, ("timeout", "1s")));
    }

    protected override async Task<(string Error, bool Retryable)> ScaleWithoutPermissionAsync()
    {
        var reader = _server.AddCredentials("read-only");
        _server.Deny(reader.AccessKeyId, "UpdateService");
        var actions = AwsTarget.Actions(AwsTarget.Environment(_server, reader), AwsTarget.Settings(_cluster));
        var failed = Assert.IsType<Failed>(await Run(actions, "service.scale", ("service", Service), ("replicas", 2L)));
        return (failed.Error, failed.Retryable);
    }
}
