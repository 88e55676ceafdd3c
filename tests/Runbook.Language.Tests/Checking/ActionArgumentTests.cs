using System.Text;
using Runbook.Language.Actions;
using Runbook.Language.Diagnostics;

namespace Runbook.Language.Tests.Checking;

/// <summary>What the checker knows of action arguments from their descriptors: types, code, files.</summary>
public sealed class ActionArgumentTests
{
    private static IReadOnlyList<Diagnostic> Errors(string step) => PlaybookLoader.Load("p.yaml", Encoding.UTF8.GetBytes($$"""
        apiVersion: runbook/v1
        kind: Playbook
        name: p
        inputs:
          s: { type: string, default: "200" }
          db: { type: string, default: "postgres://x@127.0.0.1/db" }
        phases:
          assess:
            - id: probe
        {{step}}
        """), ActionCatalog.Create([])).Diagnostics.Where(d => d.IsError).ToList();

    [Theory]
    [InlineData("expect_status: ok", "'ok'")]
    [InlineData("expect_status: 700", "'700'")]
    [InlineData("expect_status: 99", "'99'")]
    [InlineData("expect_status: 200.5", "'200.5'")]
    [InlineData("expect_status: \"200\"", "'200'")]
    [InlineData("expect_status: [200, ok]", "the list [200, ok]")]
    [InlineData("expect_status: []", "the list []")]
    [InlineData("expect_status: { a: 1 }", "a mapping")]
    public void A_literal_status_that_is_not_an_http_status_code_is_an_error_naming_the_expected_type(string argument, string found)
    {
        var error = Assert.Single(Errors($"      uses: http.check\n      with:\n        url: http://x\n        {argument}"));

        Assert.Equal("RB0101", error.Code);
        Assert.Equal($"'expect_status' of 'http.check' must be an HTTP status code (100-599) or a list of them, found {found}", error.Message);
    }

    [Theory]
    [InlineData("expect_status: 200")]
    [InlineData("expect_status: [200, 503]")]
    [InlineData("expect_status: \"${{ inputs.s }}\"")]
    [InlineData("expect_status: [200, \"${{ inputs.s }}\"]")]
    public void A_status_code_a_list_of_them_or_an_expression_is_accepted(string argument)
    {
        Assert.Empty(Errors($"      uses: http.check\n      with:\n        url: http://x\n        {argument}"));
    }

    [Theory]
    [InlineData("query: \"${{ inputs.s }}\"")]
    [InlineData("query: \"select ${{ inputs.s }}\"")]
    [InlineData("query: |\n          select *\n          from t where a = '${{ inputs.s }}'")]
    public void Any_expression_in_a_sql_query_is_refused_with_the_bind_parameter_fix(string query)
    {
        var error = Assert.Single(Errors($"      uses: sql.query\n      with:\n        connection: \"${{{{ inputs.db }}}}\"\n        {query}"));

        Assert.Equal("RB0312", error.Code);
        Assert.Equal("write @s in the query and pass the value as parameters: { s: \"${{ inputs.s }}\" }", error.Fix);
    }

    [Fact]
    public void A_value_passed_as_a_parameter_is_accepted()
    {
        Assert.Empty(Errors("      uses: sql.query\n      with:\n        connection: \"${{ inputs.db }}\"\n        query: select @s\n        parameters: { s: \"${{ inputs.s }}\" }"));
    }

    [Fact]
    public void Every_argument_that_is_code_says_how_values_reach_it()
    {
        var code = ActionCatalog.Create([]).Actions.SelectMany(a => a.Parameters.Where(p => p.Code is not null).Select(p => (a, p))).ToList();

        Assert.Equal(["prometheus.query query", "prometheus.query_range query", "sql.query query"], code.Select(c => $"{c.a.Name} {c.p.Name}"));
        Assert.All(code, c => Assert.NotNull(c.a.FindParameter(c.p.Code!.ValuesArgument)));
    }

    [Theory]
    [InlineData("/etc/hostname", "an absolute path reaches outside the playbook's folder")]
    [InlineData("../../etc/passwd", "'..' leaves the playbook's folder")]
    [InlineData("templates/../../x", "'..' leaves the playbook's folder")]
    [InlineData("\"a\\0b\"", "the file name contains a control character (NUL, newline, …)")]
    [InlineData("~/x", "an absolute path reaches outside the playbook's folder")]
    public void A_literal_template_outside_the_playbook_folder_is_an_error(string template, string problem)
    {
        var error = Assert.Single(Errors($"      uses: notify.console\n      with:\n        template: {template}"));

        Assert.Equal("RB0313", error.Code);
        Assert.EndsWith(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_literal_file_name_longer_than_the_limit_is_an_error()
    {
        var error = Assert.Single(Errors($"      uses: notify.console\n      with:\n        template: {new string('a', FileArguments.MaxLength + 1)}"));

        Assert.Equal("RB0313", error.Code);
    }

    [Fact]
    public void A_literal_sub_playbook_path_outside_the_folder_is_an_error()
    {
        var error = Assert.Single(PlaybookLoader.Load("p.yaml", Encoding.UTF8.GetBytes("""
            apiVersion: runbook/v1
            kind: Playbook
            name: p
            phases:
              mitigate:
                - id: child
                  uses: playbook.run
                  with: { path: ../other/child.yaml }
                  rollback: { run: "true" }
            """), ActionCatalog.Create([])).Diagnostics, d => d.IsError);

        Assert.Equal("RB0313", error.Code);
    }

    [Theory]
    [InlineData("incident.sbn")]
    [InlineData("templates/incident.sbn")]
    [InlineData("./incident.sbn")]
    [InlineData("..incident.sbn")]
    public void A_literal_template_inside_the_folder_is_accepted(string template)
    {
        Assert.Empty(Errors($"      uses: notify.console\n      with:\n        template: {template}"));
    }
}
