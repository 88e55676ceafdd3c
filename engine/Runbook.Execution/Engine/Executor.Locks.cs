using System.Collections.Immutable;
using Runbook.Language.Model;

namespace Runbook.Execution.Engine;

public sealed partial class Executor
{
    /// <summary>
    /// The targets this run may mutate: <c>provider/service</c> for every mutating service action whose
    /// service is known from the inputs. Two runs may not hold the same target at once.
    /// </summary>
    private ImmutableArray<string> Targets()
    {
        var expressions = Expressions();
        return [.. _graph.ExecutionOrder
            .Where(s => s.Mutates)
            .Select(s => s.Action)
            .OfType<UsesAction>()
            .Where(u => u.Name.StartsWith("service.", StringComparison.Ordinal) && u.Find("service") is not null)
            .Select(u => expressions.TryStaticText(u.Find("service")!.Value))
            .OfType<string>()
            .Select(service => $"{_request.Provider}/{service}")
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)];
    }

    /// <summary>Takes every lease, or none; returns why not when another run holds one.</summary>
    private async Task<string?> AcquireLeasesAsync(ImmutableArray<string> targets, CancellationToken cancellationToken)
    {
        var taken = new List<string>();
        foreach (var target in targets)
        {
            var result = await _services.Journal.TryAcquireLeaseAsync(target, _runId, _services.LeaseTtl, cancellationToken).ConfigureAwait(false);
            if (!result.Acquired)
            {
                foreach (var t in taken)
                {
                    await _services.Journal.ReleaseLeaseAsync(t, _runId, CancellationToken.None).ConfigureAwait(false);
                }

                var holder = result.Holder;
                return $"target {target} is locked by run {holder?.RunId} until {holder?.ExpiresAt:u} (renewed while that run lives); "
                    + $"wait for it, or check 'runbook history' and 'runbook show {holder?.RunId}'";
            }

            taken.Add(target);
        }

        return null;
    }

    private ITimer? StartLeaseRenewal(ImmutableArray<string> targets)
    {
        if (_request.DryRun || targets.IsEmpty)
        {
            return null;
        }

        var period = _services.LeaseTtl / 3;
        return _services.Time.CreateTimer(
            _ =>
            {
                foreach (var target in targets)
                {
                    // Best effort: a renewal that fails leaves the lease to expire, which is the safe direction.
                    _ = _services.Journal.RenewLeaseAsync(target, _runId, _services.LeaseTtl);
                }
            },
            null,
            period,
            period);
    }

    private async Task ReleaseLeasesAsync(ImmutableArray<string> targets)
    {
        foreach (var target in targets)
        {
            await _services.Journal.ReleaseLeaseAsync(target, _runId, CancellationToken.None).ConfigureAwait(false);
        }
    }
}
