using System.Diagnostics;
using System.Globalization;
using Runbook.Cli.Composition;
using Runbook.Language;
using Xunit.Abstractions;

namespace Runbook.Cli.Tests.Fuzz;

/// <summary>
/// Mutated playbooks from the corpus and the library, through validate (every format) and plan (every format)
/// in-process, through the same entry point as the binary: each ends with exit 0, 1 or 2 and no stack trace.
/// </summary>
public sealed class FuzzTests(ITestOutputHelper output)
{
    private static readonly string[] ValidateFormats = ["text", "json", "github", "sarif"];

    private static readonly string[] PlanFormats = ["text", "markdown", "json"];

    [Fact]
    public void Thousands_of_mutated_playbooks_end_in_a_diagnostic_or_a_plan_never_in_a_crash()
    {
        // Arrange
        var campaign = FuzzCampaign.FromEnvironment(defaultCases: 3000);
        var failures = new FuzzCampaign.Failures();
        var clock = Stopwatch.StartNew();
        output.WriteLine($"fuzz seed {campaign.Seed} (RUNBOOK_FUZZ_SEED), {campaign.Cases} cases (RUNBOOK_FUZZ_CASES), {campaign.Seeds.Count} seed playbooks");

        // Act
        Parallel.ForEach(campaign.CaseNumbers, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, number =>
        {
            var fuzz = campaign.Make(number);
            var folder = Directory.CreateTempSubdirectory("runbook-fuzz-");
            try
            {
                var file = Path.Combine(folder.FullName, "playbook.yaml");
                File.WriteAllBytes(file, fuzz.Bytes);
                var loaded = PlaybookLoader.LoadFile(file, ProviderRegistry.Catalog);
                if (FuzzCampaign.SpanFault(loaded) is { } spanFault)
                {
                    failures.Add($"case {number}: {spanFault} (saved: {campaign.Save(fuzz, "validate CASE.yaml", spanFault, string.Empty)})");
                }

                var inputs = FuzzCampaign.InputsFor(loaded, fuzz.Pick);
                List<string[]> commands = [["validate", file, "--format", ValidateFormats[number % ValidateFormats.Length]]];
                commands.AddRange(PlanFormats.Select(f => (string[])["plan", file, "--provider", fuzz.Provider, "--format", f, .. inputs]));
                foreach (var args in commands)
                {
                    var (exitCode, text) = RunInProcess(args, folder.FullName);
                    if (FuzzCampaign.Fault(exitCode, text) is { } fault)
                    {
                        var saved = campaign.Save(fuzz, string.Join(' ', args.Select(a => a == file ? "CASE.yaml" : a)), fault, text);
                        failures.Add($"case {number}: {fault} from 'runbook {args[0]}' (saved: {saved})");
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
        output.WriteLine($"{campaign.CaseNumbers.Count()} cases in {clock.Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture)} s");
        Assert.True(failures.Count == 0, failures.Describe(campaign));
    }

    internal static (int ExitCode, string Output) RunInProcess(string[] args, string workingDirectory)
    {
        using var stdout = new StringWriter(CultureInfo.InvariantCulture);
        using var stderr = new StringWriter(CultureInfo.InvariantCulture);
        var exitCode = CommandLine.Run(args, new CliConsole(stdout, stderr, Color: false, workingDirectory));
        return (exitCode, stdout + "\n" + stderr);
    }
}
