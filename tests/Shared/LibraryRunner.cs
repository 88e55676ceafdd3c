using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Runbook.Tests.Library;

/// <summary>The standard fixture world on one provider's test backend (tests/library/README.md), seeded afresh for each case.</summary>
public interface ILibraryWorld
{
    string Provider { get; }

    /// <summary>
    /// Seeds the world where no other case sees it: <c>backend</c> at its second revision (the first kept as the
    /// previous one), 2 replicas running, with log lines; <c>worker</c> running. <paramref name="folder"/> is the case's
    /// own folder (runbook.yaml and the journal go there).
    /// </summary>
    Task<WorldInstance> SeedAsync(string folder);
}

/// <summary>
/// A seeded world: the settings of runbook.yaml's environment, the variables the child process gets, a description
/// for failure messages, and what removes the world after the case (null when the backend needs no cleaning).
/// </summary>
public sealed record WorldInstance(
    IReadOnlyList<KeyValuePair<string, string>> Settings,
    IReadOnlyList<(string Name, string? Value)> Variables,
    Func<Task<string>> Describe,
    Func<Task>? Cleanup = null);

/// <summary>
/// Runs one library case with <c>runbook exec</c> on the JIT build or dist/runbook: writes runbook.yaml (the world's
/// environment <c>library</c>, and every approver group the playbook names as bob, carol and dave), starts the run
/// as alice, answers each approval it stops at as the case says (<c>runbook approve … --as bob</c> then carol, or
/// <c>runbook deny</c>) and resumes, then reads <c>runbook show --format json</c> and holds the run to the case's
/// expect:. A mismatch fails with every difference, the output of every command, <c>runbook show</c> of the run,
/// and the state of the world and the peers.
/// </summary>
public static partial class LibraryRunner
{
    private static readonly string[] Approvers = ["bob", "carol", "dave"];

    /// <summary>The case files for <paramref name="provider"/> × both builds, in order. A file whose name names no known provider is given to every provider, so it fails everywhere, naming itself.</summary>
    public static IReadOnlyList<(string File, string Target)> Rows(string provider)
    {
        var rows = new List<(string File, string Target)>();
        foreach (var file in LibraryCase.Files(RunbookBinary.RepoRoot()))
        {
            var named = LibraryCase.ProviderInName(file);
            if (named == provider || named is null || !LibraryCase.Providers.Contains(named))
            {
                rows.Add((Path.GetFileName(file), "jit"));
                rows.Add((Path.GetFileName(file), "native"));
            }
        }

        return rows;
    }

    /// <summary><see cref="Rows"/> for a theory's MemberData.</summary>
    public static TheoryData<string, string> Cases(string provider)
    {
        var data = new TheoryData<string, string>();
        foreach (var (file, target) in Rows(provider))
        {
            data.Add(file, target);
        }

        return data;
    }

    /// <summary>Loads tests/library/<paramref name="fileName"/> and runs it on <paramref name="world"/>; a file it cannot use fails the test naming it.</summary>
    public static async Task<CaseOutcome> RunFileAsync(string fileName, string target, ILibraryWorld world, LibraryPeers peers)
    {
        var root = RunbookBinary.RepoRoot();
        LibraryCase @case;
        try
        {
            @case = LibraryCase.Load(Path.Combine(root, "tests", "library", fileName), root);
        }
        catch (LibraryCaseException ex)
        {
            Assert.Fail(ex.Message);
            throw;
        }

        Assert.True(@case.Provider == world.Provider, $"{@case.File}: provider {@case.Provider} is run by the {@case.Provider} tests, not by {world.Provider}'s");
        return await RunCaseAsync(@case, target, world, peers, root);
    }

