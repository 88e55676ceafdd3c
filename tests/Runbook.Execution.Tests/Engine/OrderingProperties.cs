using System.Collections.Concurrent;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Runbook.Execution.Actions;
using Runbook.Execution.Journal;
using Runbook.Execution.Tests.Support;

namespace Runbook.Execution.Tests.Engine;

public sealed class OrderingProperties
{
    /// <summary>A random playbook shape: per phase, parallel or not, and its steps' needs (indexes of earlier steps).</summary>
    public sealed record Shape(bool[] Parallel, int[][][] Needs);

    private static readonly Gen<Shape> Shapes =
        from phases in Gen.Choose(1, 5)
        from parallel in Gen.ArrayOf(Gen.Elements(true, false), phases)
        from needs in Gen.ArrayOf(
            from count in Gen.Choose(1, 5)
            from lists in Gen.ArrayOf(Gen.Choose(0, 2).SelectMany(n => Gen.ArrayOf(Gen.Choose(0, 4), n)), count)
            select lists,
            phases)
        select new Shape(parallel, needs);

    [FsCheck.Xunit.Property(MaxTest = 25)]
    public Property Random_step_graphs_run_in_an_order_that_respects_every_edge_and_phase_barrier() =>
        Prop.ForAll(Shapes.ToArbitrary(), shape =>
        {
            var (yaml, edges, phaseOf) = Build(shape);
            var started = new ConcurrentDictionary<string, long>();
            var finished = new ConcurrentDictionary<string, long>();
            long clock = 0;
            var action = new FakeAction("http.check", i =>
            {
                started[i.StepId] = Interlocked.Increment(ref clock);
                Thread.Sleep(Random.Shared.Next(0, 4)); // jitter to vary the interleavings, not synchronisation: the order is checked from the clocks
                finished[i.StepId] = Interlocked.Increment(ref clock);
                return StepOutcome.Success();
            });
            using var harness = new ExecutorHarnessScope(action);
            var result = harness.Harness.RunAsync(yaml, maxParallel: 3).GetAwaiter().GetResult();

            var ok = result.Status == RunStatus.Succeeded
                && edges.All(e => finished[e.From] < started[e.To])
                && phaseOf.Keys.All(a => phaseOf.Keys.All(b => phaseOf[a] >= phaseOf[b] || finished[a] < started[b]));
            return ok.Label($"status {result.Status}; playbook:\n{yaml}");
        });

    private static (string Yaml, List<(string From, string To)> Edges, Dictionary<string, int> PhaseOf) Build(Shape shape)
    {
        string[] names = ["assess", "gather", "communicate", "mitigate", "resolve"];
        var yaml = new StringBuilder("apiVersion: runbook/v1\nkind: Playbook\nname: random\nphases:\n");
        var edges = new List<(string, string)>();
        var phaseOf = new Dictionary<string, int>();
        for (var p = 0; p < shape.Parallel.Length; p++)
        {
            yaml.Append($"  {names[p]}:\n    parallel: {(shape.Parallel[p] ? "true" : "false")}\n    steps:\n");
            for (var s = 0; s < shape.Needs[p].Length; s++)
            {
                var id = $"p{p}s{s}";
                phaseOf[id] = p;
                var needs = shape.Parallel[p] ? shape.Needs[p][s].Where(n => n < s).Distinct().Select(n => $"p{p}s{n}").ToList() : [];
                yaml.Append($"      - id: {id}\n        uses: http.check\n        with: {{ url: x }}\n");
                if (needs.Count > 0)
                {
                    yaml.Append($"        needs: [{string.Join(", ", needs)}]\n");
                }

                edges.AddRange(needs.Select(n => (n, id)));
                if (!shape.Parallel[p] && s > 0)
                {
                    edges.Add(($"p{p}s{s - 1}", id));
                }
            }
        }

        return (yaml.ToString(), edges, phaseOf);
    }

    /// <summary>Synchronous disposal for use inside a property.</summary>
    private sealed class ExecutorHarnessScope(params IStepAction[] actions) : IDisposable
    {
        public ExecutorHarness Harness { get; } = new(actions);

        public void Dispose() => Harness.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
