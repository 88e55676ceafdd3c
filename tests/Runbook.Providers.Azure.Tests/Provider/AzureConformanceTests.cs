using Runbook.Execution.Actions;
using Runbook.Providers.Azure.Tests.ArmServer;
using Runbook.Providers.Tests;

namespace Runbook.Providers.Azure.Tests.Provider;

/// <summary>The shared provider conformance suite, run by the azure provider against the ARM test server (one resource group per test).</summary>
public sealed class AzureConformanceTests : ProviderConformance, IClassFixture<PacedArmServerFixture>
{
    private readonly ContainerAppsTestServer _server;
    private readonly string _group = ArmServerFixture.NewResourceGroup();

    public AzureConformanceTests(PacedArmServerFixture fixture)
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

/// <summary>
/// The ARM test server provisioning at 3 s a revision, so a bad image fails after 6 s: as on Container Apps, where a
/// revision whose containers never get ready keeps provisioning for minutes before ARM fails it, the conformance
/// suite's 4 s wait on it ends by its timeout, not by ARM's verdict.
/// </summary>
public sealed class PacedArmServerFixture : IAsyncLifetime
{
    private ContainerAppsTestServer? _server;

    public ContainerAppsTestServer Server => _server ?? throw new InvalidOperationException("the ARM test server has not started");

    public async Task InitializeAsync() => _server = await ContainerAppsTestServer.StartAsync(new ArmServerOptions(ProvisioningTime: TimeSpan.FromSeconds(3)));

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            var problems = _server.OutputProblems;
            await _server.DisposeAsync();
            Assert.True(problems.Count == 0, "the ARM test server sent bodies the spec does not define:\n" + string.Join("\n", problems));
        }
    }
}