    /// <summary>Runs a parsed case and returns what differed from its expect: (empty when it passed) with the evidence.</summary>
    public static async Task<CaseOutcome> RunCaseAsync(LibraryCase @case, string target, ILibraryWorld world, LibraryPeers peers, string root)
    {
        var folder = Directory.CreateTempSubdirectory("runbook-library-").FullName;
        WorldInstance? instance = null;
        try
        {
            using var part = await peers.PrepareAsync(@case.Peers);
            var values = new Dictionary<string, string>(part.Values, StringComparer.Ordinal) { ["case.dir"] = folder };
            instance = await world.SeedAsync(folder);
            File.WriteAllText(Path.Combine(folder, "runbook.yaml"), Config(world.Provider, instance, ApproverNames(Path.Combine(root, @case.Playbook))));
            part.Break(@case.Break);

            List<(string Name, string? Value)> variables =
            [
                ("RUNBOOK_HOME", Path.Combine(folder, "home")), ("KUBECONFIG", null), ("RUNBOOK_JOURNAL", null),
                .. instance.Variables,
                .. @case.Environment.Select(e => (e.Key, (string?)Placeholders.Expand(e.Value, values))),
            ];
            var transcript = new StringBuilder();
            (int ExitCode, string Out) Run(params string[] args)
            {
                var result = RunbookBinary.Run(target, folder, variables, [], args);
                if (args[0] == "show")
                {
                    return result; // shown once, in full, below the transcript
                }

                transcript.Append(CultureInfo($"$ runbook {string.Join(' ', args.Select(a => a.Contains(' ', StringComparison.Ordinal) ? $"'{a}'" : a))}   → exit {result.ExitCode}\n{result.Out.TrimEnd()}\n\n"));
                return result;
            }

            string[] exec = ["exec", Path.Combine(root, @case.Playbook), "--env", "library", "--journal", "j.db",
                .. @case.Inputs.SelectMany(i => new[] { "--input", $"{i.Key}={Placeholders.Expand(i.Value, values)}" })];
            var last = Run(exec);
            var runId = RunId().Match(last.Out) is { Success: true } m ? m.Groups[1].Value : null;
            var differences = new List<string>();
            var approvedBy = new Dictionary<string, int>(StringComparer.Ordinal);
            string? showJson = null;
            for (var round = 0; runId is not null && last.ExitCode == 3 && round < 12; round++)
            {
                showJson = Run("show", runId, "--journal", "j.db", "--format", "json").Out;
                var awaiting = Awaiting(showJson);
                if (awaiting is null)
                {
                    break;
                }

                if (@case.Approve.Contains(awaiting))
                {
                    var count = approvedBy.GetValueOrDefault(awaiting);
                    approvedBy[awaiting] = count + 1;
                    if (count >= Approvers.Length)
                    {
                        differences.Add($"step '{awaiting}' still waits after {Approvers.Length} approvals");
                        break;
                    }

                    Run("approve", runId, awaiting, "--as", Approvers[count], "--comment", "library case", "--journal", "j.db");
                    last = Run("resume", runId, "--journal", "j.db");
                }
                else if (@case.Deny.Contains(awaiting))
                {
                    Run("deny", runId, awaiting, "--as", "bob", "--comment", "library case", "--journal", "j.db");
                    last = Run("resume", runId, "--journal", "j.db");
                }
                else
                {
                    differences.Add($"the run waits for an approval of '{awaiting}', which the case neither approves nor denies (add it to approve: or deny:)");
                    break;
                }
            }

            var showText = runId is null ? "(no run was started: exec printed no run id)" : Run("show", runId, "--journal", "j.db").Out;
            showJson = runId is null ? null : Run("show", runId, "--journal", "j.db", "--format", "json").Out;
            Compare(@case, last.ExitCode, transcript.ToString(), showJson, differences);
            var worldState = differences.Count > 0 ? await Safe(instance.Describe) : string.Empty;
            var peerState = differences.Count > 0 ? await Safe(part.DescribeAsync) : string.Empty;
            return new CaseOutcome(@case, target, differences, transcript.ToString(), showText, worldState, peerState);
        }
        finally
        {
            if (instance?.Cleanup is { } cleanup)
            {
                await cleanup();
            }

            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // a compose state file still held open; the temp folder is cleaned by the system
            }
        }
    }

    private static string CultureInfo(FormattableString text) => FormattableString.Invariant(text);

    private static async Task<string> Safe(Func<Task<string>> describe)
    {
        try
        {
            return await describe();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return $"(could not describe: {ex.Message})";
        }
    }

    private static void Compare(LibraryCase @case, int exit, string transcript, string? showJson, List<string> differences)
    {
        var expect = @case.Expect;
        if (exit != expect.Exit)
        {
            differences.Add($"exit: expected {expect.Exit}, got {exit}");
        }

        foreach (var text in expect.OutputContains.Where(t => !transcript.Contains(t, StringComparison.Ordinal)))
        {
            differences.Add($"output_contains: the output has no '{text}'");
        }

        foreach (var text in expect.OutputLacks.Where(t => transcript.Contains(t, StringComparison.Ordinal)))
        {
            differences.Add($"output_lacks: the output has '{text}'");
        }

        if (showJson is null)
        {
            differences.Add($"status: expected {expect.Status}, but no run was started");
            return;
        }

        JournalView view;
        try
        {
            view = JournalView.Parse(showJson);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            differences.Add($"runbook show --format json did not print a run: {ex.Message}");
            return;
        }

        if (view.Status != expect.Status)
        {
            differences.Add($"status: expected {expect.Status}, got {view.Status}");
        }

        foreach (var (step, status) in expect.Steps)
        {
            var actual = view.Steps.GetValueOrDefault(step, "not_run");
            if (actual != status)
            {
                differences.Add($"steps.{step}: expected {status}, got {actual}");
            }
        }

        if (expect.Compensated is { } compensated && !compensated.SequenceEqual(view.Compensated))
        {
            differences.Add($"compensated: expected [{string.Join(", ", compensated)}], got [{string.Join(", ", view.Compensated)}]");
        }
    }

    /// <summary>The step a paused run waits for (its last RunPaused), or null when it is not awaiting an approval.</summary>
    private static string? Awaiting(string showJson)
    {
        try
        {
            using var doc = JsonDocument.Parse(showJson);
            if (doc.RootElement.GetProperty("status").GetString() != "awaiting_approval")
            {
                return null;
            }

            return doc.RootElement.GetProperty("events").EnumerateArray()
                .LastOrDefault(e => e.GetProperty("kind").GetString() == "RunPaused") is { ValueKind: JsonValueKind.Object } paused
                && paused.GetProperty("data").TryGetProperty("awaiting", out var step) ? step.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>runbook.yaml for a case: the approver groups, then the environment <c>library</c> with the world's settings.</summary>
    private static string Config(string provider, WorldInstance instance, IReadOnlyCollection<string> groups)
    {
        var text = new StringBuilder();
        if (groups.Count > 0)
        {
            text.Append("approvers:\n  groups:\n");
            foreach (var group in groups)
            {
                text.Append(CultureInfo($"    {Quote(group)}: [{string.Join(", ", Approvers)}]\n"));
            }
        }

        text.Append(CultureInfo($"environments:\n  library:\n    provider: {provider}\n"));
        foreach (var (key, value) in instance.Settings)
        {
            text.Append(CultureInfo($"    {key}: {Quote(value)}\n"));
        }

        return text.ToString();
    }

    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    /// <summary>Every name in an <c>approvers:</c> list of the playbook (and of the playbooks it runs with playbook.run, when they sit beside it).</summary>
    public static IReadOnlyCollection<string> ApproverNames(string playbook)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Queue<string>([Path.GetFullPath(playbook)]);
        while (pending.TryDequeue(out var file))
        {
            if (!seen.Add(file) || !File.Exists(file))
            {
                continue;
            }

            var stream = new YamlStream();
            try
            {
                using var reader = new StreamReader(file);
                stream.Load(reader);
            }
            catch (YamlDotNet.Core.YamlException)
            {
                continue; // not YAML: `runbook exec` refuses it with its own diagnostic, which the case's failure shows
            }

            foreach (var node in stream.Documents.SelectMany(d => d.AllNodes).OfType<YamlMappingNode>())
            {
                foreach (var (key, value) in node.Children)
                {
                    if (key is YamlScalarNode { Value: "approvers" } && value is YamlSequenceNode list)
                    {
                        names.UnionWith(list.Children.OfType<YamlScalarNode>().Select(s => s.Value!).Where(v => !v.Contains("${{", StringComparison.Ordinal)));
                    }

                    if (key is YamlScalarNode { Value: "uses" } && value is YamlScalarNode { Value: "playbook.run" }
                        && node.Children.TryGetValue(new YamlScalarNode("with"), out var with) && with is YamlMappingNode args
                        && args.Children.TryGetValue(new YamlScalarNode("playbook"), out var child) && child is YamlScalarNode { Value: { } path })
                    {
                        pending.Enqueue(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, path)));
                    }
                }
            }
        }

        return names;
    }

    [GeneratedRegex(@"run (\d{8}-\d{6}-[0-9a-f]{6})")]
    private static partial Regex RunId();
}

