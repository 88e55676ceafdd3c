using Runbook.Execution.Actions;
using Runbook.Providers.Kubernetes.Tests.Support;
using Runbook.Providers.Tests;

namespace Runbook.Providers.Kubernetes.Tests;

/// <summary>
/// kubernetes.exec against hostile values (<see cref="ExecCommandMatrix"/>): the test API server runs the
/// command on this machine, so a value that ran would leave the marker file here.
/// </summary>
public sealed class ExecInjectionTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    private static readonly SemaphoreSlim Gate = new(1);
    private static (ApiServerFixture Fixture, IReadOnlyDictionary<string, IStepAction> Actions)? _shared;
    private readonly ActionsContext _context = new();

    /// <summary>One deployment with a running pod for the whole matrix, made on first use.</summary>
    private async Task<IReadOnlyDictionary<string, IStepAction>> ActionsAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_shared is { } shared && shared.Fixture == fixture)
            {
                return shared.Actions;
            }

            var cluster = await Cluster.WithDeploymentAsync(fixture.Server, "web", "web:1", 1);
            var actions = cluster.Actions();
            Assert.IsType<Succeeded>(await actions["service.wait"].ExecuteAsync(_context.Invocation("service.wait",
                new Dictionary<string, object?> { ["service"] = "web", ["timeout"] = "30s" }), CancellationToken.None));
            _shared = (fixture, actions);
            return actions;
        }
        finally
        {
            Gate.Release();
        }
    }

    public static TheoryData<string, string> Cases() => ExecCommandMatrix.Cases();

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_value_in_an_exec_command_never_runs_and_legitimate_uses_work(string context, string payload)
    {
        var marker = Path.Combine(Path.GetTempPath(), $"runbook-exec-mark-{Guid.NewGuid():N}");
        var value = payload.Replace("MARK", marker, StringComparison.Ordinal);
        try
        {
            var actions = await ActionsAsync();
            var outcome = await actions["kubernetes.exec"].ExecuteAsync(_context.Invocation("kubernetes.exec", new Dictionary<string, object?>
            {
                ["service"] = "web",
                ["command"] = ExecCommandMatrix.Command(context, value),
            }), CancellationToken.None);

            ExecCommandMatrix.Verify(context, value, outcome, File.Exists(marker));
        }
        finally
        {
            File.Delete(marker);
        }
    }
}
