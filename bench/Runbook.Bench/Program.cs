using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Running;
using Runbook.Execution.Journal;

// `appends LOCATION COUNT`: journal appends a second at the durability the engine uses (bench/run calls it).
if (args is ["appends", var location, var countText])
{
    var count = int.Parse(countText, CultureInfo.InvariantCulture);
    await using var journal = await JournalFactory.OpenAsync(location, null, TimeProvider.System, CancellationToken.None);
    var synced = await AppendsPerSecondAsync(journal, count, """{"attempt":1,"mutates":true}""");
    var riding = await AppendsPerSecondAsync(journal, count, """{"attempt":1,"mutates":false}""");
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $$"""{"synced_per_s":{{synced:F0}},"riding_per_s":{{riding:F0}},"count":{{count}}}"""));
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Runbook.Bench.LanguageBenchmarks).Assembly).Run(args);

// A mutating step's start is synced before it returns; a read-only step's start rides on the next sync (docs/execution.md).
static async Task<double> AppendsPerSecondAsync(IJournal journal, int count, string data)
{
    var run = $"append-{Guid.NewGuid():N}";
    await journal.AppendAsync(run, JournalEventKind.RunStarted, null, """{"playbook":"p","provider":"compose","initiator":"bench"}""");
    var clock = Stopwatch.StartNew();
    for (var i = 0; i < count; i++)
    {
        await journal.AppendAsync(run, JournalEventKind.StepStarted, "s", data);
    }

    return count / clock.Elapsed.TotalSeconds;
}
