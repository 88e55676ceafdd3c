using Runbook.Cli.Tests.Support;

namespace Runbook.Cli.Tests.Library;

/// <summary>
/// docs/playbooks.md, the coverage table of the reference runbooks' procedures, checked against the repository: the real
/// page must hold, and each way a row can lie (a missing playbook, a provider it is not for, a case that does not exist
/// or runs something else, a heading the runbook does not have, a procedure left without a row) is caught, naming the row.
/// </summary>
public sealed class PlaybookCoverageTableTests : IDisposable
{
    private const string DataAggregator = "data-aggregator-production-runbook.md";

    private static readonly string SharedRunbooks = Path.GetFullPath(Path.Combine(Repo.Root, "..", "shared", "reference-runbooks"));

    // A small runbook for the attacks: a section with two procedures, a fenced block whose '#' lines are not headings.
    private const string Runbook = """
        # Title
        ## Common Operations
        ### 🟠 Scale Services
        ```bash
        # Horizontal Scaling
        ```
        ### Clear Cache
        ## Overview
        ### Purpose
        """;

    private readonly string _repo = Directory.CreateTempSubdirectory("runbook-coverage-").FullName;

    public PlaybookCoverageTableTests()
    {
        Directory.CreateDirectory(Path.Combine(_repo, "playbooks"));
        Directory.CreateDirectory(Path.Combine(_repo, "tests", "library"));
        foreach (var name in new[] { "scale-for-traffic.yaml", "kubernetes-api-recovery.yaml" })
        {
            File.Copy(Repo.PathOf("playbooks", name), Path.Combine(_repo, "playbooks", name));
        }

        Case("scale-for-traffic.compose.yaml", "scale-for-traffic", "compose");
        Case("scale-for-traffic.aws.yaml", "scale-for-traffic", "aws");
        File.WriteAllText(Path.Combine(_repo, "tests", "ScaleTests.cs"), "public sealed class ScaleTests { public void Scales_out() { } }");
    }

    public void Dispose() => Directory.Delete(_repo, recursive: true);

    [Fact]
    public void The_coverage_table_names_only_playbooks_providers_cases_and_headings_that_exist()
    {
        var sections = CoverageTable.Parse(File.ReadAllText(Repo.PathOf("docs", "playbooks.md")));

        var problems = CoverageTable.Check(sections, Repo.Root, ReadShared);

        Assert.Equal(3, sections.Length);
        Assert.True(problems.IsEmpty, string.Join('\n', problems));
    }

    [Fact]
    public void Every_procedure_of_the_data_aggregator_runbook_has_a_row_when_the_reference_runbooks_are_present()
    {
        var section = CoverageTable.Parse(File.ReadAllText(Repo.PathOf("docs", "playbooks.md"))).Single(s => s.Runbook == DataAggregator);

        // The reference runbooks live beside the repository, not in it (docs/playbooks.md says so); without them only
        // the row count is held here, and the headings are judged wherever they are present.
        Assert.True(section.Rows.Length >= 30, $"{section.Rows.Length} rows");
        if (ReadShared(DataAggregator) is { } text)
        {
            Assert.Empty(CoverageTable.Uncovered(section, text));
        }
    }

    [Fact]
    public void Every_section_with_rows_leaves_no_procedure_of_its_runbook_without_one()
    {
        var sections = CoverageTable.Parse(File.ReadAllText(Repo.PathOf("docs", "playbooks.md"))).Where(s => !s.Rows.IsEmpty && ReadShared(s.Runbook) is not null);

        var uncovered = sections.SelectMany(s => CoverageTable.Uncovered(s, ReadShared(s.Runbook)!).Select(h => $"{s.Runbook}: {h}")).ToList();

        Assert.True(uncovered.Count == 0, "procedures without a row:\n" + string.Join('\n', uncovered));
    }

    [Fact]
    public void A_row_that_holds_is_not_reported()
    {
        var problems = Check("| Common Operations › Scale Services | `scale-for-traffic.yaml` | compose, aws | runs | `tests/library/scale-for-traffic.compose.yaml`, `tests/library/scale-for-traffic.aws.yaml`, `ScaleTests.Scales_out` |");

        Assert.Empty(problems);
    }

