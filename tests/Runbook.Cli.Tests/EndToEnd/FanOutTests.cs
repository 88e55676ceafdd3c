using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Runbook.Cli.Tests.Support;

namespace Runbook.Cli.Tests.EndToEnd;

/// <summary>
/// <c>for_each</c> as a process, on both builds, written against the fan-out contract (docs/language.md,
/// docs/execution.md): the steps write their side effects to files, and the journal is read back with
/// <c>runbook show RUN --format json</c>, so each test sees what happened from outside the engine.
/// </summary>
public sealed partial class FanOutTests : IDisposable
{
    private const string Folder = "tests/Runbook.Cli.Tests/Data/fanout";
    private readonly string _folder = Directory.CreateTempSubdirectory("runbook-fanout-e2e-").FullName;

    private string Journal => Path.Combine(_folder, "journal.db");

    private string Ledger => Path.Combine(_folder, "ledger.txt");

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void A_for_each_whose_third_item_fails_rolls_back_the_first_two_newest_first_and_never_starts_the_fourth(CliTarget cli)
    {
        var run = cli.Run("exec", $"{Folder}/rollback.yaml", "--journal", Journal, "--input", $"ledger={Ledger}");

        Assert.True(run.ExitCode == 1, $"exit {run.ExitCode}\n{run.Out}{run.Error}");
        Assert.Equal(
            ["do before", "start alpha", "do alpha 0", "start bravo", "do bravo 1", "start charlie", "undo bravo 1", "undo alpha 0", "undo before"],
            File.ReadAllLines(Ledger));
        var events = Events(cli, RunIdIn(run.Out));
        Assert.Equal(["restart[bravo]", "restart[alpha]", "before"], StepsOf(events, "CompensationStarted"));
        Assert.Equal(["restart[alpha]", "restart[bravo]", "restart[charlie]"], StepsOf(events, "StepStarted").Where(s => s.StartsWith("restart[", StringComparison.Ordinal)));
        Assert.Contains("restart[charlie]", StepsOf(events, "StepFailed"));
        Assert.DoesNotContain(events, e => e.Step is "restart[delta]" or "restart[echo]" or "after");
        Assert.Equal("rolled_back", Show(cli, RunIdIn(run.Out)).GetProperty("status").GetString());
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void A_fan_out_killed_while_its_third_item_runs_resumes_without_rerunning_done_items_and_completes_outputs_items(CliTarget cli)
    {
        var hold = Path.Combine(_folder, "hold");
        var pidfile = Path.Combine(_folder, "item.pid");
        var report = Path.Combine(_folder, "report.json");
        File.WriteAllText(hold, string.Empty);
        string[] exec = ["exec", $"{Folder}/crash.yaml", "--journal", Journal, "--input", $"ledger={Ledger}", "--input", $"hold={hold}",
            "--input", $"pidfile={pidfile}", "--input", $"report={report}"];

        using (var engine = cli.Launch(exec))
        {
            WaitFor(() => engine.HasExited || LedgerLines().Contains("start i3"), "item i3 to start");
            Assert.False(engine.HasExited, $"the run ended (exit {(engine.HasExited ? engine.ExitCode : 0)}) before the test could kill it");

            // SIGKILL the engine while i3 waits, then the item's own shell before it did its work: a crash in
            // which i3 started and did not take effect. Done items (i1, i2) and items not started (i4+) are known.
            engine.Kill(entireProcessTree: false);
            engine.WaitForExit();
            KillProcess(int.Parse(File.ReadAllText(pidfile).Trim(), CultureInfo.InvariantCulture));
        }

        File.Delete(hold);
        Assert.Equal(["start i1", "do i1", "start i2", "do i2", "start i3"], LedgerLines());
        var runId = LatestRun(cli);

        // The engine must not decide alone about a mutating item that started and did not finish: it asks about exactly that one.
        var asked = cli.Run("resume", runId, "--journal", Journal);
        Assert.True(asked.ExitCode == 2, $"exit {asked.ExitCode}\n{asked.Out}{asked.Error}");
        Assert.Contains("--mark-done work[i3]", asked.Error.Replace("'", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain("work[i1]", asked.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("work[i2]", asked.Error, StringComparison.Ordinal);
        Assert.Equal(["start i1", "do i1", "start i2", "do i2", "start i3"], LedgerLines());

        var resumed = cli.Run("resume", runId, "--journal", Journal, "--rerun", "work[i3]");

        Assert.True(resumed.ExitCode == 0, $"exit {resumed.ExitCode}\n{resumed.Out}{resumed.Error}");
        Assert.Equal(
            ["start i1", "do i1", "start i2", "do i2", "start i3", "start i3", "do i3", "start i4", "do i4", "start i5", "do i5", "start i6", "do i6"],
            LedgerLines());
        using var items = JsonDocument.Parse(File.ReadAllText(report));
        var entries = items.RootElement.EnumerateArray().ToList();
        Assert.Equal(["i1", "i2", "i3", "i4", "i5", "i6"], entries.Select(e => Text(e.GetProperty("name"))));
        Assert.Equal(["0", "1", "2", "3", "4", "5"], entries.Select(e => Text(e.GetProperty("position"))));
        var events = Events(cli, runId);
        foreach (var done in new[] { "work[i1]", "work[i2]" })
        {
            Assert.Single(StepsOf(events, "StepStarted"), s => s == done);
        }
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void Max_parallel_3_runs_three_items_at_once_and_never_a_fourth(CliTarget cli)
    {
        var run = cli.Run("exec", $"{Folder}/parallel.yaml", "--journal", Journal, "--input", $"ledger={Ledger}");

        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}\n{run.Out}{run.Error}");
        var (peak, started, ended) = Concurrency(LedgerLines());
        Assert.Equal(9, started);
        Assert.Equal(9, ended);
        Assert.Equal(3, peak);
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void The_runs_max_parallel_bounds_a_fan_out_whose_own_bound_is_higher(CliTarget cli)
    {
        var run = cli.Run("exec", $"{Folder}/parallel.yaml", "--journal", Journal, "--input", $"ledger={Ledger}", "--max-parallel", "2");

        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}\n{run.Out}{run.Error}");
        var (peak, started, ended) = Concurrency(LedgerLines());
        Assert.Equal(9, started);
        Assert.Equal(9, ended);
        Assert.Equal(2, peak);
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void With_fail_fast_a_failed_item_lets_the_running_items_finish_starts_no_new_one_and_undoes_them_newest_completion_first(CliTarget cli)
    {
        var run = cli.Run("exec", $"{Folder}/parallel.yaml", "--journal", Journal, "--input", $"ledger={Ledger}", "--input", "fail_item=2");

        Assert.True(run.ExitCode == 1, $"exit {run.ExitCode}\n{run.Out}{run.Error}");
        var lines = LedgerLines();
        Assert.Equal(["start 1", "start 2", "start 3"], lines.Where(l => l.StartsWith("start ", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        var ends = lines.Where(l => l.StartsWith("end ", StringComparison.Ordinal)).Select(l => l[4..]).ToList();
        Assert.Equal(["1", "3"], ends.Order(StringComparer.Ordinal));
        // Newest completion first, as the journal recorded the completions: items 1 and 3 end within moments of each
        // other, so the order their scripts wrote "end" in may differ from the order the engine saw them finish.
        var events = Events(cli, RunIdIn(run.Out));
        var completed = StepsOf(events, "StepSucceeded").Where(id => id.StartsWith("spread[", StringComparison.Ordinal)).ToList();
        Assert.Equal(completed.AsEnumerable().Reverse(), StepsOf(events, "CompensationStarted"));
        Assert.Equal(completed.AsEnumerable().Reverse().Select(id => id["spread[".Length..^1]),
            lines.Where(l => l.StartsWith("undo ", StringComparison.Ordinal)).Select(l => l[5..]));
        Assert.True(lines.FindLastIndex(l => l.StartsWith("end ", StringComparison.Ordinal)) < lines.FindIndex(l => l.StartsWith("undo ", StringComparison.Ordinal)),
            "a compensation ran before every running item had finished:\n" + string.Join('\n', lines));
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void A_fan_out_over_an_empty_list_is_skipped_and_its_outputs_items_is_an_empty_list(CliTarget cli)
    {
        var report = Directory.CreateDirectory(Path.Combine(_folder, "report")).FullName;
        var run = cli.Run("exec", $"{Folder}/empty.yaml", "--journal", Journal, "--input", $"report={report}");

        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}\n{run.Out}{run.Error}");
        Assert.False(File.Exists(Path.Combine(report, "ran.txt")));
        Assert.Equal("skipped", File.ReadAllText(Path.Combine(report, "status.txt")));
        Assert.Equal("[]", File.ReadAllText(Path.Combine(report, "items.json")).Replace(" ", string.Empty, StringComparison.Ordinal));
        Assert.Contains("for_each: no items", run.Out, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void Fail_fast_false_runs_every_item_then_fails_the_step_and_undoes_the_items_that_completed(CliTarget cli)
    {
        var run = cli.Run("exec", $"{Folder}/keep-going.yaml", "--journal", Journal, "--input", $"ledger={Ledger}");

        Assert.True(run.ExitCode == 1, $"exit {run.ExitCode}\n{run.Out}{run.Error}");
        Assert.Equal(["do a", "do c", "do d", "do e", "undo e", "undo d", "undo c", "undo a"], LedgerLines());
        var events = Events(cli, RunIdIn(run.Out));
        Assert.Equal(["sweep[a]", "sweep[b]", "sweep[c]", "sweep[d]", "sweep[e]"], StepsOf(events, "StepStarted").Where(s => s.StartsWith("sweep[", StringComparison.Ordinal)));
        Assert.Equal(["sweep[b]"], StepsOf(events, "StepFailed").Where(s => s.StartsWith("sweep[", StringComparison.Ordinal)));
        Assert.DoesNotContain(events, e => e.Step == "after");
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void A_per_item_approval_of_one_item_runs_that_item_alone_and_one_approval_covers_a_whole_list_without_per_item(CliTarget cli)
    {
        var first = cli.Run("exec", $"{Folder}/approve.yaml", "--journal", Journal, "--input", $"ledger={Ledger}");
        Assert.True(first.ExitCode == 3, $"exit {first.ExitCode}\n{first.Out}{first.Error}");
        var runId = RunIdIn(first.Out);
        Assert.Contains("deploy[api]", first.Out, StringComparison.Ordinal);
        Assert.False(File.Exists(Ledger));

        // Neither the whole step's name nor another item opens the item the run waits for.
        var whole = cli.Run("approve", runId, "deploy", "--as", "bob", "--journal", Journal);
        var other = cli.Run("approve", runId, "deploy[worker]", "--as", "bob", "--journal", Journal);
        Assert.True(whole.ExitCode == 2, $"approve deploy: exit {whole.ExitCode}\n{whole.Out}{whole.Error}");
        Assert.True(other.ExitCode == 2, $"approve deploy[worker]: exit {other.ExitCode}\n{other.Out}{other.Error}");

        var api = cli.Run("approve", runId, "deploy[api]", "--as", "bob", "--journal", Journal);
        var afterApi = cli.Run("resume", runId, "--journal", Journal);

        Assert.True(api.ExitCode == 0, $"approve: exit {api.ExitCode}\n{api.Out}{api.Error}");
        Assert.True(afterApi.ExitCode == 3, $"resume: exit {afterApi.ExitCode}\n{afterApi.Out}{afterApi.Error}");
        Assert.Equal(["deploy api"], LedgerLines());
        Assert.Contains("deploy[worker]", afterApi.Out + afterApi.Error, StringComparison.Ordinal);

        Assert.Equal(0, cli.Run("approve", runId, "deploy[worker]", "--as", "bob", "--journal", Journal).ExitCode);
        var afterWorker = cli.Run("resume", runId, "--journal", Journal);
        Assert.True(afterWorker.ExitCode == 3, $"resume: exit {afterWorker.ExitCode}\n{afterWorker.Out}{afterWorker.Error}");
        Assert.Equal(["deploy api", "deploy worker"], LedgerLines());

        Assert.Equal(0, cli.Run("approve", runId, "announce", "--as", "bob", "--journal", Journal).ExitCode);
        var done = cli.Run("resume", runId, "--journal", Journal);
        Assert.True(done.ExitCode == 0, $"resume: exit {done.ExitCode}\n{done.Out}{done.Error}");
        Assert.Equal(["deploy api", "deploy worker", "announce api", "announce worker"], LedgerLines());
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void A_later_step_reads_outputs_items_in_input_order_with_null_for_a_skipped_item(CliTarget cli)
    {
        var report = Directory.CreateDirectory(Path.Combine(_folder, "report")).FullName;
        var run = cli.Run("exec", $"{Folder}/outputs.yaml", "--journal", Journal, "--input", $"report={report}");

        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}\n{run.Out}{run.Error}");
        using var items = JsonDocument.Parse(File.ReadAllText(Path.Combine(report, "items.json")));
        var entries = items.RootElement.EnumerateArray().ToList();
        Assert.Equal(3, entries.Count);
        Assert.Equal("alpha", Text(entries[0].GetProperty("word")));
        Assert.Equal("0", Text(entries[0].GetProperty("at")));
        Assert.Equal(JsonValueKind.Null, entries[1].ValueKind);
        Assert.Equal("charlie", Text(entries[2].GetProperty("word")));
        Assert.Equal("2", Text(entries[2].GetProperty("at")));
        Assert.Equal("charlie", File.ReadAllText(Path.Combine(report, "third-word.txt")));
        Assert.Equal("success", File.ReadAllText(Path.Combine(report, "status.txt")));
        Assert.Equal("us:3", File.ReadAllText(Path.Combine(report, "second-region.txt")));
        var events = Events(cli, RunIdIn(run.Out));
        Assert.Contains("measure[bravo]", StepsOf(events, "StepSkipped"));
        Assert.Equal(["regions[eu]", "regions[us]"], StepsOf(events, "StepSucceeded").Where(s => s.StartsWith("regions[", StringComparison.Ordinal)));
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void A_dry_run_previews_every_item_and_runs_none(CliTarget cli)
    {
        var run = cli.Run("exec", $"{Folder}/rollback.yaml", "--journal", Journal, "--input", $"ledger={Ledger}", "--dry-run");

        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}\n{run.Out}{run.Error}");
        Assert.False(File.Exists(Ledger), "a dry run ran an item: " + (File.Exists(Ledger) ? File.ReadAllText(Ledger) : string.Empty));
        foreach (var item in new[] { "alpha", "bravo", "charlie", "delta", "echo" })
        {
            Assert.Contains($"restart[{item}]", run.Out, StringComparison.Ordinal);
        }

        var events = Events(cli, RunIdIn(run.Out));
        Assert.Equal(["restart[alpha]", "restart[bravo]", "restart[charlie]", "restart[delta]", "restart[echo]"],
            StepsOf(events, "StepSkipped").Where(s => s.StartsWith("restart[", StringComparison.Ordinal)));
        Assert.DoesNotContain(events, e => e.Kind == "StepSucceeded" && e.Step.StartsWith("restart[", StringComparison.Ordinal));
    }

    /// <summary>Values built to run <c>touch pwned-N</c> in the step's folder, or to be read as an expression again.</summary>
    private static readonly string[] HostileItems =
    [
        "$(touch pwned-1)",
        "`touch pwned-2`",
        "; touch pwned-3; rm -rf ./keep",
        "a\ntouch pwned-4",
        "'; touch pwned-5; '",
        "\"; touch pwned-6; \"",
        "${{ inputs.values }}",
        "${{ secrets.GITHUB_TOKEN }}",
        "ünïcödé ☃ \u202e ok",
        "*",
        "-n",
        "a,b",
    ];

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void Hostile_item_values_never_execute_and_reach_the_step_and_its_compensation_verbatim(CliTarget cli)
    {
        var work = Directory.CreateDirectory(Path.Combine(_folder, "work")).FullName;
        File.Copy(Repo.PathOf(Folder, "hostile.yaml"), Path.Combine(work, "hostile.yaml"));
        Directory.CreateDirectory(Path.Combine(work, "keep"));
        var values = JsonSerializer.Serialize(HostileItems);

        var run = cli.Run("exec", Path.Combine(work, "hostile.yaml"), "--journal", Journal, "--input", $"values={values}");
        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}\n{run.Out}{run.Error}");
        var rollback = cli.Run("rollback", RunIdIn(run.Out), "--journal", Journal);
        Assert.True(rollback.ExitCode == 0, $"rollback: exit {rollback.ExitCode}\n{rollback.Out}{rollback.Error}");

        Assert.Empty(Directory.GetFiles(_folder, "pwned-*", SearchOption.AllDirectories));
        Assert.Empty(Directory.GetFiles(Repo.Root, "pwned-*", SearchOption.TopDirectoryOnly));
        Assert.True(Directory.Exists(Path.Combine(work, "keep")));
        for (var i = 0; i < HostileItems.Length; i++)
        {
            Assert.Equal(HostileItems[i], File.ReadAllText(Path.Combine(work, $"out-{i}.txt")));
            Assert.Equal(HostileItems[i], File.ReadAllText(Path.Combine(work, $"undo-{i}.txt")));
        }

        // Not every item is a plain name, so every sub-step is keyed by its index: no value becomes part of a step id.
        Assert.Equal(Enumerable.Range(0, HostileItems.Length).Select(i => $"echo[{i}]"),
            StepsOf(Events(cli, RunIdIn(run.Out)), "StepSucceeded").Where(s => s.StartsWith("echo[", StringComparison.Ordinal)));
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void Hostile_mapping_keys_never_execute_never_become_step_ids_and_reach_the_step_verbatim_in_order(CliTarget cli)
    {
        var work = Directory.CreateDirectory(Path.Combine(_folder, "work")).FullName;
        File.Copy(Repo.PathOf(Folder, "hostile-map.yaml"), Path.Combine(work, "hostile-map.yaml"));
        string[] keys = ["a]b", "x\ny", "", "$(touch pwned-1)", "ok", "restart[0]"];
        var entries = "{" + string.Join(", ", keys.Select((k, i) => $"{JsonSerializer.Serialize(k)}: {JsonSerializer.Serialize(HostileItems[i])}")) + "}";

        var run = cli.Run("exec", Path.Combine(work, "hostile-map.yaml"), "--journal", Journal, "--input", $"entries={entries}");

        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}\n{run.Out}{run.Error}");
        Assert.Empty(Directory.GetFiles(_folder, "pwned-*", SearchOption.AllDirectories));
        for (var i = 0; i < keys.Length; i++)
        {
            Assert.Equal(keys[i], File.ReadAllText(Path.Combine(work, $"key-{i}.txt")));
            Assert.Equal(HostileItems[i], File.ReadAllText(Path.Combine(work, $"value-{i}.txt")));
        }

        Assert.Equal(Enumerable.Range(0, keys.Length).Select(i => $"each[{i}]"),
            StepsOf(Events(cli, RunIdIn(run.Out)), "StepSucceeded").Where(s => s.StartsWith("each[", StringComparison.Ordinal)));
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void A_list_read_from_a_secret_reaches_each_item_but_never_the_journal_or_the_output_in_clear(CliTarget cli)
    {
        string[] tokens = ["tok-7f3a9c21e8", "tok-b4d20e6f15"];
        var sink = Directory.CreateDirectory(Path.Combine(_folder, "sink")).FullName;
        cli = cli.With("FANOUT_TOKENS", JsonSerializer.Serialize(tokens));

        var run = cli.Run("exec", $"{Folder}/secret.yaml", "--journal", Journal, "--input", $"sink={sink}");
        var json = cli.Run("exec", $"{Folder}/secret.yaml", "--journal", Journal, "--input", $"sink={sink}", "--format", "json");
        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}\n{run.Out}{run.Error}");
        Assert.True(json.ExitCode == 0, $"exit {json.ExitCode}\n{json.Out}{json.Error}");
        var runId = RunIdIn(run.Out);
        var show = cli.Run("show", runId, "--journal", Journal, "--format", "json");
        var markdown = cli.Run("show", runId, "--journal", Journal, "--format", "markdown");
        var history = cli.Run("history", "--journal", Journal);

        Assert.Equal(tokens[0], File.ReadAllText(Path.Combine(sink, "token-0.txt")));
        Assert.Equal(tokens[1], File.ReadAllText(Path.Combine(sink, "token-1.txt")));
        Assert.Contains("rotating ***", run.Out, StringComparison.Ordinal);
        var written = new StringBuilder(run.Out + run.Error + json.Out + json.Error + show.Out + markdown.Out + history.Out);
        foreach (var file in Directory.GetFiles(_folder, "journal.db*"))
        {
            written.Append(Encoding.UTF8.GetString(File.ReadAllBytes(file)));
        }

        foreach (var token in tokens)
        {
            foreach (var form in new[] { token, Convert.ToBase64String(Encoding.UTF8.GetBytes(token)), token.Replace("-", "\\u002d", StringComparison.Ordinal) })
            {
                Assert.DoesNotContain(form, written.ToString(), StringComparison.Ordinal);
            }
        }
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void A_fan_out_over_a_secret_list_resumed_after_a_crash_gives_the_remaining_items_their_real_values(CliTarget cli)
    {
        string[] tokens = ["tok-0c1d2e3f4a", "tok-5b6c7d8e9f", "tok-a1b2c3d4e5"];
        var sink = Directory.CreateDirectory(Path.Combine(_folder, "sink")).FullName;
        var hold = Path.Combine(_folder, "hold");
        File.WriteAllText(hold, string.Empty);
        cli = cli.With("FANOUT_TOKENS", JsonSerializer.Serialize(tokens));

        using (var engine = cli.Launch("exec", $"{Folder}/secret-crash.yaml", "--journal", Journal, "--input", $"sink={sink}", "--input", $"hold={hold}"))
        {
            var ledger = Path.Combine(sink, "ledger");
            WaitFor(() => engine.HasExited || (File.Exists(ledger) && File.ReadAllText(ledger).Contains("start 1", StringComparison.Ordinal)), "the second item to start");
            Assert.False(engine.HasExited, "the run ended before the test could kill it");
            engine.Kill(entireProcessTree: false);
            engine.WaitForExit();
            KillProcess(int.Parse(File.ReadAllText(Path.Combine(sink, "pid")).Trim(), CultureInfo.InvariantCulture));
        }

        File.Delete(hold);
        var runId = LatestRun(cli);
        var asked = cli.Run("resume", runId, "--journal", Journal);
        Assert.True(asked.ExitCode == 2, $"exit {asked.ExitCode}\n{asked.Out}{asked.Error}");
        var unsure = Regex.Match(asked.Error, @"--rerun '?(rotate\[[^\]\s']*\])").Groups[1].Value;
        Assert.True(unsure.Length > 0, $"resume did not name the item to re-run: {asked.Error}");
        var resumed = cli.Run("resume", runId, "--journal", Journal, "--rerun", unsure);

        Assert.True(resumed.ExitCode == 0, $"exit {resumed.ExitCode}\n{resumed.Out}{resumed.Error}");
        for (var i = 0; i < tokens.Length; i++)
        {
            Assert.Equal(tokens[i], File.ReadAllText(Path.Combine(sink, $"token-{i}.txt")));
        }

        var written = new StringBuilder(asked.Out + asked.Error + resumed.Out + resumed.Error + cli.Run("show", runId, "--journal", Journal, "--format", "json").Out);
        foreach (var file in Directory.GetFiles(_folder, "journal.db*"))
        {
            written.Append(Encoding.UTF8.GetString(File.ReadAllBytes(file)));
        }

        Assert.All(tokens, token => Assert.DoesNotContain(token, written.ToString(), StringComparison.Ordinal));
    }

    private List<string> LedgerLines() => File.Exists(Ledger) ? [.. File.ReadAllLines(Ledger)] : [];

    /// <summary>The most items running at once, read from the start/end lines the items append (O_APPEND keeps them in order).</summary>
    private static (int Peak, int Started, int Ended) Concurrency(IEnumerable<string> lines)
    {
        int running = 0, peak = 0, started = 0, ended = 0;
        foreach (var line in lines)
        {
            if (line.StartsWith("start ", StringComparison.Ordinal))
            {
                started++;
                peak = Math.Max(peak, ++running);
            }
            else if (line.StartsWith("end ", StringComparison.Ordinal))
            {
                ended++;
                running--;
            }
        }

        return (peak, started, ended);
    }

    private sealed record JournalEvent(string Kind, string Step);

    private static IEnumerable<string> StepsOf(IEnumerable<JournalEvent> events, string kind) =>
        events.Where(e => e.Kind == kind).Select(e => e.Step);

    private List<JournalEvent> Events(CliTarget cli, string runId) =>
        [.. Show(cli, runId).GetProperty("events").EnumerateArray().Select(e => new JournalEvent(
            e.GetProperty("kind").GetString()!,
            e.TryGetProperty("step", out var step) && step.ValueKind == JsonValueKind.String ? step.GetString()! : string.Empty))];

    private JsonElement Show(CliTarget cli, string runId)
    {
        var show = cli.Run("show", runId, "--journal", Journal, "--format", "json");
        Assert.True(show.ExitCode == 0, $"show failed: {show.Error}");
        using var document = JsonDocument.Parse(show.Out);
        return document.RootElement.Clone();
    }

    private string LatestRun(CliTarget cli)
    {
        var history = cli.Run("history", "--journal", Journal, "--limit", "1");
        Assert.True(history.ExitCode == 0, $"history failed: {history.Error}");
        var runId = RunIdPattern().Match(history.Out).Value;
        Assert.True(runId.Length > 0, $"no run in the journal: {history.Out}");
        return runId;
    }

    private static string RunIdIn(string output)
    {
        var runId = Regex.Match(output, @"run (\d{8}-\d{6}-[0-9a-f]{6})").Groups[1].Value;
        Assert.True(runId.Length > 0, $"no run id in: {output}");
        return runId;
    }

    /// <summary>A JSON scalar as text: an output may be typed (a number) or a string.</summary>
    private static string Text(JsonElement value) =>
        value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();

    private static void WaitFor(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            Thread.Sleep(20); // polling a file the run writes, bounded by the deadline above
        }
    }

    private static void KillProcess(int pid)
    {
        using var kill = Process.Start("kill", ["-KILL", pid.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Alive(pid))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the item's shell {pid} did not end");
            Thread.Sleep(10); // polling /proc, bounded by the deadline above
        }
    }

    private static bool Alive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return !stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (IOException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"^\d{8}-\d{6}-[0-9a-f]{6}", RegexOptions.Multiline)]
    private static partial Regex RunIdPattern();

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
