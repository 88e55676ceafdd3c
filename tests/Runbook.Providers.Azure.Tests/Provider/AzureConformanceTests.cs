using Runbook.Execution.Actions;
using Runbook.Providers.Azure.Tests.ArmServer;
using Runbook.Providers.Tests;

namespace Runbook.Providers.Azure.Tests.Provider;

/// <summary>The shared provider conformance suite, run by the azure provider against the ARM test server (one resource group per test).</summary>
public sealed class AzureConformanceTests : ProviderConformance, IClassFixture<ArmServerFixture>
{
    private readonly ContainerAppsTestServer _server;
    private readonly string _group = ArmServerFixture.NewResourceGroup();

    public AzureConformanceTests(ArmServerFixture fixture)
    {
        _server = fixture.Server;
        _server.SeedApp(_group, "web", Image1);
        _server.MarkImageBad("registry.example/never-healthy:1");
        _server.SeedApp(_group, "stuck", "registry.example/never-healthy:1");
    }

    protected override string Service => "web";

    protected override string Unhealthy => "stuck";

    protected override string Image1 => "registry.example/web:1";

    protected override string Image2 => "registry.example/web:2";

    protected override IReadOnlyDictionary<string, IStepAction>? Actions() => AzureTarget.Actions(_server, AzureTarget.Settings(_server, _group));

    protected override IReadOnlyDictionary<string, IStepAction> ActionsAgainstAnUnreachableBackend() =>
        AzureTarget.Actions(_server, AzureTarget.Settings(_server, _group, ("endpoint", "https://127.0.0.1:9/"), ("timeout", "1s")));

    protected override async Task<(string Error, bool Retryable)> ScaleWithoutPermissionAsync()
    {
        _server.AcceptToken("reader-token-" + _group, "runbook-reader", "Microsoft.App/containerApps/write");
        var actions = AzureTarget.Actions(_server, AzureTarget.Settings(_server, _group), "reader-token-" + _group);
        var failed = Assert.IsType<Failed>(await Run(actions, "service.scale", ("service", Service), ("replicas", 2L)));
        return (failed.Error, failed.Retryable);
    }
}
