using Runbook.Language.Actions;
using Runbook.Language.Diagnostics;
using Runbook.Language.Text;

namespace Runbook.Language.Tests.Checking;

/// <summary>RB0315 (a secret flows into a notification's text) and RB0316 (env.NAME not declared).</summary>
public sealed class SecretFlowTests
{
    private const string Head = """
        apiVersion: runbook/v1
        kind: Playbook
        name: t
        inputs:
          token: { type: secret, from: env:API_TOKEN }
          service: { type: string, default: api }
        phases:
          assess:
            - id: probe
              run: 'curl -H "Authorization: $INPUT_TOKEN" https://example.com/${{ inputs.service }}'
              mutates: false
            - id: plain
              run: echo ok
              mutates: false

        """;

    private static List<Diagnostic> Check(string text)
    {
        var loaded = PlaybookLoader.Load(new SourceText("t.yaml", text), ActionCatalog.Create([]));
        return [.. loaded.Diagnostics];
    }

    private static List<string> Codes(string steps, string head = Head) =>
        [.. Check(head + steps + "\n").Where(d => d.Code is "RB0306" or "RB0315" or "RB0316").Select(d => $"{d.Code} {d.Span.Line}:{d.Span.Column}")];

    [Theory]
    [InlineData("text: \"${{ inputs.token }}\"")]
    [InlineData("text: \"${{ inputs['token'] | string.upcase }}\"")]
    [InlineData("text: \"${{ inputs[format('{0}', 'token')] }}\"")]
    [InlineData("text: \"${{ toJSON(inputs) }}\"")]
    [InlineData("text: \"${{ steps.probe.outputs.stdout }}\"")]
    [InlineData("title: \"${{ inputs.token | string.slice 0 4 }}\"")]
    [InlineData("json: { note: \"${{ inputs.token }}\" }")]
    public void A_secret_that_flows_into_a_notifications_text_is_RB0315(string argument)
    {
        var codes = Codes($$"""
              communicate:
                - id: tell
                  uses: notify.teams
                  with: { webhook: "https://hooks.example.com/x", {{argument}} }
            """);
        Assert.Equal("RB0315", Assert.Single(codes)[..6]);
    }

    [Fact]
    public void RB0315_names_the_flow_and_the_fix()
    {
        var d = Assert.Single(Check(Head + """
              communicate:
                - id: tell
                  uses: notify.slack
                  with: { webhook: "${{ inputs.token }}", text: "probe said ${{ steps.probe.outputs.stdout }}" }
            """ + "\n"), d => d.Code == "RB0315");
        Assert.Equal(18, d.Span.Line);
        Assert.Contains("the outputs of 'probe', a script that received a secret", d.Message, StringComparison.Ordinal);
        Assert.Contains("describe the change instead", d.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void A_credential_argument_and_text_from_plain_values_are_not_RB0315()
    {
        var codes = Codes("""
              communicate:
                - id: tell
                  uses: notify.slack
                  with: { webhook: "${{ inputs.token }}", text: "${{ inputs.service }}: ${{ steps.plain.outputs.stdout }}" }
            """);
        Assert.Empty(codes);
    }

    [Fact]
    public void An_undeclared_environment_variable_is_RB0316_with_the_declaration_to_add()
    {
        var d = Assert.Single(Check(Head + """
              communicate:
                - id: tell
                  uses: notify.console
                  with: { text: "region ${{ env.DEPLOY_REGION }}" }
            """ + "\n"), d => d.Code == "RB0316");
        Assert.Equal("RB0316 18:37", $"{d.Code} {d.Span.Line}:{d.Span.Column}");
        Assert.True(d.IsError);
        Assert.Contains("env: [DEPLOY_REGION]", d.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void A_declared_environment_variable_may_be_read()
    {
        var codes = Codes("""
              communicate:
                - id: tell
                  uses: notify.console
                  with: { text: "region ${{ env.DEPLOY_REGION }}" }
            """, Head.Replace("name: t\n", "name: t\nenv: [DEPLOY_REGION]\n", StringComparison.Ordinal));
        Assert.Empty(codes);
    }

    [Fact]
    public void Reading_the_variable_a_secret_comes_from_into_a_notification_is_RB0315()
    {
        var codes = Codes("""
              communicate:
                - id: tell
                  uses: notify.console
                  with: { text: "${{ env.API_TOKEN }}" }
            """, Head.Replace("name: t\n", "name: t\nenv: [API_TOKEN]\n", StringComparison.Ordinal));
        Assert.Equal(["RB0315 19:30"], codes);
    }

    [Theory]
    [InlineData("env: [not-a-name]")]
    [InlineData("env: [A, A]")]
    [InlineData("env: { A: b }")]
    public void A_malformed_env_list_is_reported(string line)
    {
        var diagnostics = Check(Head.Replace("name: t\n", $"name: t\n{line}\n", StringComparison.Ordinal));
        Assert.Contains(diagnostics, d => d.IsError && d.Span.Line == 4);
    }

    [Fact]
    public void A_secret_named_only_as_INPUT_in_a_script_counts_as_used()
    {
        Assert.DoesNotContain(Check(Head), d => d.Code == "RB0305");
    }
}
