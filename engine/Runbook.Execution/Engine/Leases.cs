using System.Collections.Immutable;
using Runbook.Language.Model;

namespace Runbook.Execution.Engine;

/// <summary>
/// The locks of a run: the targets it may mutate (<c>provider/service</c>), taken all or none before the first step,
/// renewed while the run lives, released when it ends. Two runs may not hold the same target at once.
/// </summary>
internal sealed class Leases(ActiveRun run)
{
    /// <summary>Every mutating service action whose service is known from the inputs.</summary>
    public ImmutableArray<string> Targets()
    {
        var expressions = run.Expressions();
        return [.. run.Graph.ExecutionOrder
            .Where(s => s.Mutates)
            .Select(s => s.Action)
            .OfType<UsesAction>()
            .Where(u => u.Name.StartsWith("service.", StringComparison.Ordinal) && u.Find("service") is not null)
            .Select(u => expressions.TryStaticText(u.Find("service")!.Value))
            .OfType<string>()
            .Select(service => $"{run.Request.Provider}/{service}")
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)];
    }

    /// <summary>Takes every lease, or none; returns why not when another run holds one.</summary>
    public async Task<string?> AcquireAsync(ImmutableArray<string> targets, CancellationToken cancellationToken)
    {
        var journal = run.Services.Journal;
        var taken = new List<string>();
        foreach (var target in targets)
        {
            var result = await journal.TryAcquireLeaseAsync(target, run.RunId, run.Services.LeaseTtl, cancellationToken).ConfigureAwait(false);
            if (!result.Acquired)
            {
                foreach (var t in taken)
                {
                    await journal.ReleaseLeaseAsync(t, run.RunId, CancellationToken.None).ConfigureAwait(false);
                }

                var holder = result.Holder;
                return $"target {target} is locked by run {holder?.RunId} until {holder?.ExpiresAt:u} (renewed while that run lives); "
                    + $"wait for it, or check 'runbook history' and 'runbook show {holder?.RunId}'";
            }

            taken.Add(target);
        }

        return null;
    }

    public ITimer? StartRenewal(ImmutableArray<string> targets)
    {
        if (run.Request.DryRun || targets.IsEmpty)
        {
            return null;
        }

        var period = run.Services.LeaseTtl / 3;
        return run.Services.Time.CreateTimer(
            _ =>
            {
                foreach (var target in targets)
                {
                    // Best effort: a renewal that fails leaves the lease to expire, which is the safe direction.
                    _ = run.Services.Journal.RenewLeaseAsync(target, run.RunId, run.Services.LeaseTtl);
                }
            },
            null,
            period,
            period);
    }

    public async Task ReleaseAsync(ImmutableArray<string> targets)
    {
        foreach (var target in targets)
        {
            await run.Services.Journal.ReleaseLeaseAsync(target, run.RunId, CancellationToken.None).ConfigureAwait(false);
        }
    }
}
