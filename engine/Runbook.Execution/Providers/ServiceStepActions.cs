using System.Collections.Immutable;
using System.Globalization;
using Runbook.Execution.Actions;
using Runbook.Language.Model;

namespace Runbook.Execution.Providers;

/// <summary>
/// The service.* actions, the same for every platform: each reads its arguments, captures before a
/// mutation what its rollback needs (previous replicas, image, revision) into its outputs, calls the
/// backend, and turns a platform's refusal into a clear failure.
/// </summary>
public static class ServiceStepActions
{
    public static IReadOnlyList<IStepAction> Over(IServiceBackend backend, ProviderSettings settings) =>
    [
        new Describe(backend, settings),
        new History(backend, settings),
        new Logs(backend, settings),
        new Scale(backend, settings),
        new Restart(backend, settings),
        new Deploy(backend, settings),
        new Rollback(backend, settings),
        new Wait(backend, settings),
    ];

    internal static Dictionary<string, object?> Outputs(ServiceState state) => new(StringComparer.Ordinal)
    {
        ["replicas"] = (long)state.Replicas,
        ["desired_replicas"] = (long)state.DesiredReplicas,
        ["image"] = state.Image,
        ["revision"] = state.Revision,
        ["previous_revision"] = state.PreviousRevision,
        ["healthy"] = state.Healthy,
        ["instances"] = state.Instances.Select(i => (object?)new Dictionary<string, object?>
        {
            ["name"] = i.Name,
            ["state"] = i.State,
            ["health"] = i.Health,
            ["image"] = i.Image,
        }).ToList(),
        ["updated_replicas"] = (long?)state.UpdatedReplicas,
        ["current_revision"] = state.CurrentRevision,
        ["update_revision"] = state.UpdateRevision,
        ["hpa"] = state.Autoscaler?.Name ?? "none",
        ["hpa_min_replicas"] = (long?)state.Autoscaler?.MinReplicas,
        ["hpa_max_replicas"] = (long?)state.Autoscaler?.MaxReplicas,
        ["hpa_current_replicas"] = (long?)state.Autoscaler?.CurrentReplicas,
        ["hpa_desired_replicas"] = (long?)state.Autoscaler?.DesiredReplicas,
    };

    /// <summary>One service action: resolves the service name, maps platform errors to failures.</summary>
    private abstract class ServiceAction(IServiceBackend backend, ProviderSettings settings, string name) : IStepAction, IDryRunPreview
    {
        public string Name { get; } = name;

        protected IServiceBackend Backend { get; } = backend;

        public async ValueTask<StepOutcome> ExecuteAsync(StepInvocation invocation, CancellationToken cancellationToken)
        {
            var service = settings.ServiceName(invocation.GetString("service") ?? string.Empty);
            try
            {
                return await RunAsync(service, invocation, cancellationToken).ConfigureAwait(false);
            }
            catch (ProviderException ex)
            {
                return StepOutcome.Failure(ex.Message, retryable: ex.Retryable);
            }
        }

        public async ValueTask<DryRunPreview> PreviewAsync(StepInvocation invocation, CancellationToken cancellationToken)
        {
            var service = settings.ServiceName(invocation.GetString("service") ?? string.Empty);
            try
            {
                var state = await Backend.DescribeAsync(service, cancellationToken).ConfigureAwait(false);
                return Preview(service, state, invocation);
            }
            catch (ProviderException ex)
            {
                return new DryRunPreview($"{Name} {service}: current state unknown ({ex.Message})");
            }
        }

        protected abstract Task<StepOutcome> RunAsync(string service, StepInvocation invocation, CancellationToken cancellationToken);

        protected virtual DryRunPreview Preview(string service, ServiceState state, StepInvocation invocation) =>
            new($"{Name} {service}");

