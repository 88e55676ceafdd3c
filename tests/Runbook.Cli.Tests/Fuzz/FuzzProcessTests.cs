using System.Diagnostics;
using System.Globalization;
using Runbook.Cli.Composition;
using Runbook.Cli.Tests.Support;
using Runbook.Language;
using Xunit.Abstractions;

namespace Runbook.Cli.Tests.Fuzz;

/// <summary>
/// A sample of the same fuzz cases through the real process (the JIT build, and the native binary when there is
/// one): validate and plan end with the exit code the in-process run gave, and <c>exec --dry-run</c> ends with
/// 0, 1 or 2 and no stack trace. Each exec gets a throwaway RUNBOOK_HOME and HOME, and a PATH holding only a
/// few harmless tools, so a mutated read-only step cannot reach kubectl, docker, curl, find or rm.
/// </summary>
public sealed class FuzzProcessTests(ITestOutputHelper output)
{
    /// <summary>Every how-many-th case of the campaign runs as a process too.</summary>
    private const int SampleEvery = 150;

    /// <summary>How many cases that still validate are added to the sample, so that exec reaches the executor.</summary>
    private const int RunnableCases = 16;

    private static readonly string[] ExecutableProviders = ["compose", "kubernetes"];

    private static readonly TimeSpan ExecTimeout = TimeSpan.FromSeconds(10);

    private static readonly string[] HarmlessTools =
    [
        "bash", "sh", "setsid", "env", "echo", "printf", "cat", "true", "false", "uptime", "df", "du", "awk", "head", "tail",
        "sort", "uniq", "wc", "tr", "cut", "grep", "sed", "date", "sleep",
    ];

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void A_sample_of_mutated_playbooks_keeps_the_exit_code_contract_as_a_process_through_validate_plan_and_exec_dry_run(CliTarget cli)
    {
        // Arrange
        var campaign = FuzzCampaign.FromEnvironment(defaultCases: 3000);
        // Most mutated playbooks are invalid and end at the checker; to reach the executor, the sample also takes
        // the first cases (in case order, so the sample is as reproducible as the cases) that still validate.
        var runnable = new Dictionary<int, string>();
        foreach (var n in campaign.Only is { } only ? [only] : campaign.CaseNumbers.Where(n => n % SampleEvery != 0))
        {
            if (runnable.Count == RunnableCases)
            {
                break;
            }

            if (ExecutableProvider(campaign.Make(n)) is { } provider)
            {
                runnable[n] = provider;
            }
        }

        List<int> numbers = campaign.Only is { } one ? [one]
            : [.. campaign.CaseNumbers.Where(n => n % SampleEvery == 0), .. runnable.Keys];
        var failures = new FuzzCampaign.Failures();
        var slow = new System.Collections.Concurrent.ConcurrentBag<int>();
        var execExits = new System.Collections.Concurrent.ConcurrentDictionary<int, int>();
        using var sandbox = new ToolSandbox(HarmlessTools);
        var clock = Stopwatch.StartNew();
        output.WriteLine($"fuzz seed {campaign.Seed}, {numbers.Count} cases through {cli}");

        // Act
        Parallel.ForEach(numbers, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, number =>
        {
            var fuzz = campaign.Make(number);
            var folder = Directory.CreateTempSubdirectory("runbook-fuzz-");
            try
            {
                var file = Path.Combine(folder.FullName, "playbook.yaml");
                File.WriteAllBytes(file, fuzz.Bytes);
                var loaded = PlaybookLoader.LoadFile(file, ProviderRegistry.Catalog);
                var inputs = FuzzCampaign.InputsFor(loaded, fuzz.Pick);
                var provider = runnable.GetValueOrDefault(number, fuzz.Provider);
                var environment = new Dictionary<string, string?>(FuzzCampaign.SecretsFor(loaded))
                {
                    ["RUNBOOK_HOME"] = folder.FullName,
                    ["HOME"] = folder.FullName,
                    ["XDG_STATE_HOME"] = folder.FullName,
                    ["RUNBOOK_JOURNAL"] = null,
                    ["KUBECONFIG"] = null, // no cluster and no Docker daemon of this machine is the fuzzer's to touch
                    ["DOCKER_HOST"] = null,
                    ["PATH"] = sandbox.Path,
                };
                string[][] commands =
                [
                    ["validate", file],
                    ["plan", file, "--provider", provider, "--format", "json", .. inputs],
                    ["exec", file, "--provider", provider, "--dry-run", "--format", number % 2 == 0 ? "json" : "text", .. inputs],
                ];
                foreach (var args in commands)
                {
                    var result = cli.RunWith(folder.FullName, environment, ExecTimeout, args);
                    var command = string.Join(' ', args.Select(a => a == file ? "CASE.yaml" : a));
                    if (result is null)
                    {
                        slow.Add(number); // a dry run that waits on retries or wait.until: not a crash, but said
                        continue;
                    }

                    if (args[0] == "exec")
                    {
                        execExits.AddOrUpdate(result.ExitCode, 1, (_, n) => n + 1);
                    }

                    var text = result.Out + "\n" + result.Error;
                    var fault = FuzzCampaign.Fault(result.ExitCode, text);
                    if (fault is null && args[0] != "exec")
                    {
                        var inProcess = FuzzTests.RunInProcess(args, folder.FullName).ExitCode;
                        fault = inProcess == result.ExitCode ? null : $"exit code {result.ExitCode} as a process but {inProcess} in-process";
                    }

                    if (fault is not null)
                    {
                        failures.Add($"case {number}: {fault} from 'runbook {command}' on {cli} (saved: {campaign.Save(fuzz, command, fault, text)})");
                        break;
                    }
                }
            }
            finally
            {
                folder.Delete(recursive: true);
            }
        });

        // Assert
        output.WriteLine($"{numbers.Count} cases in {clock.Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture)} s; "
            + $"exec --dry-run exits: {string.Join(", ", execExits.OrderBy(e => e.Key).Select(e => $"{e.Value}× {e.Key}"))}; "
            + $"{slow.Count} stopped after {ExecTimeout.TotalSeconds} s (cases {string.Join(", ", slow.Order())})");
        Assert.True(failures.Count == 0, failures.Describe(campaign));
    }

    /// <summary>A provider that executes here and accepts the case's playbook without errors, if there is one.</summary>
    private static string? ExecutableProvider(FuzzCase fuzz) =>
        ExecutableProviders.FirstOrDefault(p => PlaybookLoader.Load("playbook.yaml", fuzz.Bytes, ProviderRegistry.Catalog, ProviderRegistry.Catalog.FindProvider(p)).IsValid);

    /// <summary>A folder of symbolic links to a few tools, used as the whole PATH of a child process.</summary>
    private sealed class ToolSandbox : IDisposable
    {
        private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("runbook-fuzz-bin-");

        public ToolSandbox(IEnumerable<string> tools)
        {
            var searched = (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':');
            foreach (var tool in tools)
            {
                var found = searched.Select(d => System.IO.Path.Combine(d, tool)).FirstOrDefault(File.Exists);
                Assert.True(found is not null, $"the fuzz sandbox needs '{tool}' on PATH (install it with apt-get)");
                File.CreateSymbolicLink(System.IO.Path.Combine(_folder.FullName, tool), found!);
            }
        }

        public string Path => _folder.FullName;

        public void Dispose() => _folder.Delete(recursive: true);
    }
}