    [Fact]
    public void A_playbook_that_does_not_exist_is_reported_with_its_row()
    {
        var problem = Assert.Single(Check("| Common Operations › Clear Cache | `clear-cache-typo.yaml` | compose | plan-only | not yet |"));

        Assert.Equal("docs/playbooks.md:5 (runbook.md: Common Operations › Clear Cache | `clear-cache-typo.yaml`): playbooks/clear-cache-typo.yaml does not exist", problem);
    }

    [Fact]
    public void A_provider_the_playbook_is_not_for_is_reported()
    {
        var problem = Assert.Single(Check("| Common Operations › Scale Services | `kubernetes-api-recovery.yaml` | kubernetes, aws | plan-only | the kubectl procedures |"));

        Assert.EndsWith("lists provider 'aws', but kubernetes-api-recovery.yaml is for kubernetes", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_runs_row_that_names_no_case_and_no_test_is_reported()
    {
        var problem = Assert.Single(Check("| Common Operations › Scale Services | `scale-for-traffic.yaml` | compose | runs | it works, trust me |"));

        Assert.Contains("names the run cases", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_case_file_that_does_not_exist_is_reported()
    {
        var problems = Check("| Common Operations › Scale Services | `scale-for-traffic.yaml` | compose | runs | `tests/library/scale-for-traffic.compose.denied.yaml` |");

        Assert.Contains(problems, p => p.EndsWith("run case tests/library/scale-for-traffic.compose.denied.yaml does not exist", StringComparison.Ordinal));
    }

    [Fact]
    public void A_case_file_of_another_playbook_does_not_prove_the_row()
    {
        Case("scale-for-traffic.gcp.yaml", "kubernetes-api-recovery", "gcp");

        var problems = Check("| Common Operations › Scale Services | `scale-for-traffic.yaml` | gcp | runs | `tests/library/scale-for-traffic.gcp.yaml` |");

        Assert.Contains(problems, p => p.EndsWith("runs 'playbooks/kubernetes-api-recovery.yaml', not playbooks/scale-for-traffic.yaml", StringComparison.Ordinal));
    }

    [Fact]
    public void A_listed_provider_without_a_case_on_it_is_reported()
    {
        var problem = Assert.Single(Check("| Common Operations › Scale Services | `scale-for-traffic.yaml` | compose, azure | runs | `tests/library/scale-for-traffic.compose.yaml` |"));

        Assert.EndsWith("lists provider 'azure' but names no run case on it (never claim what is not proven)", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_case_on_a_provider_the_row_does_not_list_is_reported()
    {
        var problem = Assert.Single(Check("| Common Operations › Scale Services | `scale-for-traffic.yaml` | compose | runs | `tests/library/scale-for-traffic.compose.yaml`, `tests/library/scale-for-traffic.aws.yaml` |"));

        Assert.EndsWith("run case tests/library/scale-for-traffic.aws.yaml runs on 'aws', which the row does not list", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_case_whose_name_and_provider_disagree_is_reported()
    {
        Case("scale-for-traffic.azure.yaml", "scale-for-traffic", "compose");

        var problems = Check("| Common Operations › Scale Services | `scale-for-traffic.yaml` | compose, azure | runs | `tests/library/scale-for-traffic.azure.yaml`, `tests/library/scale-for-traffic.compose.yaml` |");

        Assert.Contains(problems, p => p.EndsWith("says provider 'compose', but its name says azure", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.EndsWith("lists provider 'azure' but names no run case on it (never claim what is not proven)", StringComparison.Ordinal));
    }

    [Fact]
    public void A_case_path_outside_the_cases_folder_is_not_accepted_as_proof()
    {
        var problems = Check("| Common Operations › Scale Services | `scale-for-traffic.yaml` | compose | runs | `tests/library/../../playbooks/scale-for-traffic.yaml` |");

        Assert.Contains(problems, p => p.Contains("is not a run case name", StringComparison.Ordinal));
    }

    [Fact]
    public void A_test_that_does_not_exist_is_reported()
    {
        var problem = Assert.Single(Check("| Common Operations › Scale Services | `scale-for-traffic.yaml` | compose | runs | `ScaleTests.Scales_in` |"));

        Assert.EndsWith("test ScaleTests.Scales_in does not exist under tests/", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_heading_the_runbook_does_not_have_is_reported_and_emoji_do_not_count()
    {
        var problems = Check(
            "| Common Operations › Scale Service | — | — | manual | vertical scaling |",
            "| Common Operations › Scale Services | — | — | manual | vertical scaling |",
            "| Clear Cache | — | — | manual | the section is missing |");

        Assert.Equal(2, problems.Length);
        Assert.Contains("'Common Operations › Scale Service' is not a heading of runbook.md", problems[0], StringComparison.Ordinal);
        Assert.Contains("'Clear Cache' is not a heading of runbook.md", problems[1], StringComparison.Ordinal);
    }

    [Fact]
    public void A_line_inside_a_code_block_is_not_a_heading()
    {
        var problem = Assert.Single(Check("| Common Operations › Scale Services › Horizontal Scaling | — | — | manual | in a bash block |"));

        Assert.Contains("is not a heading of runbook.md", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_procedure_without_a_row_is_listed_as_uncovered()
    {
        var section = Assert.Single(CoverageTable.Parse(Page("| Common Operations › Scale Services | — | — | manual | vertical scaling |")));

        Assert.Equal(new[] { "Common Operations › Clear Cache", "Overview › Purpose" }, CoverageTable.Uncovered(section, Runbook).ToArray());
    }

    [Fact]
    public void A_heading_listed_as_not_a_procedure_needs_no_row_but_must_exist()
    {
        var page = Page("| Common Operations › Scale Services | — | — | manual | vertical scaling |", "| Common Operations › Clear Cache | — | — | manual | by hand |")
            .Replace("| section", "Not procedures: Overview › Purpose; Overview › Glossary\n\n| section", StringComparison.Ordinal);
        var sections = CoverageTable.Parse(page);

        Assert.Empty(CoverageTable.Uncovered(sections[0], Runbook));
        var problem = Assert.Single(CoverageTable.Check(sections, _repo, _ => Runbook));
        Assert.Contains("'Not procedures' names 'Overview › Glossary', which is not a heading of runbook.md", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_state_a_missing_proof_and_a_playbookless_runs_row_are_reported()
    {
        var problems = Check(
            "| Common Operations › Scale Services | `scale-for-traffic.yaml` | compose | works | `tests/library/scale-for-traffic.compose.yaml` |",
            "| Common Operations › Clear Cache | — | — | runs | `tests/library/scale-for-traffic.compose.yaml` |",
            "| Overview › Purpose | — | — | manual | — |");

        Assert.Equal(3, problems.Length);
        Assert.EndsWith("state 'works' is not one of runs, plan-only, manual", problems[0], StringComparison.Ordinal);
        Assert.EndsWith("a runs row must name its playbook", problems[1], StringComparison.Ordinal);
        Assert.Contains("a manual row needs its proof column", problems[2], StringComparison.Ordinal);
    }

    [Fact]
    public void A_row_with_a_missing_cell_is_reported_rather_than_read_shifted()
    {
        var problem = Assert.Single(Check("| Common Operations › Scale Services | `scale-for-traffic.yaml` | runs | `tests/library/scale-for-traffic.compose.yaml` |"));

        Assert.Contains("the row has <4 cells, not 5>", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_the_reference_runbooks_the_headings_are_not_judged_but_everything_else_is()
    {
        var sections = CoverageTable.Parse(Page("| No Such Section › Nothing | `missing.yaml` | compose | plan-only | why |"));

        var problem = Assert.Single(CoverageTable.Check(sections, _repo, _ => null));

        Assert.EndsWith("playbooks/missing.yaml does not exist", problem, StringComparison.Ordinal);
    }

    private static string? ReadShared(string runbook)
    {
        var path = Path.Combine(SharedRunbooks, runbook);
        return File.Exists(path) ? File.ReadAllText(path) : null;
    }

    private string[] Check(params string[] rows) => [.. CoverageTable.Check(CoverageTable.Parse(Page(rows)), _repo, _ => Runbook)];

    // Line 5 is the first row: the checker's messages name the doc's line.
    private static string Page(params string[] rows) =>
        "## A runbook (`runbook.md`)\n\n| section › heading | playbook | providers | state | proof |\n|---|---|---|---|---|\n" + string.Join('\n', rows) + "\n";

    private void Case(string file, string playbook, string provider) =>
        File.WriteAllText(Path.Combine(_repo, "tests", "library", file), $"playbook: playbooks/{playbook}.yaml\nprovider: {provider}\npeers: []\ninputs: {{}}\nexpect:\n  exit: 0\n");
}