        protected static int Int(StepInvocation invocation, string name, int fallback) =>
            int.TryParse(invocation.GetString(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : fallback;

        protected static TimeSpan Time(StepInvocation invocation, string name, TimeSpan fallback) =>
            Duration.TryParse(invocation.GetString(name) ?? string.Empty, out var d) ? d.Value : fallback;
    }

    private sealed class Describe(IServiceBackend backend, ProviderSettings settings) : ServiceAction(backend, settings, "service.describe")
    {
        protected override async Task<StepOutcome> RunAsync(string service, StepInvocation invocation, CancellationToken cancellationToken) =>
            StepOutcome.Success(Outputs(await Backend.DescribeAsync(service, cancellationToken).ConfigureAwait(false)));
    }

    private sealed class History(IServiceBackend backend, ProviderSettings settings) : ServiceAction(backend, settings, "service.history")
    {
        protected override async Task<StepOutcome> RunAsync(string service, StepInvocation invocation, CancellationToken cancellationToken)
        {
            var revisions = await Backend.HistoryAsync(service, Int(invocation, "limit", 10), cancellationToken).ConfigureAwait(false);

            // Newest first; the current one need not be the newest (an ECS rollback runs an older task definition).
            var current = Math.Max(0, revisions.ToList().FindIndex(r => r.Current));
            return StepOutcome.Success(new Dictionary<string, object?>
            {
                ["revisions"] = revisions.Select(r => (object?)r.Id).ToList(),
                ["current"] = revisions.Length > current ? revisions[current].Id : null,
                ["previous"] = revisions.Length > current + 1 ? revisions[current + 1].Id : null,
                ["deployments"] = revisions.Where(r => r.Deployment is not null)
                    .ToDictionary(r => r.Id, r => (object?)r.Deployment, StringComparer.Ordinal),
            });
        }
    }

    private sealed class Logs(IServiceBackend backend, ProviderSettings settings) : ServiceAction(backend, settings, "service.logs")
    {
        protected override async Task<StepOutcome> RunAsync(string service, StepInvocation invocation, CancellationToken cancellationToken)
        {
            TimeSpan? since = invocation.GetString("since") is { } s && Duration.TryParse(s, out var d) ? d.Value : null;
            var filter = invocation.GetString("filter") is { Length: > 0 } f ? f : null;
            var query = new LogQuery(Int(invocation, "tail", 100), since, invocation.GetString("previous") == "true", filter);
            var lines = await Backend.LogsAsync(service, query, cancellationToken).ConfigureAwait(false);
            if (filter is not null)
            {
                lines = [.. lines.Where(l => l.Contains(filter, StringComparison.OrdinalIgnoreCase))];
            }

            return StepOutcome.Success(new Dictionary<string, object?> { ["lines"] = lines.Cast<object?>().ToList(), ["text"] = string.Join('\n', lines) });
        }
    }

    private sealed class Scale(IServiceBackend backend, ProviderSettings settings) : ServiceAction(backend, settings, "service.scale")
    {
        protected override async Task<StepOutcome> RunAsync(string service, StepInvocation invocation, CancellationToken cancellationToken)
        {
            var replicas = Int(invocation, "replicas", -1);
            if (replicas < 0)
            {
                return StepOutcome.Failure($"replicas must be a whole number ≥ 0, got '{invocation.GetString("replicas")}'", retryable: false);
            }

            if (Request(invocation, replicas) is not { } request)
            {
                return StepOutcome.Failure(
                    $"hpa must be 'adjust' or 'refuse', and hpa_min_replicas and hpa_max_replicas whole numbers ≥ 1; got hpa '{invocation.GetString("hpa")}', "
                    + $"hpa_min_replicas '{invocation.GetString("hpa_min_replicas")}', hpa_max_replicas '{invocation.GetString("hpa_max_replicas")}'", retryable: false);
            }

            var before = await Backend.DescribeAsync(service, cancellationToken).ConfigureAwait(false);
            var result = await Backend.ScaleAsync(service, request, cancellationToken).ConfigureAwait(false);
            return StepOutcome.Success(new Dictionary<string, object?>
            {
                ["previous_replicas"] = (long)before.DesiredReplicas,
                ["replicas"] = (long)replicas,
                ["previous_hpa_min_replicas"] = (long?)result.Before?.MinReplicas,
                ["previous_hpa_max_replicas"] = (long?)result.Before?.MaxReplicas,
                ["hpa_min_replicas"] = (long?)result.After?.MinReplicas,
                ["hpa_max_replicas"] = (long?)result.After?.MaxReplicas,
            });
        }

        /// <summary>The scale the step asks for, or null when its autoscaler arguments are not what they must be.</summary>
        private static ScaleRequest? Request(StepInvocation invocation, int replicas)
        {
            var policy = invocation.GetString("hpa") switch
            {
                null or "" or "refuse" => AutoscalerPolicy.Refuse,
                "adjust" => AutoscalerPolicy.Adjust,
                _ => (AutoscalerPolicy?)null,
            };
            int? Bound(string name) => invocation.GetString(name) is { Length: > 0 } text
                ? int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= 1 ? value : -1
                : null;
            var (min, max) = (Bound("hpa_min_replicas"), Bound("hpa_max_replicas"));
            return policy is null || min == -1 || max == -1 ? null : new ScaleRequest(replicas, policy.Value, min, max);
        }

        protected override DryRunPreview Preview(string service, ServiceState state, StepInvocation invocation) =>
            new($"scale {service}", $"{state.DesiredReplicas} replicas{Bounds(state.Autoscaler)}", $"{invocation.GetString("replicas")} replicas{Wanted(state.Autoscaler, invocation)}");

        private static string Bounds(ServiceAutoscaler? hpa) => hpa is null ? string.Empty : $" (HPA {hpa.Name}: {hpa.MinReplicas}-{hpa.MaxReplicas})";

        private static string Wanted(ServiceAutoscaler? hpa, StepInvocation invocation) =>
            hpa is null ? string.Empty
            : invocation.GetString("hpa_min_replicas") is not null || invocation.GetString("hpa_max_replicas") is not null
                ? $" (HPA {hpa.Name}: {invocation.GetString("hpa_min_replicas") ?? hpa.MinReplicas.ToString(CultureInfo.InvariantCulture)}-{invocation.GetString("hpa_max_replicas") ?? hpa.MaxReplicas.ToString(CultureInfo.InvariantCulture)})"
            : invocation.GetString("hpa") == "adjust" ? $" (HPA {hpa.Name} bounds moved to include them)"
            : $" (refused: HPA {hpa.Name} manages the replicas)";
    }

    private sealed class Restart(IServiceBackend backend, ProviderSettings settings) : ServiceAction(backend, settings, "service.restart")
    {
        protected override async Task<StepOutcome> RunAsync(string service, StepInvocation invocation, CancellationToken cancellationToken)
        {
            var before = await Backend.DescribeAsync(service, cancellationToken).ConfigureAwait(false);
            await Backend.RestartAsync(service, cancellationToken).ConfigureAwait(false);
            var after = await Backend.DescribeAsync(service, cancellationToken).ConfigureAwait(false);
            return StepOutcome.Success(new Dictionary<string, object?> { ["previous_revision"] = before.Revision, ["revision"] = after.Revision });
        }

        protected override DryRunPreview Preview(string service, ServiceState state, StepInvocation invocation) =>
            new($"restart {service}", $"{state.Replicas} running ({state.Revision})", "every instance restarted");
    }

    private sealed class Deploy(IServiceBackend backend, ProviderSettings settings) : ServiceAction(backend, settings, "service.deploy")
    {
        protected override async Task<StepOutcome> RunAsync(string service, StepInvocation invocation, CancellationToken cancellationToken)
        {
            var image = invocation.GetString("image") ?? string.Empty;
            var before = await Backend.DescribeAsync(service, cancellationToken).ConfigureAwait(false);
            await Backend.DeployAsync(service, image, cancellationToken).ConfigureAwait(false);
            var after = await Backend.DescribeAsync(service, cancellationToken).ConfigureAwait(false);
            return StepOutcome.Success(new Dictionary<string, object?>
            {
                ["previous_image"] = before.Image,
                ["image"] = image,
                ["previous_revision"] = before.Revision,
                ["revision"] = after.Revision,
            });
        }

        protected override DryRunPreview Preview(string service, ServiceState state, StepInvocation invocation) =>
            new($"deploy {service}", state.Image, invocation.GetString("image"));
    }

    private sealed class Rollback(IServiceBackend backend, ProviderSettings settings) : ServiceAction(backend, settings, "service.rollback")
    {
        protected override async Task<StepOutcome> RunAsync(string service, StepInvocation invocation, CancellationToken cancellationToken)
        {
            var before = await Backend.DescribeAsync(service, cancellationToken).ConfigureAwait(false);
            var to = invocation.GetString("to") is { Length: > 0 } named ? named : null;
            await Backend.RollbackAsync(service, to, cancellationToken).ConfigureAwait(false);
            var after = await Backend.DescribeAsync(service, cancellationToken).ConfigureAwait(false);
            return StepOutcome.Success(new Dictionary<string, object?> { ["previous_revision"] = before.Revision, ["revision"] = after.Revision });
        }

        protected override DryRunPreview Preview(string service, ServiceState state, StepInvocation invocation) =>
            new($"roll back {service}", state.Revision, invocation.GetString("to") ?? state.PreviousRevision ?? "the previous revision");
    }

    private sealed class Wait(IServiceBackend backend, ProviderSettings settings) : ServiceAction(backend, settings, "service.wait")
    {
        protected override async Task<StepOutcome> RunAsync(string service, StepInvocation invocation, CancellationToken cancellationToken)
        {
            var timeout = Time(invocation, "timeout", TimeSpan.FromMinutes(5));
            var condition = invocation.GetString("condition") ?? "rolled_out";
            var time = invocation.Context.Time;
            var deadline = time.GetUtcNow() + timeout;
            ServiceState state;
            while (true)
            {
                state = await Backend.DescribeAsync(service, cancellationToken).ConfigureAwait(false);
                var met = condition switch
                {
                    "running" => state.Replicas == state.DesiredReplicas,
                    "healthy" => state.Healthy && state.Replicas > 0,
                    _ => state.IsReady,
                };
                if (met)
                {
                    return StepOutcome.Success(new Dictionary<string, object?> { ["ready_replicas"] = (long)state.Replicas });
                }

                if (state.Problem is { } problem)
                {
                    return StepOutcome.Failure($"{service} cannot be {condition.Replace('_', ' ')}: {problem}",
                        new Dictionary<string, object?> { ["ready_replicas"] = (long)state.Replicas }, retryable: false);
                }

                var left = deadline - time.GetUtcNow();
                if (left <= TimeSpan.Zero)
                {
                    break;
                }

                invocation.Log.Line(LogStream.Info, state.Progress is { } progress
                    ? $"{service}: {progress}"
                    : $"{service}: {state.Replicas}/{state.DesiredReplicas} up, {(state.Healthy ? "healthy" : "not healthy yet")}");
                await Backend.WaitForChangeAsync(service, left, time, cancellationToken).ConfigureAwait(false);
            }

            return StepOutcome.Failure(
                $"{service} was not {condition.Replace('_', ' ')} within {invocation.GetString("timeout") ?? "5m"}: {state.Replicas}/{state.DesiredReplicas} up, {(state.Healthy ? "healthy" : "unhealthy")}",
                new Dictionary<string, object?> { ["ready_replicas"] = (long)state.Replicas });
        }
    }
}
