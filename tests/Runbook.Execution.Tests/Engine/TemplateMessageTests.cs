using Runbook.Execution.Actions;
using Runbook.Execution.Engine;
using Runbook.Execution.Journal;
using Runbook.Execution.Tests.Support;

namespace Runbook.Execution.Tests.Engine;

public sealed class TemplateMessageTests
{
    [Fact]
    public async Task A_notification_template_file_is_rendered_with_the_runs_context()
    {
        var console = new FakeAction("notify.console");
        var check = new FakeAction("http.check", _ => StepOutcome.Success(new Dictionary<string, object?> { ["status"] = 503L }));
        await using var harness = new ExecutorHarness(console, check);
        var playbook = harness.Load("""
            apiVersion: runbook/v1
            kind: Playbook
            name: templated
            inputs:
              service: { type: string, default: checkout }
            phases:
              assess:
                - id: probe
                  uses: http.check
                  with: { url: http://x }
              communicate:
                - id: update
                  uses: notify.console
                  with: { template: incident-start.sbn }
            """);
        await File.WriteAllTextAsync(Path.Combine(Path.GetDirectoryName(playbook.Path)!, "incident-start.sbn"), """
            INCIDENT: {{ inputs.service | string.upcase }} is failing
            {{ if steps.probe.outputs.status >= 500 }}Impact: errors for all users (HTTP {{ steps.probe.outputs.status }}){{ end }}
            Run: {{ run.id }}
            """);

        var result = await Executor.StartAsync(await harness.ServicesAsync(), ExecutorHarness.Request(playbook));

        Assert.Equal(RunStatus.Succeeded, result.Status);
        var text = Assert.Single(console.Calls).GetString("text");
        Assert.Equal($"INCIDENT: CHECKOUT is failing\nImpact: errors for all users (HTTP 503)\nRun: {result.RunId}", text);
    }
}
