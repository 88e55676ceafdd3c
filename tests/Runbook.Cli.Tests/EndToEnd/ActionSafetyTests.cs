using Runbook.Cli.Tests.Support;

namespace Runbook.Cli.Tests.EndToEnd;

/// <summary>
/// The repros as an operator meets them, on both builds: a failing action rolls back with exit 1 (never
/// "internal error"), a provider that cannot run the playbook is refused before anything is journaled, and a template
/// named by a value never reads a file outside the playbook's folder.
/// </summary>
public sealed class ActionSafetyTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("runbook-safety-e2e-").FullName;

    private string Journal => Path.Combine(_folder, "journal.db");

    private string Ledger => Path.Combine(_folder, "ledger.txt");

    private string Marker => Path.Combine(_folder, "marker.txt");

    private string Write(string name, string yaml)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, yaml);
        return path;
    }

    private const string ChangeThenProbe = """
        apiVersion: runbook/v1
        kind: Playbook
        name: change-then-probe
        inputs:
          ledger: { type: string }
          status: { type: string }
        phases:
          mitigate:
            - id: change
              run: echo "change" >> "${{ inputs.ledger }}"
              rollback:
                run: echo "undo" >> "${{ inputs.ledger }}"
          resolve:
            - id: verify
              uses: http.check
              with: { url: "http://127.0.0.1:9/health", expect_status: "${{ inputs.status }}" }
        """;

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void A_check_whose_status_input_is_not_a_number_fails_the_step_runs_the_compensation_and_exits_1(CliTarget cli)
    {
        var playbook = Write("probe.yaml", ChangeThenProbe);

        var result = cli.Run("exec", playbook, "--journal", Journal, "--input", $"ledger={Ledger}", "--input", "status=ok");
        var show = cli.Run("history", "--journal", Journal);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("change\nundo\n", File.ReadAllText(Ledger));
        Assert.Contains("'expect_status' of 'http.check' must be an HTTP status code (100-599) or a list of them, but ${{ inputs.status }} is 'ok'",
            result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", result.Out + result.Error, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("rolled_back", show.Out, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void A_literal_status_that_is_not_a_number_is_refused_by_validate_with_the_expected_type(CliTarget cli)
    {
        var playbook = Write("literal.yaml", ChangeThenProbe.Replace("\"${{ inputs.status }}\"", "ok", StringComparison.Ordinal));

        var result = cli.Run("validate", playbook);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("error RB0101: 'expect_status' of 'http.check' must be an HTTP status code (100-599) or a list of them, found 'ok'", result.Out, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void An_expression_spliced_into_sql_is_refused_by_validate_with_the_parameter_fix(CliTarget cli)
    {
        var playbook = Write("sql.yaml", """
            apiVersion: runbook/v1
            kind: Playbook
            name: sql
            inputs:
              name: { type: string }
              db: { type: secret, from: env:DATABASE_URL }
            phases:
              gather:
                - id: lookup
                  uses: sql.query
                  with: { connection: "${{ inputs.db }}", query: "select '${{ inputs.name }}'" }
            """);

        var result = cli.Run("validate", playbook);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("error RB0312", result.Out, StringComparison.Ordinal);
        Assert.Contains("write @name in the query and pass the value as parameters: { name: \"${{ inputs.name }}\" }", result.Out, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void Exec_with_a_provider_that_lacks_an_action_exits_2_before_journaling_anything(CliTarget cli)
    {
        var playbook = Write("kube.yaml", $$"""
            apiVersion: runbook/v1
            kind: Playbook
            name: kube
            phases:
              assess:
                - id: first
                  run: echo ran > "{{Marker}}"
                  mutates: false
                - id: pods
                  uses: kubernetes.get
                  with: { kind: pods }
            """);

        var result = cli.Run("exec", playbook, "--provider", "compose", "--journal", Journal);

        // Its actions make it a playbook for kubernetes only: refused as not for compose, naming the step.
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("is not for compose: its actions need kubernetes: step 'pods' uses 'kubernetes.get' (line 10), which compose does not run", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Journal), "the refused run was journaled");
        Assert.False(File.Exists(Marker), "a step ran");
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void Exec_refuses_a_sub_playbook_the_provider_cannot_run_before_the_parent_runs_a_step(CliTarget cli)
    {
        Write("child.yaml", """
            apiVersion: runbook/v1
            kind: Playbook
            name: child
            phases:
              assess:
                - id: pods
                  uses: kubernetes.get
                  with: { kind: pods }
            """);
        var parent = Write("parent.yaml", $$"""
            apiVersion: runbook/v1
            kind: Playbook
            name: parent
            phases:
              mitigate:
                - id: first
                  run: echo ran > "{{Marker}}"
                  rollback: { run: "true" }
                - id: child
                  uses: playbook.run
                  with: { path: child.yaml }
                  rollback: { run: "true" }
            """);

        var result = cli.Run("exec", parent, "--provider", "compose", "--journal", Journal);

        Assert.Equal(2, result.ExitCode);
        // The child is for kubernetes only (its actions), the parent for every provider: RB0317 refuses the parent itself.
        Assert.Contains("error RB0317: 'child.yaml' is for kubernetes (what its actions need), not for aws, azure, compose, gcp", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Journal), "the refused run was journaled");
        Assert.False(File.Exists(Marker), "a step ran");
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void A_playbook_without_provider_actions_runs_without_a_provider(CliTarget cli)
    {
        var playbook = Write("plain.yaml", $$"""
            apiVersion: runbook/v1
            kind: Playbook
            name: plain
            phases:
              assess:
                - id: first
                  run: echo ran > "{{Marker}}"
                  mutates: false
            """);

        var result = cli.Run("exec", playbook, "--journal", Journal);
        var history = cli.Run("history", "--journal", Journal);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("ran\n", File.ReadAllText(Marker));
        Assert.Contains("plain", history.Out, StringComparison.Ordinal);
        Assert.Contains("succeeded", history.Out, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void A_playbook_with_a_service_action_and_no_provider_exits_2_naming_the_step_before_journaling(CliTarget cli)
    {
        var playbook = Write("service.yaml", $$"""
            apiVersion: runbook/v1
            kind: Playbook
            name: service
            phases:
              assess:
                - id: first
                  run: echo ran > "{{Marker}}"
                  mutates: false
                - id: status
                  uses: service.describe
                  with: { service: web }
            """);

        var result = cli.Run("exec", playbook, "--journal", Journal);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("step 'status' uses 'service.describe', which runs on a provider", result.Error, StringComparison.Ordinal);
        Assert.Contains("--provider NAME or --env NAME", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Journal), "the refused run was journaled");
        Assert.False(File.Exists(Marker), "a step ran");
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void A_template_named_by_an_input_outside_the_folder_is_refused_and_its_content_never_printed(CliTarget cli)
    {
        var secret = Path.Combine(Directory.CreateDirectory(Path.Combine(_folder, "outside")).FullName, "secret.txt");
        File.WriteAllText(secret, "OUTSIDE-FILE-CONTENT");
        var book = Directory.CreateDirectory(Path.Combine(_folder, "book")).FullName;
        File.CreateSymbolicLink(Path.Combine(book, "link.sbn"), secret);
        var playbook = Path.Combine(book, "notify.yaml");
        File.WriteAllText(playbook, """
            apiVersion: runbook/v1
            kind: Playbook
            name: notify
            inputs:
              path: { type: string }
            phases:
              communicate:
                - id: update
                  uses: notify.console
                  with: { template: "${{ inputs.path }}" }
            """);

        foreach (var (path, reason) in new[]
        {
            ("/etc/hostname", "an absolute path reaches outside the playbook's folder"),
            (secret, "an absolute path reaches outside the playbook's folder"),
            ("../outside/secret.txt", "'..' leaves the playbook's folder"),
            ("link.sbn", "a symlink leads out of the folder"),
        })
        {
            var result = cli.Run("exec", playbook, "--journal", Journal, "--input", $"path={path}");

            Assert.Equal(1, result.ExitCode);
            Assert.Contains(reason, result.Out, StringComparison.Ordinal);
            Assert.DoesNotContain("OUTSIDE-FILE-CONTENT", result.Out + result.Error, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void A_template_is_found_in_the_templates_folder_of_runbook_yaml_and_a_symlink_there_leading_out_is_refused(CliTarget cli)
    {
        var shared = Directory.CreateDirectory(Path.Combine(_folder, "config", "shared")).FullName;
        File.WriteAllText(Path.Combine(shared, "update.sbn"), "update for {{ inputs.path }}");
        File.WriteAllText(Path.Combine(_folder, "outside.txt"), "OUTSIDE-FILE-CONTENT");
        File.CreateSymbolicLink(Path.Combine(shared, "out.sbn"), Path.Combine(_folder, "outside.txt"));
        var config = Path.Combine(_folder, "config", "runbook.yaml");
        File.WriteAllText(config, "templates: shared\n");
        var playbook = Write("notify.yaml", """
            apiVersion: runbook/v1
            kind: Playbook
            name: notify
            inputs:
              path: { type: string }
            phases:
              communicate:
                - id: update
                  uses: notify.console
                  with: { template: "${{ inputs.path }}" }
            """);

        var found = cli.Run("exec", playbook, "--journal", Journal, "--config", config, "--input", "path=update.sbn");
        var unconfigured = cli.Run("exec", playbook, "--journal", Journal, "--input", "path=update.sbn");
        var escaping = cli.Run("exec", playbook, "--journal", Journal, "--config", config, "--input", "path=out.sbn");

        Assert.Equal(0, found.ExitCode);
        Assert.Contains("update for update.sbn", found.Out, StringComparison.Ordinal);
        Assert.Equal(1, unconfigured.ExitCode);
        Assert.Contains("template 'update.sbn' does not exist", unconfigured.Out, StringComparison.Ordinal);
        Assert.Equal(1, escaping.ExitCode);
        Assert.Contains("a symlink leads out of the folder", escaping.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("OUTSIDE-FILE-CONTENT", escaping.Out + escaping.Error, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
