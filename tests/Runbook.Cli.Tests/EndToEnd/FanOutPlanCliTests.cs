using System.Text.Json;
using NJsonSchema;
using Runbook.Cli.Execution;
using Runbook.Cli.Tests.Support;

namespace Runbook.Cli.Tests.EndToEnd;

/// <summary>for_each through plan, graph and validate, on both builds; list inputs from --input and an inputs file.</summary>
public sealed class FanOutPlanCliTests : IDisposable
{
    private const string Restart = """
        apiVersion: runbook/v1
        kind: Playbook
        name: restart-all
        inputs:
          services: { type: list, items: string, default: [api] }
        phases:
          mitigate:
            - id: restart
              for_each: ${{ inputs.services }}
              uses: service.restart
              with: { service: "${{ item }}" }
              rollback: { uses: service.rollback, with: { service: "${{ item }}" } }
        """;

    private readonly string _folder = Directory.CreateTempSubdirectory("runbook-fanout-plan-").FullName;

    private string Write(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public async Task A_comma_separated_list_input_plans_one_line_per_item_in_json_that_follows_the_plan_schema(CliTarget cli)
    {
        var schema = await JsonSchema.FromFileAsync(Repo.PathOf("schemas", "plan.schema.json"));
        var result = cli.Run("plan", Write("restart.yaml", Restart), "--provider", "kubernetes", "--format", "json", "--input", "services=api,worker");

        Assert.Equal(0, result.ExitCode);
        Assert.Empty(schema.Validate(result.Out));
        using var doc = JsonDocument.Parse(result.Out);
        var steps = doc.RootElement.GetProperty("plan").GetProperty("steps").EnumerateArray().ToList();
        Assert.Equal(["restart[api]", "restart[worker]"], steps.Select(s => s.GetProperty("id").GetString()));
        Assert.Equal("worker", steps[1].GetProperty("for_each").GetProperty("key").GetString());
        Assert.Equal("inputs.services", steps[1].GetProperty("for_each").GetProperty("items").GetString());
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void A_json_array_list_input_keeps_commas_inside_items(CliTarget cli)
    {
        var result = cli.Run("plan", Write("restart.yaml", Restart), "--provider", "kubernetes", "--input", """services=["a,b","c"]""");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("restart[0]", result.Out, StringComparison.Ordinal);
        Assert.Contains("restart[1]", result.Out, StringComparison.Ordinal);
        Assert.Contains("a,b", result.Out, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void A_list_input_with_a_bad_item_is_a_usage_error_naming_the_item_and_no_stack_trace(CliTarget cli)
    {
        var playbook = Write("numbers.yaml", Restart.Replace("items: string, default: [api]", "items: number", StringComparison.Ordinal)
            .Replace("\"${{ item }}\"", "\"svc${{ item }}\"", StringComparison.Ordinal));

        var result = cli.Run("plan", playbook, "--provider", "kubernetes", "--input", "services=1,two");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("item 1 is 'two'", result.Error + result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(CliTargets.All), MemberType = typeof(CliTargets))]
    public void The_graph_draws_the_fan_out_as_one_marked_node(CliTarget cli)
    {
        var result = cli.Run("graph", Write("restart.yaml", Restart));

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("restart[[\"restart ⟨for each: inputs.services⟩\"]]", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void An_inputs_file_gives_a_list_input_as_a_yaml_list()
    {
        var file = Write("inputs.yaml", "services: [api, \"a,b\", 3]\nports:\n  - 80\n  - 443\nflags: [true, \"false\"]\nname: api\n");

        var values = InputSources.ReadFile(file);

        Assert.Equal("""["api","a,b",3]""", values["services"]);
        Assert.Equal("[80,443]", values["ports"]);
        Assert.Equal("""[true,"false"]""", values["flags"]);
        Assert.Equal("api", values["name"]);
    }

    [Fact]
    public void An_inputs_file_with_a_nested_list_item_is_a_usage_error_at_the_item()
    {
        var file = Write("inputs.yaml", "services: [api, [nested]]\n");

        var error = Assert.Throws<UsageException>(() => InputSources.ReadFile(file));

        Assert.Contains("inputs.yaml:1:17", error.Message, StringComparison.Ordinal);
        Assert.Contains("must be a plain value", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
