using Runbook.Tests;
using Runbook.Tests.Library;

namespace Runbook.Providers.Kubernetes.Tests.Library;

/// <summary>
/// The library harness itself, attacked: a case file it cannot use is refused naming the file, line and column; a
/// run that does not end as its case expects fails with the run's output and its timeline; an approval the case does
/// not mention is not given silently.
/// </summary>
public sealed class LibraryHarnessTests(LibraryCaseTests.Backend backend) : IClassFixture<LibraryCaseTests.Backend>, IDisposable
{
    private const string Good = """
        playbook: playbooks/high-error-rate.yaml
        provider: kubernetes
        peers: [http]
        inputs: { service: backend, health_url: "${http.url}/health/ready" }
        env: { SLACK_WEBHOOK_URL: "${http.url}/slack" }
        approve: [rollback]
        expect: { exit: 0, status: succeeded }
        """;

    private readonly string _folder = Directory.CreateTempSubdirectory("runbook-case-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Every_case_file_in_tests_library_parses()
    {
        var root = RunbookBinary.RepoRoot();
        var problems = new List<string>();
        foreach (var file in LibraryCase.Files(root))
        {
            try
            {
                LibraryCase.Load(file, root);
            }
            catch (LibraryCaseException ex)
            {
                problems.Add(ex.Message);
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
        Assert.NotEmpty(LibraryCase.Files(root));
    }

    [Fact]
    public void A_well_formed_case_is_read_with_its_inputs_approvals_and_expectation()
    {
        var parsed = Load("high-error-rate.kubernetes.yaml", Good);

        Assert.Equal("kubernetes", parsed.Provider);
        Assert.Equal(["http"], parsed.Peers.ToArray());
        Assert.Equal("${http.url}/health/ready", parsed.Inputs.Single(i => i.Key == "health_url").Value);
        Assert.Equal(["rollback"], parsed.Approve.ToArray());
        Assert.Equal((0, "succeeded"), (parsed.Expect.Exit, parsed.Expect.Status));
        Assert.Null(parsed.Expect.Compensated);
    }

    [Theory]
    [InlineData("provider: kubernetes", "provider: openshift", "unknown provider 'openshift'")]
    [InlineData("peers: [http]", "peers: [http, mysql]", "unknown peer 'mysql'")]
    [InlineData("approve: [rollback]", "approve: [rollback]\nretries: 3", "unknown key 'retries' in a case")]
    [InlineData("expect: { exit: 0, status: succeeded }", "expect: { exit: 0, status: succeeded, stpes: {} }", "unknown key 'stpes' in expect")]
    [InlineData("expect: { exit: 0, status: succeeded }", "expect: { exit: zero, status: succeeded }", "exit is the CLI's exit code, a number")]
    [InlineData("expect: { exit: 0, status: succeeded }", "expect: { exit: 0 }", "'status' is required")]
    [InlineData("expect: { exit: 0, status: succeeded }", "", "expect: (a mapping with at least exit and status) is required")]
    [InlineData("${http.url}/slack", "${smtp.url}", "uses the placeholder ${smtp.url}, which the harness does not define")]
    [InlineData("peers: [http]", "peers: [postgres]", "uses ${http.url} but peers: does not name http")]
    [InlineData("approve: [rollback]", "approve: [rollback]\ndeny: [rollback]", "step 'rollback' is both approved and denied")]
    [InlineData("approve: [rollback]", "approve: [rollback]\nbreak: { postgres: fail }", "cannot break 'postgres' as 'fail'")]
    [InlineData("playbooks/high-error-rate.yaml", "../../etc/high-error-rate.yaml", "is not a file of this repository")]
    [InlineData("approve: [rollback]", "approve: rollback", "'approve' is a list of plain values")]
    [InlineData("inputs: { service: backend,", "inputs: { service: [backend],", "'inputs' is a mapping of names to plain values")]
    public void A_case_the_harness_cannot_use_is_refused_naming_the_file_line_and_column(string from, string to, string message)
    {
        var ex = Assert.Throws<LibraryCaseException>(() => Load("high-error-rate.kubernetes.x.yaml", Good.Replace(from, to, StringComparison.Ordinal)));

        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
        Assert.Matches(@"high-error-rate\.kubernetes\.x\.yaml:\d+:\d+: ", ex.Message);
    }

    [Fact]
    public void A_case_whose_file_name_names_another_playbook_or_provider_is_refused()
    {
        var ex = Assert.Throws<LibraryCaseException>(() => Load("service-down.compose.yaml", Good));

        Assert.Contains("its name begins with 'high-error-rate.kubernetes.'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_case_file_that_is_not_yaml_is_refused_with_the_position_of_the_error()
    {
        var ex = Assert.Throws<LibraryCaseException>(() => Load("high-error-rate.kubernetes.yaml", "playbook: [unclosed\nprovider: kubernetes\n"));

        Assert.Matches(@"high-error-rate\.kubernetes\.yaml:\d+:\d+: not valid YAML", ex.Message);
    }

    [Fact]
    public async Task A_run_that_ends_otherwise_than_its_case_expects_fails_with_the_runs_output_and_its_timeline()
    {
        // The rollback is denied, but the case claims the run succeeds: the harness must say so, with the evidence.
        var parsed = Load("high-error-rate.kubernetes.yaml", Good.Replace("approve: [rollback]", "deny: [rollback]", StringComparison.Ordinal)
            .Replace("expect: { exit: 0, status: succeeded }", "expect: { exit: 0, status: succeeded, steps: { rollback: succeeded }, compensated: [rollback] }", StringComparison.Ordinal));

        var outcome = await LibraryRunner.RunCaseAsync(parsed, "jit", backend.World, backend.Runner.Peers, RunbookBinary.RepoRoot());
        var report = outcome.Report();

        Assert.Contains("exit: expected 0, got 3", outcome.Differences);
        Assert.Contains("status: expected succeeded, got denied", outcome.Differences);
        Assert.Contains("steps.rollback: expected succeeded, got denied", outcome.Differences);
        Assert.Contains("compensated: expected [rollback], got []", outcome.Differences);
        Assert.Contains("$ runbook exec ", report, StringComparison.Ordinal); // the run's output
        Assert.Contains("$ runbook deny ", report, StringComparison.Ordinal);
        Assert.Contains("── runbook show (the run's timeline) ──", report, StringComparison.Ordinal);
        Assert.Contains("denied by bob", report, StringComparison.Ordinal);
        Assert.Contains("deployment backend: revision 2", report, StringComparison.Ordinal); // the world after the run
        Assert.Contains("POST /slack", report, StringComparison.Ordinal); // what the peers saw
    }

    [Fact]
    public async Task An_approval_the_case_neither_gives_nor_refuses_fails_the_case_naming_the_step()
    {
        var parsed = Load("high-error-rate.kubernetes.yaml", Good.Replace("approve: [rollback]", "approve: []", StringComparison.Ordinal));

        var outcome = await LibraryRunner.RunCaseAsync(parsed, "jit", backend.World, backend.Runner.Peers, RunbookBinary.RepoRoot());

        Assert.Contains(outcome.Differences, d => d.Contains("waits for an approval of 'rollback', which the case neither approves nor denies", StringComparison.Ordinal));
        Assert.Contains("exit: expected 0, got 3", outcome.Differences);
    }

    [Fact]
    public void Every_approver_a_playbook_names_becomes_a_group_the_harness_approves_as()
    {
        var names = LibraryRunner.ApproverNames(Path.Combine(RunbookBinary.RepoRoot(), "playbooks", "high-error-rate.yaml"));

        Assert.Equal(["sre-leads"], names);
    }

    private LibraryCase Load(string name, string text)
    {
        var file = Path.Combine(_folder, name);
        File.WriteAllText(file, text);
        return LibraryCase.Load(file, RunbookBinary.RepoRoot());
    }
}
