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

    [Theory]
    [InlineData("inputs: { service: backend, health_url: \"/tmp/runbook-library/high-error-rate/\" }", 4, 41, "/tmp/runbook-library/high-error-rate/")]
    [InlineData("inputs: { service: backend, health_url: \"/var/tmp/backups\" }", 4, 41, "/var/tmp/backups")]
    [InlineData("inputs: { service: backend, health_url: \"file:///tmp/x.dump\" }", 4, 41, "///tmp/x.dump")]
    [InlineData("inputs: { service: backend, health_url: /tmp }", 4, 41, "/tmp")]
    [InlineData("inputs: { service: backend, health_url: \"--dir=/tmp//a\" }", 4, 41, "/tmp//a")]
    [InlineData("inputs: { service: backend, health_url: \"${http.url}/health/ready\" }\nenv: { SLACK_WEBHOOK_URL: \"${http.url}/slack\", BACKUPS: \"/tmp/b\" }", 5, 57, "/tmp/b")]
    public void A_value_naming_a_fixed_folder_under_tmp_is_refused_naming_where_and_what_to_write_instead(string inputs, int line, int column, string path)
    {
        var text = Good.Replace("inputs: { service: backend, health_url: \"${http.url}/health/ready\" }", inputs, StringComparison.Ordinal);
        if (inputs.Contains("env:", StringComparison.Ordinal))
        {
            text = text.Replace("env: { SLACK_WEBHOOK_URL: \"${http.url}/slack\" }\n", string.Empty, StringComparison.Ordinal);
        }

        var ex = Assert.Throws<LibraryCaseException>(() => Load("high-error-rate.kubernetes.x.yaml", text));

        Assert.Contains($"high-error-rate.kubernetes.x.yaml:{line}:{column}: '", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"names '{path}', a fixed folder", ex.Message, StringComparison.Ordinal);
        Assert.Contains("write ${case.dir}/… instead", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("${case.dir}/tmp/")]
    [InlineData("${case.dir}/backups/")]
    [InlineData("backups/tmp/")]
    [InlineData("/tmpfs/backups/")]
    [InlineData("/home/tmp/backups/")]
    [InlineData("../tests/library/data/dataaggregator.dump")]
    public void A_path_in_the_runs_own_folder_or_outside_tmp_is_accepted_and_case_dir_needs_no_peer(string value)
    {
        var parsed = Load("high-error-rate.kubernetes.yaml", Good.Replace("inputs: { service: backend,", $"inputs: {{ dir: \"{value}\", service: backend,", StringComparison.Ordinal));

        Assert.Equal(value, parsed.Inputs.Single(i => i.Key == "dir").Value);
    }

    [Theory]
    [InlineData("${postgres.database}-dr", "is not a plain PostgreSQL identifier")]
    [InlineData("${postgres.database}_DR", "is not a plain PostgreSQL identifier")]
    [InlineData("${postgres.database}_${postgres.database}", "is not a plain PostgreSQL identifier")]
    [InlineData("${postgres.database}_this_suffix_is_fifty_one_characters_long_xxxxxxxxx", "would be 64 bytes, over PostgreSQL's 63")]
    public void A_database_name_derived_from_the_cases_database_that_postgres_would_not_keep_is_refused(string value, string message)
    {
        var ex = Assert.Throws<LibraryCaseException>(() => Load(
            "high-error-rate.kubernetes.x.yaml",
            Good.Replace("peers: [http]", "peers: [http, postgres]", StringComparison.Ordinal).Replace("inputs: { service: backend,", $"inputs: {{ scratch: \"{value}\", service: backend,", StringComparison.Ordinal)));

        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
        Assert.Matches(@"high-error-rate\.kubernetes\.x\.yaml:4:\d+: 'scratch': ", ex.Message);
    }

    [Theory]
    [InlineData("${postgres.database}_dr")]
    [InlineData("${postgres.database}_this_suffix_is_fifty_characters_long_xxxxxxxxxxxx")]
    public void A_database_name_derived_with_a_short_lowercase_suffix_is_accepted(string value)
    {
        var parsed = Load(
            "high-error-rate.kubernetes.x.yaml",
            Good.Replace("peers: [http]", "peers: [http, postgres]", StringComparison.Ordinal).Replace("inputs: { service: backend,", $"inputs: {{ scratch: \"{value}\", service: backend,", StringComparison.Ordinal));

        Assert.Equal(value, parsed.Inputs.Single(i => i.Key == "scratch").Value);
    }

    [Fact]
    public void No_case_in_tests_library_or_pending_names_a_fixed_temporary_folder_or_scratch_database()
    {
        var root = RunbookBinary.RepoRoot();
        var files = LibraryCase.Files(root).Concat(Directory.GetFiles(Path.Combine(root, "tests", "library", "pending"), "*.yaml")).ToList();
        var fixedNames = files.Where(f => File.ReadAllText(f) is var text
            && (text.Contains("/tmp", StringComparison.Ordinal) || text.Contains("\"restore_test\"", StringComparison.Ordinal) || text.Contains("\"dataaggregator_dr", StringComparison.Ordinal)));

        Assert.Empty(fixedNames);
        Assert.True(files.Count > 200, $"only {files.Count} case files found");
    }

    [Fact]
    public async Task Two_runs_of_one_case_at_the_same_time_each_write_into_a_folder_and_database_of_their_own()
    {
        // What the JIT and native rows of one case do in CI: the same file, run side by side, must not meet.
        var runs = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => LibraryRunner.RunFileAsync("backup-verification.kubernetes.yaml", "jit", backend.World, backend.Runner.Peers)));

        Assert.All(runs, run => Assert.True(run.Differences.Count == 0, run.Report()));
        var folders = runs.Select(r => System.Text.RegularExpressions.Regex.Match(r.Transcript, @"backup_dir=(\S+)").Groups[1].Value).ToList();
        var scratch = runs.Select(r => System.Text.RegularExpressions.Regex.Match(r.Transcript, @"scratch_database=(\S+)").Groups[1].Value).ToList();
        Assert.All(folders, f => Assert.EndsWith("/backups/", f, StringComparison.Ordinal));
        Assert.NotEqual(folders[0], folders[1]);
        Assert.All(scratch, s => Assert.Matches("^t[0-9a-f]{12}_scratch$", s));
        Assert.NotEqual(scratch[0], scratch[1]);
        Assert.All(folders, f => Assert.False(Directory.Exists(f), $"{f} is left behind after the case"));
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