/// <summary>A case's run held against its expect:; <see cref="Report"/> is the failure message.</summary>
public sealed record CaseOutcome(LibraryCase Case, string Target, IReadOnlyList<string> Differences, string Transcript, string Show, string World, string Peers)
{
    public string Report() =>
        $"""
        {Case.File} on {Case.Provider} ({Target} build): the run did not end as the case expects:
          - {string.Join("\n  - ", Differences)}

        ── the commands and their output ──
        {Transcript.TrimEnd()}

        ── runbook show (the run's timeline) ──
        {Show.TrimEnd()}

        ── the {Case.Provider} world after the run ──
        {World.TrimEnd()}

        ── the peers ──
        {Peers.TrimEnd()}
        """;
}

/// <summary>What <c>runbook show --format json</c> says of a run: its status, each step's last status, the compensations that succeeded, in order.</summary>
public sealed record JournalView(string Status, IReadOnlyDictionary<string, string> Steps, IReadOnlyList<string> Compensated)
{
    public static JournalView Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var steps = new Dictionary<string, string>(StringComparer.Ordinal);
        var compensated = new List<string>();
        foreach (var e in doc.RootElement.GetProperty("events").EnumerateArray())
        {
            var step = e.TryGetProperty("step", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString()! : null;
            var data = e.TryGetProperty("data", out var d) ? d : default;
            switch (e.GetProperty("kind").GetString())
            {
                case "StepStarted" when step is not null:
                    steps[step] = "running";
                    break;
                case "StepSucceeded" when step is not null:
                    steps[step] = "succeeded";
                    break;
                case "StepFailed" when step is not null:
                    steps[step] = data.ValueKind == JsonValueKind.Object && data.TryGetProperty("will_retry", out var retry) && retry.ValueKind == JsonValueKind.True ? "retrying" : "failed";
                    break;
                case "StepSkipped" when step is not null:
                    steps[step] = "skipped";
                    break;
                case "ApprovalRequested" when step is not null:
                    steps[step] = "awaiting_approval";
                    break;
                case "ApprovalDecided" when step is not null && data.ValueKind == JsonValueKind.Object:
                    var decision = data.GetProperty("decision").GetString();
                    if (decision is "denied" or "expired")
                    {
                        steps[step] = decision;
                    }

                    break;
                case "CompensationSucceeded" when step is not null:
                    compensated.Add(step);
                    break;
            }
        }

        return new JournalView(doc.RootElement.GetProperty("status").GetString()!, steps, compensated);
    }
}
