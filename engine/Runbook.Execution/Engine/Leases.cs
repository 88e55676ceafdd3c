using System.Collections.Immutable;
using Runbook.Language.Model;

namespace Runbook.Execution.Engine;

/// <summary>
/// The locks of a run: the targets it may mutate (<c>provider/service</c>), taken all or none before the first step,
/// renewed while the run lives, released when it ends. Two runs may not hold the same target at once.
/// </summary>
internal sealed class Leases(ActiveRun run)
{
    /// <summary>
    /// Every mutating service action whose service is known from the inputs; for a fan-out whose list is known from
    /// the inputs too, the service of each item.
    /// </summary>
    public ImmutableArray<string> Targets()
    {
        var expressions = run.Expressions();
        return [.. run.Graph.ExecutionOrder
            .Where(s => s.Mutates && s.Action is UsesAction { Name: var name } uses && name.StartsWith("service.", StringComparison.Ordinal)
                && uses.Find("service") is not null)
            .SelectMany(s => ServicesOf(s, expressions))
            .Select(service => $"{run.Request.Provider}/{service}")
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)];
    }

    private IEnumerable<string> ServicesOf(Step step, RunExpressions expressions)
    {
        var service = ((UsesAction)step.Action).Find("service")!.Value;
        if (step.ForEach is not { } fanOut)
        {
            return expressions.TryStaticText(service) is { } text ? [text] : [];
        }

        if (fanOut.Items.Templates().SelectMany(t => t.Expressions).Any(e => e.Text.Contains("steps.", StringComparison.Ordinal)))
        {
            return []; // known only once earlier steps ran
        }

        try
        {
            var items = FanOutList.Evaluate(fanOut, expressions, run.Services.Masker);
            if (items.Secret)
            {
                return []; // a lease names its target in clear
            }

            return Enumerable.Range(0, items.Count)
                .Select(i => expressions.WithLocals(items.Locals(fanOut, i)).TryStaticText(service))
                .OfType<string>();
        }
        catch (RunExpressionException)
        {
            return []; // the step itself reports it
        }
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
