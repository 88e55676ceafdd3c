using Runbook.Execution.Actions;

namespace Runbook.Providers.Tests;

/// <summary>
/// What every provider must do against its test backend. A provider's tests derive from this class and say
/// how to reach a service that runs one replica of image 1 (<see cref="Service"/>), one whose health check
/// never passes (<see cref="Unhealthy"/>), and the two images. Linked into each provider's test project.
/// </summary>
public abstract class ProviderConformance
{
    protected abstract string Service { get; }

    protected abstract string Unhealthy { get; }

    protected abstract string Image1 { get; }

    protected abstract string Image2 { get; }

    /// <summary>The provider's actions over a fresh backend; null when the backend is unavailable (the derived class reports why).</summary>
    protected abstract IReadOnlyDictionary<string, IStepAction>? Actions();

    protected abstract IReadOnlyDictionary<string, IStepAction> ActionsAgainstAnUnreachableBackend();

    private readonly ActionsContext _context = new();

    protected Task<StepOutcome> Run(IReadOnlyDictionary<string, IStepAction> actions, string action, params (string Name, object? Value)[] arguments) =>
        actions[action].ExecuteAsync(_context.Invocation(action, arguments.ToDictionary(a => a.Name, a => a.Value)), CancellationToken.None).AsTask();

    [Fact]
    public async Task Describe_reflects_a_scale_and_the_scale_records_the_previous_replicas()
    {
        if (Actions() is not { } actions)
        {
            return;
        }

        var scale = Assert.IsType<Succeeded>(await Run(actions, "service.scale", ("service", Service), ("replicas", 3L)));
        var waited = await Run(actions, "service.wait", ("service", Service), ("timeout", "60s"));
        var described = Assert.IsType<Succeeded>(await Run(actions, "service.describe", ("service", Service)));

        Assert.Equal(1L, scale.Outputs["previous_replicas"]);
        Assert.IsType<Succeeded>(waited);
        Assert.Equal(3L, described.Outputs["replicas"]);
        Assert.Equal(3L, described.Outputs["desired_replicas"]);
    }

    [Fact]
    public async Task Rollback_restores_the_previous_revision()
    {
        if (Actions() is not { } actions)
        {
            return;
        }

        var before = Assert.IsType<Succeeded>(await Run(actions, "service.describe", ("service", Service)));
        var deploy = Assert.IsType<Succeeded>(await Run(actions, "service.deploy", ("service", Service), ("image", Image2)));
        Assert.IsType<Succeeded>(await Run(actions, "service.wait", ("service", Service), ("timeout", "60s")));
        var deployed = Assert.IsType<Succeeded>(await Run(actions, "service.describe", ("service", Service)));
        var history = Assert.IsType<Succeeded>(await Run(actions, "service.history", ("service", Service)));
        var rollback = Assert.IsType<Succeeded>(await Run(actions, "service.rollback", ("service", Service)));
        Assert.IsType<Succeeded>(await Run(actions, "service.wait", ("service", Service), ("timeout", "60s")));
        var rolledBack = Assert.IsType<Succeeded>(await Run(actions, "service.describe", ("service", Service)));

        Assert.Equal(Image1, before.Outputs["image"]);
        Assert.Equal(Image1, deploy.Outputs["previous_image"]);
        Assert.Equal(before.Outputs["revision"], deploy.Outputs["previous_revision"]);
        Assert.Equal(Image2, deployed.Outputs["image"]);
        Assert.NotEqual(before.Outputs["revision"], deployed.Outputs["revision"]);
        Assert.Equal(before.Outputs["revision"], deployed.Outputs["previous_revision"]);
        Assert.Equal(deployed.Outputs["revision"], history.Outputs["current"]);
        Assert.Equal(before.Outputs["revision"], history.Outputs["previous"]);
        Assert.Equal(deployed.Outputs["revision"], rollback.Outputs["previous_revision"]);
        Assert.Equal(Image1, rolledBack.Outputs["image"]);
    }

    [Fact]
    public async Task Wait_times_out_cleanly_on_a_service_that_never_becomes_healthy()
    {
        if (Actions() is not { } actions)
        {
            return;
        }

        var failed = Assert.IsType<Failed>(await Run(actions, "service.wait", ("service", Unhealthy), ("timeout", "4s")));

        Assert.Contains($"{Unhealthy} was not rolled out within 4s", failed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_service_is_a_not_found_error_that_names_it()
    {
        if (Actions() is not { } actions)
        {
            return;
        }

        var failed = Assert.IsType<Failed>(await Run(actions, "service.describe", ("service", "no_such_service")));

        Assert.Contains("'no_such_service'", failed.Error, StringComparison.Ordinal);
        Assert.False(failed.Retryable);
    }

    [Fact]
    public async Task A_permission_error_names_what_was_denied()
    {
        var (error, retryable) = await ScaleWithoutPermissionAsync();

        Assert.Matches("(?i)forbidden|permission denied", error);
        Assert.Contains(DeniedResource, error, StringComparison.Ordinal);
        Assert.Contains(Service, error, StringComparison.Ordinal);
        Assert.False(retryable, $"a permission error is not worth retrying: {error}");
    }

    /// <summary>
    /// Scales <see cref="Service"/> to 2 as someone the backend really denies (Kubernetes: RBAC forbids the scale;
    /// Docker: an unprivileged user against the root-owned socket): the step's error and whether it was retryable.
    /// </summary>
    protected abstract Task<(string Error, bool Retryable)> ScaleWithoutPermissionAsync();

    /// <summary>What the backend denied, as the error must name it (the service by default; Docker: the socket).</summary>
    protected virtual string DeniedResource => Service;

    [Fact]
    public async Task An_unreachable_backend_is_an_error_that_says_what_to_check()
    {
        if (Actions() is null)
        {
            return;
        }

        var failed = Assert.IsType<Failed>(await Run(ActionsAgainstAnUnreachableBackend(), "service.describe", ("service", Service)));

        Assert.Matches("running|reach|connect|unavailable", failed.Error);
    }
}

/// <summary>Invocations for actions tested alone.</summary>
internal sealed class ActionsContext : IStepLog
{
    private readonly HttpClient _http = new();

    public List<string> Lines { get; } = [];

    public void Line(LogStream stream, string text)
    {
        lock (Lines)
        {
            Lines.Add(text);
        }
    }

    public StepInvocation Invocation(string action, IReadOnlyDictionary<string, object?> arguments) =>
        new("step", action, arguments, 1, this, new RunContext("run", "p.yaml", Path.GetTempPath(), false, TimeProvider.System, _http));
}
