using System.Text.Json;
using NJsonSchema;
using Runbook.Cli.Tests.Support;

namespace Runbook.Cli.Tests.EndToEnd;

/// <summary>`runbook history`: settles runs whose engine died, and prints JSON for scripts.</summary>
public sealed partial class HistoryTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("runbook-history-").FullName;

    private string Journal => Path.Combine(_folder, "journal.db");

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void A_run_killed_with_sigkill_shows_interrupted_and_its_lock_is_released_at_the_next_history(CliTarget cli)
    {
        var marker = Path.Combine(_folder, "under-way");
        using var engine = cli.Launch("exec", "tests/Runbook.Cli.Tests/Data/hold-lock.yaml", "--provider", "compose", "--journal", Journal,
            "--input", $"marker={marker}");
        try
        {
            WaitFor(() => File.Exists(marker), engine, "the run's first step to start");

            var whileAlive = History(cli);
            var runId = whileAlive.GetProperty("runs")[0].GetProperty("run_id").GetString()!;
            var resumeWhileAlive = cli.Run("resume", runId, "--journal", Journal);
            var rollbackWhileAlive = cli.Run("rollback", runId, "--journal", Journal);

            Assert.Equal("running", whileAlive.GetProperty("runs")[0].GetProperty("status").GetString());
            Assert.Equal("compose/api", whileAlive.GetProperty("locks")[0].GetProperty("target").GetString());
            Assert.Equal(2, resumeWhileAlive.ExitCode);
            Assert.Contains($"run {runId} is still running (pid {engine.Id} on", resumeWhileAlive.Error, StringComparison.Ordinal);
            Assert.Equal(2, rollbackWhileAlive.ExitCode);
            Assert.Contains("is still running", rollbackWhileAlive.Error, StringComparison.Ordinal);
        }
        finally
        {
            engine.Kill(entireProcessTree: true); // SIGKILL: no handler in the engine runs
            engine.WaitForExit();
        }

        var afterKill = History(cli);
        var show = cli.Run("show", afterKill.GetProperty("runs")[0].GetProperty("run_id").GetString()!, "--journal", Journal);

        Assert.Equal("interrupted", afterKill.GetProperty("runs")[0].GetProperty("status").GetString());
        Assert.Equal(0, afterKill.GetProperty("locks").GetArrayLength());
        Assert.Contains("ended without finishing the run", show.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task History_json_follows_history_schema_and_lists_what_the_table_lists()
    {
        var cli = ((CliTarget)CliTargets.All().First()[0]).With("GATED_TOKEN", "tok-history-json");
        var schema = await JsonSchema.FromFileAsync(Repo.PathOf("schemas", "history.schema.json"));
        var ledger = Path.Combine(_folder, "ledger.txt");
        var paused = cli.Run("exec", "tests/Runbook.Cli.Tests/Data/gated.yaml", "--provider", "compose", "--journal", Journal,
            "--config", "tests/Runbook.Cli.Tests/Data/runbook.yaml", "--input", $"ledger={ledger}");
        var dry = cli.Run("exec", "tests/Runbook.Cli.Tests/Data/gated.yaml", "--provider", "compose", "--journal", Journal, "--input", $"ledger={ledger}", "--dry-run");

        var json = cli.Run("history", "--journal", Journal, "--format", "json");
        var table = cli.Run("history", "--journal", Journal);
        var filtered = cli.Run("history", "--journal", Journal, "--format", "json", "--status", "succeeded");

        Assert.Equal(3, paused.ExitCode);
        Assert.Equal(0, dry.ExitCode);
        Assert.Equal(0, json.ExitCode);
        Assert.Empty(schema.Validate(json.Out));
        var runs = JsonDocument.Parse(json.Out).RootElement.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(["succeeded", "awaiting_approval"], runs.Select(r => r.GetProperty("status").GetString()));
        Assert.True(runs[0].GetProperty("dry_run").GetBoolean());
        Assert.Equal(JsonValueKind.Null, runs[1].GetProperty("finished_at").ValueKind);
        Assert.All(runs, r => Assert.Contains(r.GetProperty("run_id").GetString()!, table.Out, StringComparison.Ordinal));
        Assert.Single(JsonDocument.Parse(filtered.Out).RootElement.GetProperty("runs").EnumerateArray());
    }

    private JsonElement History(CliTarget cli)
    {
        var result = cli.Run("history", "--journal", Journal, "--format", "json");
        Assert.True(result.ExitCode == 0, result.Error);
        return JsonDocument.Parse(result.Out).RootElement.Clone();
    }

    /// <summary>Waits for a condition the run makes true, failing at a deadline or when the run ends first.</summary>
    private static void WaitFor(Func<bool> condition, System.Diagnostics.Process process, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!condition())
        {
            Assert.False(process.HasExited, $"the run ended before {what}");
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            Thread.Sleep(20); // polling a file the run writes, bounded by the deadline
        }
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
