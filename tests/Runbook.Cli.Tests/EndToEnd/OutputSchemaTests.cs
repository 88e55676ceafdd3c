using NJsonSchema;
using Runbook.Cli.Tests.Support;

namespace Runbook.Cli.Tests.EndToEnd;

/// <summary>What the command prints for machines follows the schemas it publishes.</summary>
public sealed class OutputSchemaTests
{
    [Fact]
    public async Task Every_json_plan_follows_plan_schema()
    {
        var schema = await JsonSchema.FromFileAsync(Repo.PathOf("schemas", "plan.schema.json"));
        var cli = (CliTarget)CliTargets.All().First()[0];
        foreach (var playbook in Directory.GetFiles(Repo.PathOf("playbooks"), "*.yaml").Concat(Directory.GetFiles(Repo.PathOf("samples", "playbooks"), "*.yaml")))
        {
            var result = cli.Run("plan", playbook, "--provider", "kubernetes", "--format", "json");
            if (result.ExitCode == 2 && result.Error.Contains("is not for kubernetes", StringComparison.Ordinal))
            {
                result = cli.Run("plan", playbook, "--provider", "compose", "--format", "json"); // a compose-only sample
            }

            if (result.ExitCode == 2 && result.Error.Contains("is required", StringComparison.Ordinal))
            {
                continue; // a playbook with required inputs the test cannot guess
            }

            Assert.Equal(0, result.ExitCode);
            Assert.Empty(schema.Validate(result.Out).Select(e => $"{playbook}: {e}"));
        }
    }

    [Fact]
    public async Task Every_json_event_follows_events_schema()
    {
        var schema = await JsonSchema.FromFileAsync(Repo.PathOf("schemas", "events.schema.json"));
        var cli = (CliTarget)CliTargets.All().First()[0];
        var folder = Directory.CreateTempSubdirectory("runbook-events-").FullName;
        try
        {
            cli = cli.With("GATED_TOKEN", "tok-schema-check");
            var result = cli.Run("exec", "tests/Runbook.Cli.Tests/Data/crash-me.yaml", "--provider", "compose", "--format", "json",
                "--journal", Path.Combine(folder, "j.db"), "--input", $"ledger={Path.Combine(folder, "l")}", "--input", "fail=true");

            var lines = result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(lines.Length > 10);
            Assert.All(lines, line => Assert.Empty(schema.Validate(line)));
            Assert.Contains(lines, l => l.Contains("\"type\":\"rollback\"", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
