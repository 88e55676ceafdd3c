namespace Runbook.Cli.Tests.Fuzz;

/// <summary>The fuzzer itself: replayable, and its oracle fails on what it promises to catch.</summary>
public sealed class FuzzHarnessTests
{
    private static FuzzCampaign Campaign(int seed) => new(seed, cases: 100, only: null, outputFolder: Path.GetTempPath());

    [Fact]
    public void The_same_seed_and_case_number_make_the_same_bytes()
    {
        var (first, second) = (Campaign(7).Make(42), Campaign(7).Make(42));

        Assert.Equal(first.Bytes, second.Bytes);
        Assert.Equal(first.Mutations, second.Mutations);
        Assert.Equal(first.SeedPath, second.SeedPath);
    }

    [Fact]
    public void Another_seed_makes_other_cases()
    {
        var differing = Enumerable.Range(0, 20).Count(n => !Campaign(7).Make(n).Bytes.SequenceEqual(Campaign(8).Make(n).Bytes));

        Assert.True(differing >= 15, $"only {differing} of 20 cases differ between seeds 7 and 8");
    }

    [Fact]
    public void Every_case_is_mutated_from_a_playbook_of_the_corpus_or_the_library()
    {
        var campaign = Campaign(FuzzCampaign.DefaultSeed);

        Assert.Contains(campaign.Seeds, s => s.Path.StartsWith("tests/corpus/good", StringComparison.Ordinal));
        Assert.Contains(campaign.Seeds, s => s.Path.StartsWith("tests/corpus/bad", StringComparison.Ordinal));
        Assert.Contains(campaign.Seeds, s => s.Path.StartsWith("playbooks", StringComparison.Ordinal));
        Assert.Contains(campaign.Seeds, s => s.Path.StartsWith("samples/playbooks", StringComparison.Ordinal));
        Assert.All(Enumerable.Range(0, 50).Select(campaign.Make), c => Assert.NotEmpty(c.Mutations));
    }

    [Theory]
    [InlineData(70, "runbook: internal error: ArgumentException: '10' cannot be greater than 9.")]
    [InlineData(134, "")]
    [InlineData(3, "")]
    [InlineData(2, "Unhandled exception. System.NullReferenceException: Object reference not set")]
    [InlineData(1, "boom\n   at Runbook.Language.Yaml.YamlLoader.Load(SourceText source)\n")]
    [InlineData(0, "--- End of stack trace from previous location ---")]
    public void The_oracle_calls_a_crash_any_exit_code_outside_0_1_2_or_any_stack_trace(int exitCode, string output) =>
        Assert.NotNull(FuzzCampaign.Fault(exitCode, output));

    [Theory]
    [InlineData(0, "1 file checked: 0 errors, 0 warnings")]
    [InlineData(2, "playbook.yaml:5:11: error RB0101: input 'service' must be a mapping, found a scalar")]
    [InlineData(1, "step status failed: the script exited with code 1: at line 3")]
    public void The_oracle_accepts_exit_0_1_2_with_diagnostics(int exitCode, string output) =>
        Assert.Null(FuzzCampaign.Fault(exitCode, output));
}
